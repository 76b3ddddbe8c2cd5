import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import { CryptoError } from "./errors.js";
import {
  decodeHpkeCiphertext,
  encodeHpkeCiphertext,
  encodeOpaque,
  encodeU8,
  encodeU16,
  encodeU32,
  encodeU64,
  encodeVarint,
  isTlsDecodeError,
  TlsReader,
} from "./tls-codec.js";

const malformedTls = expect.objectContaining({ code: "CRYPTO_MALFORMED_TLS" });

describe("MLS variable-length vectors", () => {
  it("uses 1, 2 and 4 length bytes at the RFC 9420 boundaries and reads them back", () => {
    for (const [length, prefix] of [
      [0, 1],
      [63, 1],
      [64, 2],
      [16383, 2],
      [16384, 4],
      [70000, 4],
    ] as const) {
      const value = new Uint8Array(length).fill(7);
      const encoded = encodeOpaque(value);
      expect(encoded.length - length).toBe(prefix);
      expect(encoded[0]! >> 6).toBe(prefix === 1 ? 0 : prefix === 2 ? 1 : 2);
      const r = new TlsReader(encoded);
      expect(r.opaque()).toEqual(value);
      expect(r.offset).toBe(encoded.length);
    }
  });

  it("refuses the reserved prefix, truncation and non-minimal lengths", () => {
    const bad = (bytes: number[]) => {
      expect(() => new TlsReader(Uint8Array.from(bytes)).opaque()).toThrow(malformedTls);
      // the HPKE structure reports the same bytes with its own code
      expect(() => decodeHpkeCiphertext(Uint8Array.from(bytes))).toThrow(
        expect.objectContaining({ code: "CRYPTO_MALFORMED_CIPHERTEXT" }),
      );
    };
    bad([0xc0, 0, 0, 0, 0, 0, 0, 0]);
    bad([0x05, 1, 2]);
    bad([0x40]);
    bad([0x40, 0x01, 0xaa]);
    bad([0x80, 0, 0, 0x05, 1, 2, 3, 4, 5]);
    expect(() => new TlsReader(new Uint8Array()).opaque()).toThrow(CryptoError);
    expect(() => decodeHpkeCiphertext(new Uint8Array())).toThrow(CryptoError);
  });

  it("reads a non-minimal length only when told to", () => {
    const r = new TlsReader(fromHex("4005" + "0102030405"), { allowNonMinimalLengths: true });
    expect(r.opaque()).toEqual(fromHex("0102030405"));
    r.end("the vector");
  });

  it("round-trips an HpkeCiphertext and refuses trailing bytes", () => {
    const kem = new Uint8Array(70).fill(1);
    const ct = Uint8Array.of(9, 8, 7);
    const wrapped = encodeHpkeCiphertext(kem, ct);
    expect(decodeHpkeCiphertext(wrapped)).toEqual({ kemOutput: kem, ciphertext: ct });
    expect(() => decodeHpkeCiphertext(Uint8Array.of(...wrapped, 0))).toThrow(
      expect.objectContaining({ code: "CRYPTO_MALFORMED_CIPHERTEXT" }),
    );
  });
});

describe("MLS variable-length integers", () => {
  it("encodes the shortest form up to 2^30-1 and reads it back", () => {
    for (const n of [0, 63, 64, 16383, 16384, 0x3fffffff]) {
      const encoded = encodeVarint(n);
      expect(encoded.length).toBe(n < 0x40 ? 1 : n < 0x4000 ? 2 : 4);
      const r = new TlsReader(encoded);
      expect(r.varint()).toBe(n);
      expect(r.offset).toBe(encoded.length);
    }
    expect(toHex(encodeVarint(0x3fffffff))).toBe("bfffffff");
  });

  it("refuses values that do not fit, the 8-byte form, non-minimal and truncated encodings", () => {
    const invalidInput = expect.objectContaining({ code: "CRYPTO_INVALID_INPUT" });
    expect(() => encodeVarint(0x40000000)).toThrow(invalidInput);
    expect(() => encodeVarint(-1)).toThrow(invalidInput);
    expect(() => encodeVarint(1.5)).toThrow(invalidInput);
    for (const hex of ["c000000000000001", "4005", "80000005", "40", ""]) {
      expect(() => new TlsReader(fromHex(hex)).varint(), hex).toThrow(malformedTls);
    }
  });
});

describe("TlsReader", () => {
  it("reads big-endian integers, vectors of items and checks the end", () => {
    const bytes = Uint8Array.of(
      ...encodeU8(0xab),
      ...encodeU16(0x0102),
      ...encodeU32(0xfffffffe),
      ...encodeU64(0x0102030405060708n),
      ...encodeOpaque(Uint8Array.of(...encodeU16(1), ...encodeU16(2), ...encodeU16(0xffff))),
    );
    const r = new TlsReader(bytes);
    expect(r.u8()).toBe(0xab);
    expect(r.u16()).toBe(0x0102);
    expect(r.u32()).toBe(0xfffffffe);
    expect(r.u64()).toBe(0x0102030405060708n);
    expect(r.remaining).toBe(7);
    expect(r.vector((x) => x.u16())).toEqual([1, 2, 0xffff]);
    expect(r.offset).toBe(bytes.length);
    r.end("the test structure");
  });

  it("gives typed errors for truncation, an item running past its vector and trailing bytes", () => {
    const truncated = new TlsReader(Uint8Array.of(1));
    expect(() => truncated.u16("version")).toThrow(/truncated version/);
    expect(() => new TlsReader(Uint8Array.of(1, 2, 3)).u32()).toThrow(malformedTls);
    expect(() => new TlsReader(Uint8Array.of(0, 0, 0, 0, 0, 0, 0)).u64()).toThrow(malformedTls);
    // a vector of 3 bytes cannot hold u16 items
    const odd = new TlsReader(Uint8Array.of(3, 0, 1, 2));
    expect(() => odd.vector((x) => x.u16())).toThrow(malformedTls);
    const trailing = new TlsReader(Uint8Array.of(7, 0));
    trailing.u8();
    expect(() => trailing.end("a u8")).toThrow(/1 unexpected trailing bytes after a u8/);
    try {
      trailing.end("a u8");
    } catch (e) {
      expect(isTlsDecodeError(e)).toBe(true);
      expect((e as CryptoError).retryable).toBe(false);
    }
  });

  it("lets a subclass throw its own error type, also from the readers of vector items", () => {
    class OwnError extends Error {}
    class OwnReader extends TlsReader {
      protected override error(message: string): Error {
        return new OwnError(message);
      }
    }
    expect(() => new OwnReader(Uint8Array.of(0xc0)).varint()).toThrow(OwnError);
    const r = new OwnReader(Uint8Array.of(1, 0x05));
    expect(() => r.vector((x) => x.opaque())).toThrow(OwnError);
  });
});
