import { describe, expect, it } from "vitest";
import { fromHex, toHex, utf8 } from "./bytes.js";
import {
  hkdfSha256,
  hkdfSha256Expand,
  hkdfSha256Extract,
  hmacSha256,
  keccak256,
  sha256,
  sha512,
} from "./hashes.js";

describe("hashes", () => {
  it("SHA-256, SHA-512 and keccak-256 of known inputs", () => {
    expect(toHex(sha256(utf8("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(toHex(sha512(utf8("abc")))).toBe(
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    );
    expect(toHex(keccak256(new Uint8Array()))).toBe(
      "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
  });

  it("HMAC-SHA256 (RFC 4231 test case 1)", () => {
    const key = new Uint8Array(20).fill(0x0b);
    expect(toHex(hmacSha256(key, utf8("Hi There")))).toBe(
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    );
  });

  it("HKDF-SHA256 (RFC 5869 test case 1)", () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    const salt = fromHex("000102030405060708090a0b0c");
    const info = fromHex("f0f1f2f3f4f5f6f7f8f9");
    const prk = hkdfSha256Extract(ikm, salt);
    expect(toHex(prk)).toBe("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    const okm =
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
    expect(toHex(hkdfSha256Expand(prk, info, 42))).toBe(okm);
    expect(toHex(hkdfSha256(ikm, salt, info, 42))).toBe(okm);
  });

  it("refuses non-byte input with a typed error", () => {
    expect(() => sha256("abc" as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_INPUT" }),
    );
  });
});
