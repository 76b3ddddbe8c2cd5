// The two TLS-presentation structures the welcome wrapper needs, with MLS variable-length
// vectors (RFC 9420 §2.1.2: a 1-, 2- or 4-byte length whose top two bits give its size).
import { concatBytes, utf8 } from "./bytes.js";
import { CryptoError } from "./errors.js";

const MAX_VECTOR_LENGTH = 0x3fffffff;

export function encodeVarBytes(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  let prefix: Uint8Array;
  if (n < 0x40) prefix = Uint8Array.of(n);
  else if (n < 0x4000) prefix = Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  else if (n <= MAX_VECTOR_LENGTH) {
    prefix = Uint8Array.of(0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  } else throw new CryptoError("CRYPTO_INVALID_INPUT", "a TLS vector holds at most 2^30-1 bytes");
  return concatBytes(prefix, bytes);
}

/** Reads one vector at `offset`; rejects truncation and non-minimal length encodings. */
export function decodeVarBytes(
  buffer: Uint8Array,
  offset: number,
): { value: Uint8Array; next: number } {
  const first = buffer[offset];
  if (first === undefined) throw malformed("a vector length is missing");
  const size = 1 << (first >> 6);
  if (size === 8) throw malformed("a vector length uses the reserved 0b11 prefix");
  if (offset + size > buffer.length) throw malformed("a vector length is truncated");
  let length = first & 0x3f;
  for (let i = 1; i < size; i++) length = length * 256 + (buffer[offset + i] ?? 0);
  const minimal = length < 0x40 ? 1 : length < 0x4000 ? 2 : 4;
  if (size !== minimal) throw malformed("a vector length is not minimally encoded");
  const start = offset + size;
  const end = start + length;
  if (end > buffer.length) throw malformed("a vector is shorter than its length says");
  return { value: buffer.slice(start, end), next: end };
}

/** TLS `HpkeCiphertext { opaque kem_output<V>; opaque ciphertext<V>; }` (RFC 9420 §5.1.3). */
export function encodeHpkeCiphertext(kemOutput: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return concatBytes(encodeVarBytes(kemOutput), encodeVarBytes(ciphertext));
}

export function decodeHpkeCiphertext(bytes: Uint8Array): {
  kemOutput: Uint8Array;
  ciphertext: Uint8Array;
} {
  const kem = decodeVarBytes(bytes, 0);
  const ct = decodeVarBytes(bytes, kem.next);
  if (ct.next !== bytes.length) throw malformed("trailing bytes after the HpkeCiphertext");
  return { kemOutput: kem.value, ciphertext: ct.value };
}

/**
 * The HPKE `info` OpenMLS builds for a label: TLS `EncryptContext { opaque label<V> =
 * "MLS 1.0 " + label; opaque context<V> = "" }`. For "MLS_WELCOME" this is
 * 0x13 "MLS 1.0 MLS_WELCOME" 0x00.
 */
export function encryptContextInfo(
  label: string,
  context: Uint8Array = new Uint8Array(),
): Uint8Array {
  return concatBytes(encodeVarBytes(utf8(`MLS 1.0 ${label}`)), encodeVarBytes(context));
}

function malformed(message: string): CryptoError {
  return new CryptoError("CRYPTO_MALFORMED_CIPHERTEXT", `malformed HpkeCiphertext: ${message}`);
}
