// Preference updates (consent records and the inbox's HMAC key) as this installation sees them
// change: set here, or received from our other installations through device sync. Streams
// listen here; device sync sends the local consent changes on to the other installations.
import type { ConsentRecord } from "@x/db";
import { type ConsentView, consentView } from "../consent.js";

export type PreferenceUpdate =
  | { type: "consent"; consent: ConsentView }
  | { type: "hmacKey"; key: Uint8Array; cycledAtNs: bigint };

export class PreferenceHub {
  readonly #listeners = new Set<(updates: PreferenceUpdate[]) => void>();
  /** Set by device sync: consent changed here, to be sent to our other installations. */
  outgoing: ((records: readonly ConsentRecord[]) => void) | undefined;

  /** Calls `listener` with every batch of updates until the returned function is called. */
  listen(listener: (updates: PreferenceUpdate[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Consent records that changed; `fromSync`: received from another installation. */
  consentChanged(records: readonly ConsentRecord[], fromSync = false): void {
    if (records.length === 0) return;
    this.emit(records.map((r) => ({ type: "consent", consent: consentView(r) })));
    if (!fromSync) this.outgoing?.(records);
  }

  hmacKeyChanged(key: Uint8Array, cycledAtNs: bigint): void {
    this.emit([{ type: "hmacKey", key, cycledAtNs }]);
  }

  private emit(updates: PreferenceUpdate[]): void {
    for (const listener of this.#listeners) listener(updates);
  }
}
