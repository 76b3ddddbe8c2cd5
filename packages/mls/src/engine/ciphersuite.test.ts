import { randomBytes } from "@x/crypto";
import { getCiphersuiteFromName, getCiphersuiteImpl } from "ts-mls";
import { describe, expect, it } from "vitest";
import { xmtpCiphersuite } from "./ciphersuite.js";
import { CIPHERSUITE_NAME } from "./constants.js";

// Our ciphersuite replaces ts-mls's KDF, hash and signature parts for speed: every output must be
// the one ts-mls's own (WebCrypto) parts give.
describe("xmtpCiphersuite", async () => {
  const ours = await xmtpCiphersuite();
  const base = await getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE_NAME));

  it("is built once", async () => {
    expect(await xmtpCiphersuite()).toBe(ours);
  });

  it("HKDF extract and expand match, including an empty salt", async () => {
    for (const salt of [new Uint8Array(), randomBytes(32)]) {
      const ikm = randomBytes(32);
      const prk = await ours.kdf.extract(salt, ikm);
      expect(prk).toEqual(await base.kdf.extract(salt, ikm));
      for (const len of [12, 32, 64, 100]) {
        const info = randomBytes(20);
        expect(await ours.kdf.expand(prk, info, len)).toEqual(
          await base.kdf.expand(prk, info, len),
        );
      }
    }
    expect(ours.kdf.size).toBe(base.kdf.size);
  });

  it("digests match below and above the native threshold", async () => {
    for (const n of [0, 1, 64, 8191, 8192, 60_000]) {
      const data = randomBytes(n);
      expect(await ours.hash.digest(data)).toEqual(await base.hash.digest(data));
    }
  });

  it("MACs match and verifyMac rejects a changed tag or length", async () => {
    const key = randomBytes(32);
    const data = randomBytes(50);
    const mac = await ours.hash.mac(key, data);
    expect(mac).toEqual(await base.hash.mac(key, data));
    expect(await ours.hash.verifyMac(key, mac, data)).toBe(true);
    const bad = mac.slice();
    bad[31] = (bad[31] ?? 0) ^ 1;
    expect(await ours.hash.verifyMac(key, bad, data)).toBe(false);
    expect(await ours.hash.verifyMac(key, mac.slice(0, 31), data)).toBe(false);
  });

  it("signs exactly as ts-mls (Ed25519 is deterministic) with the key imported once", async () => {
    const { signKey, publicKey } = await base.signature.keygen();
    for (let i = 0; i < 3; i++) {
      const message = randomBytes(40);
      const sig = await ours.signature.sign(signKey, message);
      expect(sig).toEqual(await base.signature.sign(signKey, message));
      expect(await ours.signature.verify(publicKey, message, sig)).toBe(true);
      const forged = sig.slice();
      forged[0] = (forged[0] ?? 0) ^ 1;
      expect(await ours.signature.verify(publicKey, message, forged)).toBe(false);
    }
    const other = await base.signature.keygen();
    const m = randomBytes(10);
    // Two keys kept side by side do not mix.
    expect(
      await ours.signature.verify(other.publicKey, m, await ours.signature.sign(signKey, m)),
    ).toBe(false);
  });

  it("a malformed public key fails as in ts-mls, and is not kept", async () => {
    const bad = randomBytes(31);
    await expect(ours.signature.verify(bad, randomBytes(5), randomBytes(64))).rejects.toThrow();
    await expect(ours.signature.verify(bad, randomBytes(5), randomBytes(64))).rejects.toThrow();
  });
});
