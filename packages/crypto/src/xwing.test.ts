import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import { CryptoError } from "./errors.js";
import { readVectors } from "./test-utils/fixtures.js";
import { xwingDecapsulate, xwingEncapsulate, xwingKeyPairFromSeed } from "./xwing.js";

interface Vector {
  seed: string;
  eseed: string;
  ss: string;
  sk: string;
  pk: string;
  ct: string;
}

const { vectors } = readVectors<{ vectors: Vector[] }>("xwing-draft-06.json");

describe("X-Wing draft-06 test vectors", () => {
  it("has the three published vectors", () => {
    expect(vectors).toHaveLength(3);
  });

  vectors.forEach((v, i) => {
    it(`vector ${i}: key generation, encapsulation and decapsulation`, () => {
      const { publicKey, privateKey } = xwingKeyPairFromSeed(fromHex(v.seed));
      expect(toHex(privateKey)).toBe(v.sk);
      expect(toHex(publicKey)).toBe(v.pk);
      const { sharedSecret, ciphertext } = xwingEncapsulate(publicKey, fromHex(v.eseed));
      expect(toHex(ciphertext)).toBe(v.ct);
      expect(toHex(sharedSecret)).toBe(v.ss);
      expect(toHex(xwingDecapsulate(fromHex(v.ct), fromHex(v.sk)))).toBe(v.ss);
    });
  });

  it("a changed ciphertext decapsulates to another secret (implicit rejection)", () => {
    const v = vectors[0]!;
    const ct = fromHex(v.ct);
    ct[5] = (ct[5] ?? 0) ^ 1;
    expect(toHex(xwingDecapsulate(ct, fromHex(v.sk)))).not.toBe(v.ss);
  });

  it("rejects wrong sizes with typed errors", () => {
    expect(() => xwingKeyPairFromSeed(new Uint8Array(31))).toThrow(CryptoError);
    expect(() => xwingEncapsulate(new Uint8Array(1215))).toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_KEY" }),
    );
    expect(() => xwingDecapsulate(new Uint8Array(1119), new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: "CRYPTO_MALFORMED_CIPHERTEXT" }),
    );
  });
});
