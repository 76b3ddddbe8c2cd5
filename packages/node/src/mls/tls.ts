// A reader for the TLS presentation language as MLS (RFC 9420 §2.1) uses it: fixed-width
// big-endian integers and `opaque<V>` vectors with a QUIC-style variable-length size prefix.

/** Thrown when bytes do not parse as the MLS structure they claim to be. */
export class TlsDecodeError extends Error {
  readonly code = "node.tls_decode";
  constructor(message: string) {
    super(message);
    this.name = "TlsDecodeError";
  }
}

export class TlsReader {
  private pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) {
      throw new TlsDecodeError(
        `truncated ${what}: needs ${n} bytes at offset ${this.pos}, ${this.remaining} left`,
      );
    }
  }

  u8(what = "u8"): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u16(what = "u16"): number {
    this.need(2, what);
    const v = (this.bytes[this.pos]! << 8) | this.bytes[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32(what = "u32"): number {
    this.need(4, what);
    const v =
      this.bytes[this.pos]! * 0x1000000 +
      ((this.bytes[this.pos + 1]! << 16) |
        (this.bytes[this.pos + 2]! << 8) |
        this.bytes[this.pos + 3]!);
    this.pos += 4;
    return v;
  }

  u64(what = "u64"): bigint {
    const hi = this.u32(what);
    const lo = this.u32(what);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** The size prefix of a vector: 1, 2 or 4 bytes chosen by the top two bits (RFC 9420 §2.1.2). */
  varint(what = "length"): number {
    const first = this.u8(what);
    const prefix = first >> 6;
    if (prefix === 0) return first & 0x3f;
    if (prefix === 1) return ((first & 0x3f) << 8) | this.u8(what);
    if (prefix === 2) {
      this.need(3, what);
      const v =
        (first & 0x3f) * 0x1000000 +
        ((this.bytes[this.pos]! << 16) |
          (this.bytes[this.pos + 1]! << 8) |
          this.bytes[this.pos + 2]!);
      this.pos += 3;
      return v;
    }
    throw new TlsDecodeError(`invalid variable-length prefix 0b11 at offset ${this.pos - 1}`);
  }

  /** `opaque x<V>`: the bytes of a vector (a view, not a copy). */
  opaque(what = "vector"): Uint8Array {
    const len = this.varint(`${what} length`);
    this.need(len, what);
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** A vector of items: the items are read from a sub-reader over exactly the vector's bytes. */
  vector<T>(item: (r: TlsReader) => T, what = "vector"): T[] {
    const inner = new TlsReader(this.opaque(what));
    const out: T[] = [];
    while (inner.remaining > 0) out.push(item(inner));
    return out;
  }

  end(what: string): void {
    if (this.remaining !== 0) {
      throw new TlsDecodeError(`${this.remaining} unexpected trailing bytes after ${what}`);
    }
  }
}

/** Encodes the size prefix of an `opaque<V>` vector. */
export function encodeVarint(n: number): Uint8Array {
  if (n < 0x40) return Uint8Array.of(n);
  if (n < 0x4000) return Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  if (n < 0x40000000) {
    return Uint8Array.of(0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  }
  throw new RangeError(`vector too long for MLS: ${n} bytes`);
}

export function encodeOpaque(bytes: Uint8Array): Uint8Array {
  const prefix = encodeVarint(bytes.length);
  const out = new Uint8Array(prefix.length + bytes.length);
  out.set(prefix, 0);
  out.set(bytes, prefix.length);
  return out;
}
