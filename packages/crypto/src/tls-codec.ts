// The TLS presentation language as MLS uses it (RFC 9420 §2.1): fixed-width big-endian integers
// and vectors `opaque x<V>` whose length is a variable-length integer in the QUIC encoding
// (RFC 9000 §16), which MLS limits to the 1-, 2- and 4-byte forms (at most 2^30-1) and, unlike
// QUIC, to the shortest form (RFC 9420 §2.1.2). This is the one codec of the repository:
// @x/mls and @x/node read and write through it and map its errors to their own.
import { concatBytes, utf8 } from "./bytes.js";
import { CryptoError } from "./errors.js";

/** The largest length an MLS variable-length integer holds. */
export const MAX_VARINT = 0x3fffffff;

/** True when `e` is the error a TlsReader throws for bytes that do not parse. */
export function isTlsDecodeError(e: unknown): e is CryptoError {
  return e instanceof CryptoError && e.code === "CRYPTO_MALFORMED_TLS";
}

// --- writing ---

/** Encodes `n` as an MLS variable-length integer (1, 2 or 4 bytes, shortest form). */
export function encodeVarint(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > MAX_VARINT) {
    throw new CryptoError(
      "CRYPTO_INVALID_INPUT",
      `an MLS variable-length integer holds 0 to 2^30-1, not ${n}`,
    );
  }
  if (n < 0x40) return Uint8Array.of(n);
  if (n < 0x4000) return Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  return Uint8Array.of(0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/** TLS `opaque data<V>`: the length as a variable-length integer, then the bytes. */
export function encodeOpaque(bytes: Uint8Array): Uint8Array {
  return concatBytes(encodeVarint(bytes.length), bytes);
}

export function encodeU8(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff);
}

export function encodeU16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

export function encodeU32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

export function encodeU64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n);
  return out;
}

// --- reading ---

export interface TlsReaderOptions {
  /**
   * Accept a vector length in a longer form than needed. RFC 9420 forbids it; only readers that
   * must keep an older, lenient behaviour set this.
   */
  allowNonMinimalLengths?: boolean;
}

/**
 * Reads TLS-encoded fields one after another. Every failure (truncation, the reserved 0b11 length
 * prefix, a non-minimal length, trailing bytes) throws the error `error()` builds: a CryptoError
 * with code CRYPTO_MALFORMED_TLS here; a subclass overrides `error` to throw its own type.
 */
export class TlsReader {
  private pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    protected readonly options: TlsReaderOptions = {},
  ) {}

  /** The position of the next byte to read. */
  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** The error thrown for bytes that do not parse. */
  protected error(message: string): Error {
    return new CryptoError("CRYPTO_MALFORMED_TLS", message);
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) {
      throw this.error(
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
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  u64(what = "u64"): bigint {
    const hi = this.u32(what);
    const lo = this.u32(what);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A variable-length integer: 1, 2 or 4 bytes chosen by the top two bits of the first. */
  varint(what = "length"): number {
    const start = this.pos;
    const first = this.u8(what);
    const prefix = first >> 6;
    if (prefix === 3) {
      throw this.error(`invalid variable-length prefix 0b11 in ${what} at offset ${start}`);
    }
    const size = 1 << prefix;
    this.need(size - 1, what);
    let value = first & 0x3f;
    for (let i = 1; i < size; i++) value = value * 256 + this.bytes[this.pos++]!;
    const minimal = value < 0x40 ? 1 : value < 0x4000 ? 2 : 4;
    if (size !== minimal && this.options.allowNonMinimalLengths !== true) {
      throw this.error(`${what} at offset ${start} is not minimally encoded`);
    }
    return value;
  }

  /** `opaque x<V>`: the bytes of a vector (a view into the input, not a copy). */
  opaque(what = "vector"): Uint8Array {
    const length = this.varint(`${what} length`);
    this.need(length, what);
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  /** A vector of items, read by `item` from a reader over exactly the vector's bytes. */
  vector<T>(item: (r: this) => T, what = "vector"): T[] {
    const Reader = this.constructor as new (bytes: Uint8Array, options: TlsReaderOptions) => this;
    const inner = new Reader(this.opaque(what), this.options);
    const out: T[] = [];
    while (inner.remaining > 0) out.push(item(inner));
    return out;
  }

  /** Fails unless every byte has been read. */
  end(what: string): void {
    if (this.remaining !== 0) {
      throw this.error(`${this.remaining} unexpected trailing bytes after ${what}`);
    }
  }
}

// --- the HPKE structures of the welcome wrapper ---

/** TLS `HpkeCiphertext { opaque kem_output<V>; opaque ciphertext<V>; }` (RFC 9420 §5.1.3). */
export function encodeHpkeCiphertext(kemOutput: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return concatBytes(encodeOpaque(kemOutput), encodeOpaque(ciphertext));
}

/** Reads an HpkeCiphertext; throws CRYPTO_MALFORMED_CIPHERTEXT when the bytes are not one. */
export function decodeHpkeCiphertext(bytes: Uint8Array): {
  kemOutput: Uint8Array;
  ciphertext: Uint8Array;
} {
  try {
    const r = new TlsReader(bytes);
    const kemOutput = r.opaque("kem_output").slice();
    const ciphertext = r.opaque("ciphertext").slice();
    r.end("the HpkeCiphertext");
    return { kemOutput, ciphertext };
  } catch (cause) {
    if (!isTlsDecodeError(cause)) throw cause;
    throw new CryptoError(
      "CRYPTO_MALFORMED_CIPHERTEXT",
      `malformed HpkeCiphertext: ${cause.message}`,
      { cause },
    );
  }
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
  return concatBytes(encodeOpaque(utf8(`MLS 1.0 ${label}`)), encodeOpaque(context));
}
