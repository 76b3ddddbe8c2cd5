import { randomBytes } from "@x/crypto";
import { getCiphersuiteFromName, getCiphersuiteImpl } from "ts-mls";
import { describe, expect, it } from "vitest";
import { CIPHERSUITE_NAME } from "./constants.js";
import { x25519Hpke } from "./hpke.js";

// ts-mls's own HPKE (@hpke/core) and ours must agree byte for byte: keys derive to the same
// bytes, and what one seals or exports, the other opens or imports.
describe("x25519Hpke", async () => {
  const base = (await getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE_NAME))).hpke;
  const ours = x25519Hpke(base);

  it("derives the same key pairs as ts-mls", async () => {
    for (let i = 0; i < 3; i++) {
      const ikm = randomBytes(32);
      const a = await ours.deriveKeyPair(ikm);
      const b = await base.deriveKeyPair(ikm);
      expect(await ours.exportPublicKey(a.publicKey)).toEqual(
        await base.exportPublicKey(b.publicKey),
      );
      expect(await ours.exportPrivateKey(a.privateKey)).toEqual(
        await base.exportPrivateKey(b.privateKey),
      );
      // A second derivation (kept from the first) gives the same keys, as fresh objects.
      const again = await ours.deriveKeyPair(ikm);
      expect(again.publicKey).not.toBe(a.publicKey);
      expect(await ours.exportPublicKey(again.publicKey)).toEqual(
        await ours.exportPublicKey(a.publicKey),
      );
      expect(await ours.exportPrivateKey(again.privateKey)).toEqual(
        await ours.exportPrivateKey(a.privateKey),
      );
    }
  });

  it("seals and opens across implementations, with small and large infos", async () => {
    for (const infoLength of [0, 30, 20_000]) {
      const theirs = await base.generateKeyPair();
      const sk = await ours.importPrivateKey(await base.exportPrivateKey(theirs.privateKey));
      const pk = await ours.importPublicKey(await base.exportPublicKey(theirs.publicKey));
      const info = randomBytes(infoLength);
      const pt = randomBytes(100);
      const mine = await ours.seal(pk, pt, info);
      expect(await base.open(theirs.privateKey, mine.enc, mine.ct, info)).toEqual(pt);
      const their = await base.seal(theirs.publicKey, pt, info);
      expect(await ours.open(sk, their.enc, their.ct, info)).toEqual(pt);
      const ctx = randomBytes(8);
      const exported = await ours.exportSecret(pk, ctx, 32, info);
      expect(await base.importSecret(theirs.privateKey, ctx, exported.enc, 32, info)).toEqual(
        exported.secret,
      );
      const theirExport = await base.exportSecret(theirs.publicKey, ctx, 32, info);
      expect(await ours.importSecret(sk, ctx, theirExport.enc, 32, info)).toEqual(
        theirExport.secret,
      );
    }
  });

  it("generates usable pairs and refuses keys it did not make", async () => {
    const kp = await ours.generateKeyPair();
    const pt = randomBytes(5);
    const s = await ours.seal(kp.publicKey, pt, new Uint8Array());
    expect(await ours.open(kp.privateKey, s.enc, s.ct, new Uint8Array())).toEqual(pt);
    const foreign = (await base.generateKeyPair()).publicKey;
    await expect(ours.seal(foreign, pt, new Uint8Array())).rejects.toThrow(/X25519 public key/);
    await expect(ours.exportPublicKey(kp.privateKey as never)).rejects.toThrow();
    await expect(ours.importPublicKey(randomBytes(31))).rejects.toThrow(/32 bytes/);
    const tampered = s.ct.slice();
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    await expect(ours.open(kp.privateKey, s.enc, tampered, new Uint8Array())).rejects.toThrow();
  });
});

describe("x25519Hpke AEAD", async () => {
  const base = (await getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE_NAME))).hpke;
  const ours = x25519Hpke(base);

  it("encrypts and decrypts exactly as ts-mls's AEAD, and refuses changed bytes", async () => {
    for (const size of [0, 100, 60_000]) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const aad = size === 0 ? undefined : randomBytes(9);
      const pt = randomBytes(size);
      const ct = await ours.encryptAead(key, nonce, aad, pt);
      expect(ct).toEqual(await base.encryptAead(key, nonce, aad, pt));
      expect(await ours.decryptAead(key, nonce, aad, ct)).toEqual(pt);
      const bad = ct.slice();
      bad[0] = (bad[0] ?? 0) ^ 1;
      await expect(ours.decryptAead(key, nonce, aad, bad)).rejects.toThrow();
    }
  });
});
