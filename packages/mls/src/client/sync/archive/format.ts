// libxmtp 1.9.1's archive bytes (xmtp_archive): what both the exporter and the importer share.
//
//   u16 LE version (0) ‖ 12-byte random nonce ‖ zstd( repeat { u32 LE n ‖ n bytes } )
//
// where the n bytes are AES-256-GCM(key, nonce_i, no AAD, BackupElement proto), ciphertext and
// 16-byte tag, and nonce_{i+1} = nonce_i + 1 as a 96-bit little-endian integer (mod 2^96).
import { ArchiveError } from "./errors.js";

export const ARCHIVE_VERSION = 0;
export const ARCHIVE_NONCE_SIZE = 12;
/** version + nonce */
export const ARCHIVE_HEADER_SIZE = 2 + ARCHIVE_NONCE_SIZE;
export const ARCHIVE_KEY_SIZE = 32;
export const GCM_TAG_SIZE = 16;

/**
 * The 32-byte AES key: longer keys are cut to their first 32 bytes (libxmtp's mobile FFI does the
 * same), shorter ones are refused.
 */
export function archiveKey(key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array)) {
    throw new ArchiveError("ARCHIVE_INVALID_KEY_LENGTH", "the archive key must be a Uint8Array");
  }
  if (key.length < ARCHIVE_KEY_SIZE) {
    throw new ArchiveError(
      "ARCHIVE_INVALID_KEY_LENGTH",
      `the archive key must be ${ARCHIVE_KEY_SIZE} bytes, got ${key.length}`,
    );
  }
  return key.slice(0, ARCHIVE_KEY_SIZE);
}

/** nonce + 1 as a 96-bit little-endian integer, wrapping at 2^96 (a new array). */
export function nextNonce(nonce: Uint8Array): Uint8Array {
  const n = nonce.slice();
  for (let i = 0; i < n.length; i++) {
    n[i] = ((n[i] as number) + 1) & 0xff;
    if (n[i] !== 0) break;
  }
  return n;
}

/** nonce − 1 as a 96-bit little-endian integer, wrapping below 0 (a new array). */
export function previousNonce(nonce: Uint8Array): Uint8Array {
  const n = nonce.slice();
  for (let i = 0; i < n.length; i++) {
    const before = n[i] as number;
    n[i] = (before - 1) & 0xff;
    if (before !== 0) break;
  }
  return n;
}

export function archiveHeader(version: number, nonce: Uint8Array): Uint8Array {
  const h = new Uint8Array(ARCHIVE_HEADER_SIZE);
  h[0] = version & 0xff;
  h[1] = (version >>> 8) & 0xff;
  h.set(nonce, 2);
  return h;
}

/** u32 LE n ‖ the n bytes. */
export function frameElement(ciphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + ciphertext.length);
  new DataView(out.buffer).setUint32(0, ciphertext.length, true);
  out.set(ciphertext, 4);
  return out;
}
