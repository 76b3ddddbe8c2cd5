import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import { CryptoError } from "./errors.js";
import { nobleX25519, webCryptoX25519 } from "./hpke-x25519.js";
import { randomBytes } from "./random.js";
import { readVectors } from "./test-utils/fixtures.js";
import {
  isValidXWingPublicKey,
  xwingDecap,
  xwingDecapsulate,
  xwingEncap,
  xwingEncapsulate,
  xwingKeyPairFromSeed,
} from "./xwing.js";

interface Vector {
  seed: string;
  eseed: string;
  ss: string;
  sk: string;
  pk: string;
  ct: string;
}

const { vectors } = readVectors<{ vectors: Vector[] }>("xwing-draft-06.json");
const backends = [webCryptoX25519(), nobleX25519];

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

    for (const x25519 of backends) {
      it(`vector ${i}: xwingEncap / xwingDecap with X25519 on ${x25519.name}`, async () => {
        const derand = await xwingEncap(fromHex(v.pk), { eseed: fromHex(v.eseed), x25519 });
        expect(toHex(derand.enc)).toBe(v.ct);
        expect(toHex(derand.sharedSecret)).toBe(v.ss);
        expect(toHex(await xwingDecap(fromHex(v.ct), fromHex(v.sk), { x25519 }))).toBe(v.ss);
        // fresh randomness: the fast path and @noble/post-quantum's X-Wing agree
        const fresh = await xwingEncap(fromHex(v.pk), { x25519 });
        expect(fresh.enc).not.toEqual(derand.enc);
        expect(xwingDecapsulate(fresh.enc, fromHex(v.sk))).toEqual(fresh.sharedSecret);
      });
    }
  });

  it("leaves its inputs as they were (and can encapsulate to one key many times)", async () => {
    const v = vectors[1]!;
    const pk = fromHex(v.pk);
    for (let i = 0; i < 3; i++) {
      const sync = xwingEncapsulate(pk);
      const fast = await xwingEncap(pk);
      expect(xwingDecapsulate(sync.ciphertext, fromHex(v.sk))).toEqual(sync.sharedSecret);
      expect(await xwingDecap(fast.enc, fromHex(v.sk))).toEqual(fast.sharedSecret);
    }
    expect(toHex(pk)).toBe(v.pk);
  });

  it("a changed ciphertext decapsulates to another secret (implicit rejection)", async () => {
    const v = vectors[0]!;
    const ct = fromHex(v.ct);
    ct[5] = (ct[5] ?? 0) ^ 1;
    expect(toHex(xwingDecapsulate(ct, fromHex(v.sk)))).not.toBe(v.ss);
    expect(toHex(await xwingDecap(ct, fromHex(v.sk)))).not.toBe(v.ss);
    // the X25519 part changed: another secret too
    const ctX = fromHex(v.ct);
    ctX[1100] = (ctX[1100] ?? 0) ^ 1;
    expect(toHex(await xwingDecap(ctX, fromHex(v.sk)))).not.toBe(v.ss);
  });

  it("rejects wrong sizes with typed errors", async () => {
    expect(() => xwingKeyPairFromSeed(new Uint8Array(31))).toThrow(CryptoError);
    expect(() => xwingEncapsulate(new Uint8Array(1215))).toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_KEY" }),
    );
    expect(() => xwingDecapsulate(new Uint8Array(1119), new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: "CRYPTO_MALFORMED_CIPHERTEXT" }),
    );
    const pk = fromHex(vectors[0]!.pk);
    await expect(xwingEncap(pk.subarray(1))).rejects.toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_KEY" }),
    );
    await expect(xwingEncap(pk, { eseed: randomBytes(63) })).rejects.toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_INPUT" }),
    );
    await expect(xwingDecap(randomBytes(1119), randomBytes(32))).rejects.toThrow(
      expect.objectContaining({ code: "CRYPTO_MALFORMED_CIPHERTEXT" }),
    );
    await expect(xwingDecap(randomBytes(1120), randomBytes(31))).rejects.toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_KEY" }),
    );
  });

  it("refuses a public key whose ML-KEM part fails the modulus check", async () => {
    // coefficients of 0xfff > q = 3329 in the first bytes of the ML-KEM encapsulation key
    const pk = fromHex(vectors[0]!.pk);
    pk.fill(0xff, 0, 3);
    await expect(xwingEncap(pk)).rejects.toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_KEY" }),
    );
    expect(() => xwingEncapsulate(pk)).toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_KEY" }),
    );
    // q - 1 = 3328 = 0xd00 is the largest coefficient allowed
    const edge = fromHex(vectors[0]!.pk);
    edge.set([0x00, 0x0d, 0xd0], 0);
    await expect(xwingEncap(edge)).resolves.toBeDefined();
    edge.set([0x01, 0x0d, 0xd0], 0);
    await expect(xwingEncap(edge)).rejects.toThrow(CryptoError);
    expect(isValidXWingPublicKey(edge)).toBe(false);
    expect(isValidXWingPublicKey(fromHex(vectors[0]!.pk))).toBe(true);
    expect(isValidXWingPublicKey(fromHex(vectors[0]!.pk).subarray(1))).toBe(false);
  });
});
