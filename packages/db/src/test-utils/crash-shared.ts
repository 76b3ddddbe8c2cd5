// What the crash test's child writes, shared by the child and the checks in the parent.
import { bytes, makeMessage } from "./fixtures.js";

export const BATCH = 50;
export const GROUP_ID = bytes(0x47, 1);

/** The MLS state we write at an epoch: recognisable and a few KiB, like real group state. */
export function stateForEpoch(epoch: bigint): Uint8Array {
  const s = new Uint8Array(4096);
  new DataView(s.buffer).setBigUint64(0, epoch);
  s.fill(Number(epoch % 251n), 8);
  return s;
}

export function messageForSequence(seq: bigint) {
  const n = Number(seq);
  return makeMessage(GROUP_ID, n, {
    sequenceId: seq,
    decryptedMessageBytes: new Uint8Array(512).fill(n % 256),
  });
}
