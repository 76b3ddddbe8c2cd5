// The two TLS presentation-language pieces XMTP's extensions need on top of ts-mls:
// MLS variable-length integers (RFC 9420 §2.1.2, QUIC-style, at most 30 bits) and opaque<V>.

/** Encodes `n` as an MLS variable-length integer (1, 2 or 4 bytes). */
export function encodeVarint(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x3fffffff) {
    throw new RangeError(`varint out of range: ${n}`);
  }
  if (n < 0x40) return Uint8Array.of(n);
  if (n < 0x4000) return Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  return Uint8Array.of(0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
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
  const first = bytes[offset];
  if (first === undefined) return undefined;
  const prefix = first >> 6;
  if (prefix === 3) return undefined;
  const length = 1 << prefix;
  if (offset + length > bytes.length) return undefined;
  let value = first & 0x3f;
  for (let i = 1; i < length; i++) value = value * 256 + (bytes[offset + i] as number);
  const minimal = length === 1 || (length === 2 ? value >= 0x40 : value >= 0x4000);
  return minimal ? { value, length } : undefined;
}

/** TLS `opaque data<V>`: a variable-length integer length prefix, then the bytes. */
export function encodeOpaque(data: Uint8Array): Uint8Array {
  const prefix = encodeVarint(data.length);
  const out = new Uint8Array(prefix.length + data.length);
  out.set(prefix, 0);
  out.set(data, prefix.length);
  return out;
}

/**
 * Reads one `opaque data<V>` at `offset`. Returns the data and the offset after it, or undefined
 * when the prefix is malformed or the data is truncated.
 */
export function decodeOpaque(
  bytes: Uint8Array,
  offset = 0,
): { data: Uint8Array; next: number } | undefined {
  const len = decodeVarint(bytes, offset);
  if (len === undefined) return undefined;
  const start = offset + len.length;
  const end = start + len.value;
  if (end > bytes.length) return undefined;
  return { data: bytes.slice(start, end), next: end };
}

/** Reads exactly one `opaque data<V>` spanning all of `bytes`, or undefined. */
export function decodeOpaqueExact(bytes: Uint8Array): Uint8Array | undefined {
  const r = decodeOpaque(bytes, 0);
  return r !== undefined && r.next === bytes.length ? r.data : undefined;
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
