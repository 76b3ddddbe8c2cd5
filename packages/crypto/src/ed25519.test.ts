import { describe, expect, it } from "vitest";
import { fromHex, utf8 } from "./bytes.js";
import {
  ed25519PublicKey,
  ed25519PublicKeyAsync,
  ed25519phSign,
  ed25519phVerify,
  ed25519Sign,
  ed25519Verify,
  generateEd25519PrivateKey,
  IDENTITY_UPDATE_SIGNATURE_CONTEXT,
  isValidEd25519PublicKey,
  PUBLIC_SIGNATURE_CONTEXT,
} from "./ed25519.js";
import { CryptoError } from "./errors.js";
import { fixtures } from "./test-utils/fixtures.js";

function flip(bytes: Uint8Array, at = 0): Uint8Array {
  const copy = bytes.slice();
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

describe("Ed25519 (RFC 8032 vectors)", () => {
  it("plain Ed25519 TEST 1", async () => {
    const secret = fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const pub = fromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    const sig = fromHex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    expect(ed25519PublicKey(secret)).toEqual(pub);
    expect(await ed25519PublicKeyAsync(secret)).toEqual(pub);
    expect(ed25519Sign(secret, new Uint8Array())).toEqual(sig);
    expect(ed25519Verify(pub, new Uint8Array(), sig)).toBe(true);
    expect(ed25519Verify(pub, Uint8Array.of(0), sig)).toBe(false);
  });

  it("Ed25519ph TEST abc", () => {
    const secret = fromHex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42");
    const pub = fromHex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf");
    const sig = fromHex(
      "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
    );
    expect(ed25519PublicKey(secret)).toEqual(pub);
    expect(ed25519phSign(secret, utf8("abc"), "")).toEqual(sig);
    expect(ed25519phVerify(pub, utf8("abc"), sig, "")).toBe(true);
  });
});

describe("ed25519PublicKeyAsync (WebCrypto)", () => {
  it("gives @noble/curves's public key for random seeds, and refuses a wrong length", async () => {
    for (let i = 0; i < 20; i++) {
      const seed = generateEd25519PrivateKey();
      expect(await ed25519PublicKeyAsync(seed)).toEqual(ed25519PublicKey(seed));
    }
    await expect(ed25519PublicKeyAsync(new Uint8Array(31))).rejects.toThrow(CryptoError);
  });
});

describe("installation-key signatures from libxmtp 1.5.4", () => {
  for (const name of ["alice", "bob"] as const) {
    const client = fixtures.clients[name];
    const installationKey = fromHex(client.installationId);

    it(`${name}: the identity-update signature is Ed25519ph with "IDENTITY UPDATE SIGNATURE"`, () => {
      const text = utf8(client.signatureText);
      const sig = fromHex(client.installationSignature);
      expect(ed25519phVerify(installationKey, text, sig, IDENTITY_UPDATE_SIGNATURE_CONTEXT)).toBe(
        true,
      );
      expect(ed25519phVerify(installationKey, text, sig, PUBLIC_SIGNATURE_CONTEXT)).toBe(false);
      expect(ed25519Verify(installationKey, text, sig)).toBe(false);
      expect(
        ed25519phVerify(installationKey, flip(text, 40), sig, IDENTITY_UPDATE_SIGNATURE_CONTEXT),
      ).toBe(false);
      expect(
        ed25519phVerify(installationKey, text, flip(sig, 5), IDENTITY_UPDATE_SIGNATURE_CONTEXT),
      ).toBe(false);
      expect(
        ed25519phVerify(flip(installationKey, 3), text, sig, IDENTITY_UPDATE_SIGNATURE_CONTEXT),
      ).toBe(false);
    });

    it(`${name}: signWithInstallationKey is Ed25519ph with "PUBLIC SIGNATURE CONTEXT"`, () => {
      const sample = client.installationKeySignatureSample;
      const text = utf8(sample.text);
      const sig = fromHex(sample.signature);
      expect(ed25519phVerify(installationKey, text, sig, PUBLIC_SIGNATURE_CONTEXT)).toBe(true);
      expect(ed25519phVerify(installationKey, text, sig, IDENTITY_UPDATE_SIGNATURE_CONTEXT)).toBe(
        false,
      );
      expect(ed25519Verify(installationKey, text, sig)).toBe(false);
    });
  }
});

describe("Ed25519 helpers", () => {
  it("round-trips with a context and refuses another context", () => {
    const secret = generateEd25519PrivateKey();
    const pub = ed25519PublicKey(secret);
    const msg = utf8("hello");
    const sig = ed25519phSign(secret, msg, IDENTITY_UPDATE_SIGNATURE_CONTEXT);
    expect(sig).toHaveLength(64);
    expect(ed25519phVerify(pub, msg, sig, IDENTITY_UPDATE_SIGNATURE_CONTEXT)).toBe(true);
    expect(ed25519phVerify(pub, msg, sig, "OTHER")).toBe(false);
  });

  it("returns false, not an exception, for malformed keys and signatures", () => {
    const pub = ed25519PublicKey(generateEd25519PrivateKey());
    expect(ed25519phVerify(pub.subarray(1), utf8("x"), new Uint8Array(64), "c")).toBe(false);
    expect(ed25519phVerify(pub, utf8("x"), new Uint8Array(63), "c")).toBe(false);
    expect(ed25519Verify(new Uint8Array(32).fill(0xff), utf8("x"), new Uint8Array(64))).toBe(false);
    expect(isValidEd25519PublicKey(pub)).toBe(true);
    expect(isValidEd25519PublicKey(new Uint8Array(31))).toBe(false);
  });

  it("rejects contexts longer than 255 bytes and bad keys with typed errors", () => {
    const secret = generateEd25519PrivateKey();
    expect(() => ed25519phSign(secret, utf8("x"), "c".repeat(256))).toThrow(CryptoError);
    expect(() => ed25519PublicKey(new Uint8Array(31))).toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_INPUT" }),
    );
  });
});
