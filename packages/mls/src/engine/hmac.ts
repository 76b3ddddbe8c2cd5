// The sender_hmac of SendGroupMessages (libxmtp `mls_sync.rs::hmac_keys`, `prepare_group_messages`).
// k = HKDF-SHA256(salt "libXMTP HKDF salt!", ikm = per-inbox 42-byte key ‖ group_id,
//                 info = group_id ‖ i64_le(epoch), L = 42);  epoch = floor(unix_secs / 30 days);
// sender_hmac = HMAC-SHA256(k, data).
import { hkdfSha256, hmacSha256 } from "@x/crypto";
import { HMAC_EPOCH_SECONDS, HMAC_KEY_LENGTH, HMAC_SALT } from "./constants.js";
import { GroupOperationError } from "./errors.js";
import { bytesEqual, concatBytes } from "./tls.js";

/** The HMAC-key epoch at `now` (30-day periods since the Unix epoch). */
export function hmacEpoch(now: Date = new Date()): number {
  return Math.floor(Math.floor(now.getTime() / 1000) / HMAC_EPOCH_SECONDS);
}

/** A fresh per-inbox HMAC root key (libxmtp `HmacKey::random_key`, shared by device sync). */
export function newHmacRootKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(HMAC_KEY_LENGTH));
}

function i64le(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(n), true);
  return out;
}

/** The group's HMAC key for one epoch. */
export function deriveHmacKey(rootKey: Uint8Array, groupId: Uint8Array, epoch: number): Uint8Array {
  if (!Number.isSafeInteger(epoch)) {
    throw new GroupOperationError("MLS_INVALID_ARGUMENT", `HMAC epoch ${epoch} is not an integer`);
  }
  return hkdfSha256(
    concatBytes(rootKey, groupId),
    new TextEncoder().encode(HMAC_SALT),
    concatBytes(groupId, i64le(epoch)),
    HMAC_KEY_LENGTH,
  );
}

/** Keys for the epochs around now, like libxmtp `hmac_keys(-1..=1)`. */
export function deriveHmacKeys(
  rootKey: Uint8Array,
  groupId: Uint8Array,
  deltas: readonly number[] = [-1, 0, 1],
  now: Date = new Date(),
): { epoch: number; key: Uint8Array }[] {
  const current = hmacEpoch(now);
  return deltas.map((d) => ({
    epoch: current + d,
    key: deriveHmacKey(rootKey, groupId, current + d),
  }));
}

export function senderHmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmacSha256(key, data);
}

/** Whether `mac` is HMAC-SHA256(k, data) for one of `keys` (e.g. to recognise our own messages). */
export function verifySenderHmac(
  keys: readonly Uint8Array[],
  data: Uint8Array,
  mac: Uint8Array,
): boolean {
  return keys.some((k) => bytesEqual(senderHmac(k, data), mac));
}
