// The two TLS presentation-language pieces XMTP's extensions need on top of ts-mls: MLS
// variable-length integers (RFC 9420 §2.1.2, QUIC-style, at most 30 bits) and opaque<V>. The
// codec is @x/crypto's; these wrappers keep the engine's contract: RangeError for a value that
// does not fit, undefined for bytes that do not parse.
import {
  encodeOpaque as cryptoEncodeOpaque,
  encodeVarint as cryptoEncodeVarint,
  isTlsDecodeError,
  TlsReader,
} from "@x/crypto";

/** Encodes `n` as an MLS variable-length integer (1, 2 or 4 bytes). */
export function encodeVarint(n: number): Uint8Array {
  try {
    return cryptoEncodeVarint(n);
  } catch (cause) {
    throw new RangeError(`varint out of range: ${n}`, { cause });
  }
}

/** Runs `read` over `bytes` from `offset`; undefined when the bytes do not parse. */
function tryRead<T>(bytes: Uint8Array, offset: number, read: (r: TlsReader) => T): T | undefined {
  try {
    return read(new TlsReader(bytes.subarray(offset)));
  } catch (e) {
    if (isTlsDecodeError(e)) return undefined;
    throw e;
  }
}

/**
 * Decodes an MLS variable-length integer at `offset`. Returns the value and the bytes it used, or
 * undefined when the input is truncated, uses the reserved 8-byte form, or is not minimally
 * encoded (RFC 9420 requires the shortest form).
 */
export function decodeVarint(
  bytes: Uint8Array,
  offset = 0,
): { value: number; length: number } | undefined {
  return tryRead(bytes, offset, (r) => ({ value: r.varint(), length: r.offset }));
}

/** TLS `opaque data<V>`: a variable-length integer length prefix, then the bytes. */
export function encodeOpaque(data: Uint8Array): Uint8Array {
  try {
    return cryptoEncodeOpaque(data);
  } catch (cause) {
    throw new RangeError(`opaque<V> too long: ${data.length} bytes`, { cause });
  }
}

/**
 * Reads one `opaque data<V>` at `offset`. Returns the data and the offset after it, or undefined
 * when the prefix is malformed or the data is truncated.
 */
export function decodeOpaque(
  bytes: Uint8Array,
  offset = 0,
): { data: Uint8Array; next: number } | undefined {
  return tryRead(bytes, offset, (r) => ({ data: r.opaque().slice(), next: offset + r.offset }));
}

/** Reads exactly one `opaque data<V>` spanning all of `bytes`, or undefined. */
export function decodeOpaqueExact(bytes: Uint8Array): Uint8Array | undefined {
  return tryRead(bytes, 0, (r) => {
    const data = r.opaque().slice();
    r.end("opaque<V>");
    return data;
  });
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError("not a hex string");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
