import { describe, expect, it } from "vitest";
import { CryptoError } from "./errors.js";
import { decodeVarBytes, encodeVarBytes } from "./tls-codec.js";

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
      const encoded = encodeVarBytes(value);
      expect(encoded.length - length).toBe(prefix);
      expect(encoded[0]! >> 6).toBe(prefix === 1 ? 0 : prefix === 2 ? 1 : 2);
      const decoded = decodeVarBytes(encoded, 0);
      expect(decoded.value).toEqual(value);
      expect(decoded.next).toBe(encoded.length);
    }
  });

  it("refuses the reserved prefix, truncation and non-minimal lengths", () => {
    const bad = (bytes: number[]) =>
      expect(() => decodeVarBytes(Uint8Array.from(bytes), 0)).toThrow(
        expect.objectContaining({ code: "CRYPTO_MALFORMED_CIPHERTEXT" }),
      );
    bad([0xc0, 0, 0, 0, 0, 0, 0, 0]);
    bad([0x05, 1, 2]);
    bad([0x40]);
    bad([0x40, 0x01, 0xaa]);
    bad([0x80, 0, 0, 0x05, 1, 2, 3, 4, 5]);
    expect(() => decodeVarBytes(new Uint8Array(), 0)).toThrow(CryptoError);
  });
});
