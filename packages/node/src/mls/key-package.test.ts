import { ed25519PublicKey, generateEd25519PrivateKey } from "@x/crypto";
import { describe, expect, it } from "vitest";
import { fixtureIndex, fixtureKeyPackage, hex } from "../test-utils/fixtures.js";
import {
  buildKeyPackage,
  type KeyPackageFields,
  mlsCredential,
} from "../test-utils/key-package-builder.js";
import { InvalidKeyPackageError, parseKeyPackage, validateKeyPackage } from "./key-package.js";

const NOW = 1_795_316_400n; // 2026-11-22T03:00:00Z

describe("validateKeyPackage", () => {
  it("accepts real libxmtp 1.5.4 key packages and extracts installation key and inbox id", () => {
    const { alice, bob } = fixtureIndex().clients;
    for (const [file, who] of [
      ["003-UploadKeyPackage.bin", alice],
      ["008-UploadKeyPackage.bin", bob],
    ] as const) {
      const v = validateKeyPackage(fixtureKeyPackage(file), NOW);
      expect(hex(v.installationKey)).toBe(who.installationId);
      expect(v.inboxId).toBe(who.inboxId);
      expect(v.notAfter).toBe(1_802_570_842n);
    }
  });

  it("checks the lifetime against the given clock", () => {
    const kp = fixtureKeyPackage("003-UploadKeyPackage.bin");
    expect(() => validateKeyPackage(kp, 1_795_309_641n)).toThrow(/lifetime/);
    expect(() => validateKeyPackage(kp, 1_802_570_842n)).toThrow(/lifetime/);
    expect(validateKeyPackage(kp, 1_795_309_642n).inboxId).toHaveLength(64);
  });

  it("refuses a key package whose signatures do not verify", () => {
    const kp = fixtureKeyPackage("003-UploadKeyPackage.bin");
    const lastSig = kp.slice();
    lastSig[lastSig.length - 1]! ^= 1;
    expect(() => validateKeyPackage(lastSig, NOW)).toThrow(/key package signature/);
    const parsed = parseKeyPackage(kp);
    // Flip a byte of the init key: both the leaf (no) and the package (yes) signature cover it.
    const initKeyAt = 5;
    const tampered = kp.slice();
    tampered[initKeyAt]! ^= 1;
    expect(() => validateKeyPackage(tampered, NOW)).toThrow(InvalidKeyPackageError);
    expect(parsed.initKey.length).toBe(32);
  });

  it("refuses a key package with a forged credential (another inbox id)", () => {
    const kp = fixtureKeyPackage("003-UploadKeyPackage.bin");
    const { alice, bob } = fixtureIndex().clients;
    const text = Buffer.from(kp).toString("latin1");
    const at = text.indexOf(alice.inboxId);
    expect(at).toBeGreaterThan(0);
    const forged = kp.slice();
    forged.set(new TextEncoder().encode(bob.inboxId), at);
    expect(() => validateKeyPackage(forged, NOW)).toThrow(/signature does not verify/);
  });

  it("refuses truncated, padded and non-key-package bytes", () => {
    const kp = fixtureKeyPackage("008-UploadKeyPackage.bin");
    for (const bad of [
      kp.subarray(0, 100),
      kp.subarray(0, kp.length - 1),
      Uint8Array.of(...kp, 0),
      new Uint8Array(4),
    ]) {
      expect(() => validateKeyPackage(bad, NOW)).toThrow(InvalidKeyPackageError);
    }
  });

  describe("re-signed variants of a real key package", () => {
    const original = parseKeyPackage(fixtureKeyPackage("003-UploadKeyPackage.bin"));
    const key = generateEd25519PrivateKey();
    const build = (change: Partial<KeyPackageFields>) =>
      buildKeyPackage({ ...original, ...change }, key);

    it("accepts the unchanged fields signed by another installation key", () => {
      const v = validateKeyPackage(build({}), NOW);
      expect(v.installationKey).toEqual(ed25519PublicKey(key));
      expect(v.inboxId).toBe(fixtureIndex().clients.alice.inboxId);
    });

    it("refuses a credential that is not an MlsCredential with an inbox id", () => {
      const notProto = new TextEncoder().encode("0x1a642f0e3c3af545e7acbd38b07251b3990914f1");
      expect(() => validateKeyPackage(build({ credentialIdentity: notProto }), NOW)).toThrow(
        /credential/,
      );
      expect(() =>
        validateKeyPackage(build({ credentialIdentity: mlsCredential("alice") }), NOW),
      ).toThrow(/not an inbox id/);
      expect(() =>
        validateKeyPackage(build({ credentialIdentity: new Uint8Array() }), NOW),
      ).toThrow(/not an inbox id/);
    });

    it("refuses a non-basic credential, another ciphersuite, and unlisted extensions", () => {
      expect(() => validateKeyPackage(build({ credentialType: 2 }), NOW)).toThrow(
        /BasicCredential/,
      );
      expect(() => validateKeyPackage(build({ cipherSuite: 1 }), NOW)).toThrow(/ciphersuite/);
      const extra = [...original.extensions, { type: 0xabcd, data: new Uint8Array() }];
      expect(() => validateKeyPackage(build({ extensions: extra }), NOW)).toThrow(/0xabcd/);
      expect(() => validateKeyPackage(build({ initKey: original.encryptionKey }), NOW)).toThrow(
        /init key/,
      );
    });
  });
});
