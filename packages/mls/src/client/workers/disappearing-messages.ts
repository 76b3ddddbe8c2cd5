// libxmtp's DisappearingMessagesWorker: every second, deletes the messages whose time is up. Reads
// never show an expired message anyway (messages() filters by expiry); this frees the rows.
import type { ClientDatabase } from "@x/db";
import type { Worker, WorkerClock } from "./runner.js";

/** libxmtp's interval. */
export const DISAPPEARING_MESSAGES_INTERVAL_MS = 1_000;

export class DisappearingMessagesWorker implements Worker {
  readonly kind = "disappearing-messages";
  /** Messages deleted so far (for tests and status). */
  deleted = 0;

  constructor(
    private readonly db: ClientDatabase,
    private readonly clock: WorkerClock,
  ) {}

  async runOnce(): Promise<number> {
    this.deleted += await this.db.messages.deleteExpired(this.clock.now());
    return DISAPPEARING_MESSAGES_INTERVAL_MS;
  }
}
