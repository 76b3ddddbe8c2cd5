// The device-sync worker (libxmtp's SyncWorker): on start, `sync_init`; then, every 20 s or when
// woken, what is already in the database (new sync groups, consent to send, unhandled messages).
// Fetching from the network is left to the app's syncs and streams, as in libxmtp.
import type { Worker } from "../workers/runner.js";
import type { DeviceSync } from "./device-sync.js";

const ROUND_MS = 20_000;

export class DeviceSyncWorker implements Worker {
  readonly kind = "device-sync";
  #initialized = false;

  constructor(private readonly sync: DeviceSync) {}

  async runOnce(): Promise<number> {
    if (!this.#initialized) {
      await this.sync.init();
      this.#initialized = true;
    }
    await this.sync.processLocal();
    return ROUND_MS;
  }
}
