// Following a welcome pointer to its pointee (libxmtp 1.9.1 welcome_pointer.rs and
// decrypted_welcome.rs): the destination topic is read from its start (v3: QueryWelcomeMessages
// for the destination as installation key; d14n: QueryEnvelopes on 0x01 ‖ destination) and the
// first message is the pointee. Not there yet: asked again with libxmtp's default backoff, then
// left to a durable ProcessWelcomePointer task, retried for 3 days.
import type { XmtpApi } from "@x/api";
import type { NewTask } from "@x/db";
import type { WelcomeMessage } from "@x/proto/mls/api/v1";
import type { Task } from "@x/proto/mls/database";
import { type DecryptedWelcomePointer, welcomePointerProto } from "../engine/index.js";
import { newTask } from "./workers/tasks.js";

/** libxmtp's Retry::default(): 5 retries, 50 ms × 3ⁿ (about 6 s in all). */
export const POINTEE_RETRY_DELAYS_MS: readonly number[] = [50, 150, 450, 1350, 4050];

const MINUTE_NS = 60n * 1_000_000_000n;
const HOUR_NS = 60n * MINUTE_NS;
const DAY_NS = 24n * HOUR_NS;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The first message of the pointer's destination topic, asking again after each of `delays`
 * while there is none (or the query fails); undefined when it never came.
 */
export async function findPointee(
  api: XmtpApi,
  pointer: DecryptedWelcomePointer,
  delays: readonly number[] = POINTEE_RETRY_DELAYS_MS,
): Promise<WelcomeMessage | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      // the first page only: what comes after the pointee does not matter
      for await (const page of api.welcomeMessagePages(pointer.destination)) {
        if (page[0] !== undefined) return page[0];
      }
    } catch {
      // the node may be away for a moment: asked again like an empty topic
    }
    const delay = delays[attempt];
    if (delay === undefined) return undefined;
    await sleep(delay);
  }
}

/** The task that follows a pointer later: libxmtp's schedule (5 min, ×1.5 up to 2 h, 3 days). */
export function welcomePointerTask(
  pointer: DecryptedWelcomePointer,
  from: { originatorId: number; sequenceId: bigint },
  nowNs: bigint,
): NewTask {
  const task: Task["task"] = { case: "processWelcomePointer", value: welcomePointerProto(pointer) };
  return newTask(task, nowNs, {
    nextAttemptAtNs: nowNs + 5n * MINUTE_NS,
    expiresAtNs: nowNs + 3n * DAY_NS,
    maxAttempts: 100,
    initialBackoffNs: 5n * MINUTE_NS,
    backoffScalingFactor: 1.5,
    maxBackoffNs: 2n * HOUR_NS,
    originatingMessage: from,
  });
}
