import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";
import { x25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { bytesEqual, fromHex, toHex, utf8 } from "./bytes.js";
import { CryptoError } from "./errors.js";
import {
  deriveHpkeKeyPair,
  generateHpkeKeyPair,
  unwrapWelcome,
  WELCOME_HPKE_LABEL,
  WrapperAlgorithm,
  wrapWelcome,
} from "./hpke.js";
import {
  decap,
  defaultX25519,
  deriveX25519KeyPair,
  deriveX25519PrivateKey,
  encap,
  generateX25519KeyPair,
  HPKE_X25519_SUITE_ID,
  keyScheduleBase,
  nobleX25519,
  selectX25519,
  setupBaseRecipient,
  setupBaseSender,
  webCryptoX25519,
  type X25519Backend,
} from "./hpke-x25519.js";
import { randomBytes } from "./random.js";
import { decodeHpkeCiphertext, encodeHpkeCiphertext, encryptContextInfo } from "./tls-codec.js";

/**
 * RFC 9180 Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base mode
 * (mode 0, kem_id 32, kdf_id 1, aead_id 3 in the CFRG test-vectors.json that hpke-js also carries).
 */
const A_2_1 = {
  info: "4f6465206f6e2061204772656369616e2055726e",
  ikmE: "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b",
  skEm: "f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600",
  pkEm: "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
  ikmR: "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df",
  skRm: "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
  pkRm: "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
  sharedSecret: "0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7",
  key: "ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91",
  baseNonce: "5c4d98150661b848853b547f",
  exporterSecret: "a3b010d4994890e2c6968a36f64470d3c824c8f5029942feb11e7a74b2921922",
  pt: "4265617574792069732074727574682c20747275746820626561757479",
  /** sequence number → ciphertext; the AAD is "Count-<seq>" */
  encryptions: {
    0: "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
    1: "6b53c051e4199c518de79594e1c4ab18b96f081549d45ce015be002090bb119e85285337cc95ba5f59992dc98c",
    255: "18ab939d63ddec9f6ac2b60d61d36a7375d2070c9b683861110757062c52b8880a5f6b3936da9cd6c23ef2a95c",
    256: "7a4a13e9ef23978e2c520fd4d2e757514ae160cd0cd05e556ef692370ca53076214c0c40d4c728d6ed9e727a5b",
  } as Record<number, string>,
  /** exporter_context → exported_value (L = 32) */
  exports: [
    ["", "4bbd6243b8bb54cec311fac9df81841b6fd61f56538a775e7c80a9f40160606e"],
    ["00", "8c1df14732580e5501b00f82b10a1647b40713191b7c1240ac80e2b68808ba69"],
    ["54657374436f6e74657874", "5acb09211139c43b3090489a9da433e8a30ee7188ba8b0a9a1ccf0c229283e53"],
  ],
};

const hpke = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
});
const bytes = (b: ArrayBuffer) => new Uint8Array(b);
const backends: X25519Backend[] = [webCryptoX25519(), nobleX25519];

/** Asserts that `promise` rejects with a CryptoError (never a plain Error) with `code`. */
async function rejectsWith(promise: Promise<unknown>, code: CryptoError["code"]): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
}

describe("RFC 9180 A.2.1 vector", () => {
  it("uses suite_id HPKE ‖ 0x0020 ‖ 0x0001 ‖ 0x0003", () => {
    expect(toHex(HPKE_X25519_SUITE_ID)).toBe(`${toHex(utf8("HPKE"))}002000010003`);
  });

  it("DeriveKeyPair gives skEm and skRm (unclamped) from ikmE and ikmR", () => {
    expect(toHex(deriveX25519PrivateKey(fromHex(A_2_1.ikmE)))).toBe(A_2_1.skEm);
    expect(toHex(deriveX25519PrivateKey(fromHex(A_2_1.ikmR)))).toBe(A_2_1.skRm);
  });

  it("the key schedule gives key, base_nonce and exporter_secret", () => {
    const schedule = keyScheduleBase(fromHex(A_2_1.sharedSecret), fromHex(A_2_1.info));
    expect(toHex(schedule.key)).toBe(A_2_1.key);
    expect(toHex(schedule.baseNonce)).toBe(A_2_1.baseNonce);
    expect(toHex(schedule.exporterSecret)).toBe(A_2_1.exporterSecret);
  });

  for (const backend of backends) {
    describe(`X25519 on ${backend.name}`, () => {
      it("derives pkRm from ikmR", async () => {
        const pair = await deriveX25519KeyPair(fromHex(A_2_1.ikmR), backend);
        expect(toHex(pair.privateKey)).toBe(A_2_1.skRm);
        expect(toHex(pair.publicKey)).toBe(A_2_1.pkRm);
      });

      it("Encap with skEm gives enc = pkEm and the shared_secret; Decap gives it back", async () => {
        const { sharedSecret, enc } = await encap(fromHex(A_2_1.pkRm), {
          ephemeralPrivateKey: fromHex(A_2_1.skEm),
          x25519: backend,
        });
        expect(toHex(enc)).toBe(A_2_1.pkEm);
        expect(toHex(sharedSecret)).toBe(A_2_1.sharedSecret);
        const decapped = await decap(fromHex(A_2_1.pkEm), fromHex(A_2_1.skRm), { x25519: backend });
        expect(toHex(decapped)).toBe(A_2_1.sharedSecret);
      });

      it("seals sequence numbers 0, 1, 255 and 256 to the published ciphertexts and opens them", async () => {
        const pt = fromHex(A_2_1.pt);
        const sender = await setupBaseSender(fromHex(A_2_1.pkRm), fromHex(A_2_1.info), {
          ephemeralPrivateKey: fromHex(A_2_1.skEm),
          x25519: backend,
        });
        const recipient = await setupBaseRecipient(
          fromHex(A_2_1.pkEm),
          fromHex(A_2_1.skRm),
          fromHex(A_2_1.info),
          { x25519: backend },
        );
        for (let seq = 0; seq <= 256; seq++) {
          const aad = utf8(`Count-${seq}`);
          expect(sender.sequenceNumber).toBe(seq);
          const ct = await sender.seal(pt, aad);
          const published = A_2_1.encryptions[seq];
          if (published !== undefined) expect(toHex(ct)).toBe(published);
          expect(toHex(await recipient.open(ct, aad))).toBe(A_2_1.pt);
        }
        expect(recipient.sequenceNumber).toBe(257);
        for (const [context, value] of A_2_1.exports) {
          expect(toHex(sender.export(fromHex(context ?? ""), 32))).toBe(value);
          expect(toHex(recipient.export(fromHex(context ?? ""), 32))).toBe(value);
        }
      });
    });
  }
});

describe("X25519 backends", () => {
  it("WebCrypto's X25519 is chosen when present, @noble/curves otherwise", async () => {
    expect((await defaultX25519()).name).toBe("webcrypto");
    expect((await selectX25519(globalThis.crypto.subtle)).name).toBe("webcrypto");
    expect((await selectX25519(undefined)).name).toBe("noble");
    // a WebCrypto without X25519 (older browsers) refuses the algorithm name
    const withoutX25519 = {
      importKey: () => Promise.reject(new DOMException("Unrecognized name.", "NotSupportedError")),
    } as unknown as typeof globalThis.crypto.subtle;
    expect((await selectX25519(withoutX25519)).name).toBe("noble");
  });

  it("both backends agree on public keys and DH for random keys", async () => {
    const [web, noble] = backends as [X25519Backend, X25519Backend];
    for (let i = 0; i < 4; i++) {
      const sk = randomBytes(32);
      const peer = x25519.getPublicKey(randomBytes(32));
      expect(await web.publicKey(sk)).toEqual(await noble.publicKey(sk));
      expect(await web.dh(sk, peer)).toEqual(await noble.dh(sk, peer));
    }
  });

  for (const backend of backends) {
    it(`${backend.name}: generated and ephemeral keys are consistent key pairs`, async () => {
      const pair = await generateX25519KeyPair(backend);
      expect(pair.privateKey).toHaveLength(32);
      expect(pair.publicKey).toEqual(x25519.getPublicKey(pair.privateKey));
      const ephemeral = await backend.ephemeralDh(pair.publicKey);
      expect(ephemeral.dh).toEqual(x25519.getSharedSecret(pair.privateKey, ephemeral.publicKey));
      const again = await backend.ephemeralDh(pair.publicKey);
      expect(again.publicKey).not.toEqual(ephemeral.publicKey);
    });
  }
});

describe("cross-checks with @hpke/core on random inputs", () => {
  const sizes = [0, 1, 15, 16, 17, 64, 1000, 60_000];
  // Large infos (MLS welcomes put a whole encrypted GroupInfo there) take the native HMAC path.
  const infoSize = (size: number) => (size >= 1000 ? Math.max(8192, size / 2) : 1 + (size % 40));

  it("what we seal, @hpke/core opens (and exports the same secrets)", async () => {
    const recipientKeys = await hpke.kem.generateKeyPair();
    const pkR = bytes(await hpke.kem.serializePublicKey(recipientKeys.publicKey));
    for (const size of sizes) {
      const info = randomBytes(infoSize(size));
      const sender = await setupBaseSender(pkR, info);
      const theirs = await hpke.createRecipientContext({
        recipientKey: recipientKeys.privateKey,
        enc: sender.enc,
        info,
      });
      for (let n = 0; n < 3; n++) {
        const pt = randomBytes(size);
        const aad = randomBytes(1 + n * 7);
        expect(bytes(await theirs.open(await sender.seal(pt, aad), aad))).toEqual(pt);
      }
      const exporterContext = randomBytes(5);
      expect(bytes(await theirs.export(exporterContext, 42))).toEqual(
        sender.export(exporterContext, 42),
      );
    }
  });

  it("an info repeated, or changed in one byte, gives @hpke/core's contexts (kept info hash)", async () => {
    const recipientKeys = await hpke.kem.generateKeyPair();
    const pkR = bytes(await hpke.kem.serializePublicKey(recipientKeys.publicKey));
    for (const length of [100, 5000, 20_000]) {
      const info = randomBytes(length);
      const changed = info.slice();
      changed[length - 1] = (changed[length - 1] ?? 0) ^ 1;
      for (const i of [info, info, changed, info]) {
        const sender = await setupBaseSender(pkR, i);
        const theirs = await hpke.createRecipientContext({
          recipientKey: recipientKeys.privateKey,
          enc: sender.enc,
          info: i,
        });
        const pt = randomBytes(20);
        expect(bytes(await theirs.open(await sender.seal(pt)))).toEqual(pt);
      }
    }
  });

  it("what @hpke/core seals, we open", async () => {
    const { publicKey, privateKey } = await generateX25519KeyPair();
    const recipientPublicKey = await hpke.kem.deserializePublicKey(publicKey);
    for (const size of sizes) {
      const info = randomBytes(infoSize(size));
      const theirs = await hpke.createSenderContext({ recipientPublicKey, info });
      const ours = await setupBaseRecipient(bytes(theirs.enc), privateKey, info);
      for (let n = 0; n < 3; n++) {
        const pt = randomBytes(size);
        const aad = randomBytes(1 + n * 7);
        expect(await ours.open(bytes(await theirs.seal(pt, aad)), aad)).toEqual(pt);
      }
      const exporterContext = randomBytes(5);
      expect(ours.export(exporterContext, 42)).toEqual(
        bytes(await theirs.export(exporterContext, 42)),
      );
    }
  });

  it("concurrent seals take sequence numbers in call order", async () => {
    const recipientKeys = await hpke.kem.generateKeyPair();
    const pkR = bytes(await hpke.kem.serializePublicKey(recipientKeys.publicKey));
    const info = randomBytes(8);
    const sender = await setupBaseSender(pkR, info);
    const pts = [randomBytes(60_000), randomBytes(10), randomBytes(3000)];
    const cts = await Promise.all(pts.map((pt) => sender.seal(pt)));
    const theirs = await hpke.createRecipientContext({
      recipientKey: recipientKeys.privateKey,
      enc: sender.enc,
      info,
    });
    for (const [i, ct] of cts.entries()) {
      expect(bytes(await theirs.open(ct, new Uint8Array()))).toEqual(pts[i]);
    }
  });
});

describe("welcome wrapping runs on this code for Curve25519, byte for byte as before", () => {
  it("with a fixed ephemeral key, wrapWelcome gives exactly @hpke/core's bytes", async () => {
    const recipient = await generateHpkeKeyPair(WrapperAlgorithm.Curve25519);
    const ekm = randomBytes(32);
    const payload = randomBytes(55_000);
    const secondaryPayload = Uint8Array.of(0x08, 0x2a);
    const ours = await wrapWelcome(
      { payload, secondaryPayload, publicKey: recipient.publicKey, algorithm: 1 },
      ekm,
    );
    const sender = await hpke.createSenderContext({
      recipientPublicKey: await hpke.kem.deserializePublicKey(recipient.publicKey),
      info: encryptContextInfo(WELCOME_HPKE_LABEL),
      ekm,
    });
    const first = bytes(await sender.seal(payload, new Uint8Array()));
    const second = bytes(await sender.seal(secondaryPayload, new Uint8Array()));
    // bytesEqual, not toEqual: a failing diff of two 55 KB arrays takes minutes
    expect(bytesEqual(ours.wrapped, encodeHpkeCiphertext(bytes(sender.enc), first))).toBe(true);
    expect(ours.wrappedSecondary).toEqual(second);
  });

  it("unwrapWelcome opens what @hpke/core wrapped, and @hpke/core opens what wrapWelcome wrapped", async () => {
    const pair = await hpke.kem.generateKeyPair();
    const publicKey = bytes(await hpke.kem.serializePublicKey(pair.publicKey));
    const privateKey = bytes(await hpke.kem.serializePrivateKey(pair.privateKey));
    const info = encryptContextInfo(WELCOME_HPKE_LABEL);
    const payload = randomBytes(5000);
    const secondaryPayload = randomBytes(3);

    const sender = await hpke.createSenderContext({ recipientPublicKey: pair.publicKey, info });
    const wrapped = encodeHpkeCiphertext(
      bytes(sender.enc),
      bytes(await sender.seal(payload, new Uint8Array())),
    );
    const wrappedSecondary = bytes(await sender.seal(secondaryPayload, new Uint8Array()));
    expect(await unwrapWelcome({ wrapped, wrappedSecondary, privateKey, algorithm: 1 })).toEqual({
      payload,
      secondaryPayload,
    });

    const ours = await wrapWelcome({ payload, secondaryPayload, publicKey, algorithm: 1 });
    const { kemOutput, ciphertext } = decodeHpkeCiphertext(ours.wrapped);
    const recipient = await hpke.createRecipientContext({
      recipientKey: pair.privateKey,
      enc: kemOutput,
      info,
    });
    expect(bytes(await recipient.open(ciphertext, new Uint8Array()))).toEqual(payload);
    expect(bytes(await recipient.open(ours.wrappedSecondary, new Uint8Array()))).toEqual(
      secondaryPayload,
    );
  });

  it("deriveHpkeKeyPair and generateHpkeKeyPair keep @hpke/core's key format", async () => {
    // @hpke/core seals to our generated public key and opens with our generated private key
    const pair = await generateHpkeKeyPair(WrapperAlgorithm.Curve25519);
    const info = randomBytes(10);
    const sender = await hpke.createSenderContext({
      recipientPublicKey: await hpke.kem.deserializePublicKey(pair.publicKey),
      info,
    });
    const recipient = await hpke.createRecipientContext({
      recipientKey: await hpke.kem.deserializePrivateKey(pair.privateKey),
      enc: sender.enc,
      info,
    });
    const pt = randomBytes(33);
    expect(bytes(await recipient.open(await sender.seal(pt), new Uint8Array()))).toEqual(pt);

    const ikm = randomBytes(32);
    const theirs = await hpke.kem.deriveKeyPair(ikm);
    const ours = await deriveHpkeKeyPair(WrapperAlgorithm.Curve25519, ikm);
    expect(ours.privateKey).toEqual(bytes(await hpke.kem.serializePrivateKey(theirs.privateKey)));
    expect(ours.publicKey).toEqual(bytes(await hpke.kem.serializePublicKey(theirs.publicKey)));
  });
});

describe("bad input gets a CryptoError", () => {
  const info = utf8("info");

  it("wrong-length keys: CRYPTO_INVALID_KEY for our keys, CRYPTO_DECRYPTION_FAILED for enc", async () => {
    const pair = await generateX25519KeyPair();
    for (const length of [0, 31, 33]) {
      await rejectsWith(setupBaseSender(randomBytes(length), info), "CRYPTO_INVALID_KEY");
      await rejectsWith(
        setupBaseRecipient(randomBytes(32), randomBytes(length), info),
        "CRYPTO_INVALID_KEY",
      );
      await rejectsWith(
        setupBaseRecipient(randomBytes(length), pair.privateKey, info),
        "CRYPTO_DECRYPTION_FAILED",
      );
      await rejectsWith(
        wrapWelcome({ payload: randomBytes(4), publicKey: randomBytes(length), algorithm: 1 }),
        "CRYPTO_INVALID_KEY",
      );
      const { wrapped } = await wrapWelcome({
        payload: randomBytes(4),
        publicKey: pair.publicKey,
        algorithm: 1,
      });
      await rejectsWith(
        unwrapWelcome({ wrapped, privateKey: randomBytes(length), algorithm: 1 }),
        "CRYPTO_INVALID_KEY",
      );
      // a KEM output of the wrong length inside a well-formed HpkeCiphertext
      const { ciphertext } = decodeHpkeCiphertext(wrapped);
      const odd = encodeHpkeCiphertext(randomBytes(length), ciphertext);
      await rejectsWith(
        unwrapWelcome({ wrapped: odd, privateKey: pair.privateKey, algorithm: 1 }),
        "CRYPTO_DECRYPTION_FAILED",
      );
    }
  });

  it("small-order public keys (all-zero DH output) are refused", async () => {
    const pair = await generateX25519KeyPair();
    const smallOrder = [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31))];
    for (const backend of backends) {
      for (const point of smallOrder) {
        await rejectsWith(setupBaseSender(point, info, { x25519: backend }), "CRYPTO_INVALID_KEY");
        await rejectsWith(
          setupBaseRecipient(point, pair.privateKey, info, { x25519: backend }),
          "CRYPTO_DECRYPTION_FAILED",
        );
      }
    }
    const { wrapped } = await wrapWelcome({
      payload: randomBytes(4),
      publicKey: pair.publicKey,
      algorithm: 1,
    });
    const zeroKem = encodeHpkeCiphertext(
      new Uint8Array(32),
      decodeHpkeCiphertext(wrapped).ciphertext,
    );
    await rejectsWith(
      unwrapWelcome({ wrapped: zeroKem, privateKey: pair.privateKey, algorithm: 1 }),
      "CRYPTO_DECRYPTION_FAILED",
    );
    await rejectsWith(
      wrapWelcome({ payload: randomBytes(4), publicKey: new Uint8Array(32), algorithm: 1 }),
      "CRYPTO_INVALID_KEY",
    );
  });

  it("an all-zero DH output is refused even when the backend returns it (RFC 9180 §7.1.4)", async () => {
    const zero = { publicKey: randomBytes(32), dh: new Uint8Array(32) };
    const lenient: X25519Backend = {
      name: "noble",
      ephemeralDh: async () => zero,
      dh: async () => zero,
      publicKey: async () => zero.publicKey,
      generateKeyPair: async () => ({ publicKey: zero.publicKey, privateKey: randomBytes(32) }),
    };
    await rejectsWith(encap(randomBytes(32), { x25519: lenient }), "CRYPTO_INVALID_KEY");
    await rejectsWith(
      decap(randomBytes(32), randomBytes(32), { x25519: lenient }),
      "CRYPTO_DECRYPTION_FAILED",
    );
  });

  it("a wrong private key or info fails to open, and the context stays usable", async () => {
    const pair = await generateX25519KeyPair();
    const other = await generateX25519KeyPair();
    const sender = await setupBaseSender(pair.publicKey, info);
    const ct = await sender.seal(utf8("hello"));
    const wrongKey = await setupBaseRecipient(sender.enc, other.privateKey, info);
    await rejectsWith(wrongKey.open(ct), "CRYPTO_DECRYPTION_FAILED");
    const wrongInfo = await setupBaseRecipient(sender.enc, pair.privateKey, utf8("other"));
    await rejectsWith(wrongInfo.open(ct), "CRYPTO_DECRYPTION_FAILED");
    const right = await setupBaseRecipient(sender.enc, pair.privateKey, info);
    await rejectsWith(right.open(ct, utf8("aad")), "CRYPTO_DECRYPTION_FAILED");
    expect(right.sequenceNumber).toBe(0);
    expect(await right.open(ct)).toEqual(utf8("hello"));
    expect(right.sequenceNumber).toBe(1);
  });

  it("a changed byte anywhere, a short or reordered ciphertext fails to open", async () => {
    const pair = await generateX25519KeyPair();
    const sender = await setupBaseSender(pair.publicKey, info);
    const first = await sender.seal(randomBytes(40));
    const second = await sender.seal(randomBytes(40));
    for (const at of [0, 20, 39, 40, 55]) {
      const changed = first.slice();
      changed[at] = (changed[at] ?? 0) ^ 0x80;
      const recipient = await setupBaseRecipient(sender.enc, pair.privateKey, info);
      await rejectsWith(recipient.open(changed), "CRYPTO_DECRYPTION_FAILED");
    }
    const recipient = await setupBaseRecipient(sender.enc, pair.privateKey, info);
    await rejectsWith(recipient.open(first.subarray(0, 15)), "CRYPTO_DECRYPTION_FAILED");
    await rejectsWith(recipient.open(second), "CRYPTO_DECRYPTION_FAILED");
    expect(await recipient.open(first)).toHaveLength(40);
    expect(await recipient.open(second)).toHaveLength(40);
  });

  it("a changed KEM output or ciphertext in a wrapped welcome fails with CRYPTO_DECRYPTION_FAILED", async () => {
    const pair = await generateHpkeKeyPair(WrapperAlgorithm.Curve25519);
    const { wrapped, wrappedSecondary } = await wrapWelcome({
      payload: randomBytes(300),
      secondaryPayload: randomBytes(2),
      publicKey: pair.publicKey,
      algorithm: 1,
    });
    // byte 0 is the KEM output's length prefix; 1..32 the KEM output; then the ciphertext
    for (const at of [1, 16, 32, 40, wrapped.length - 1]) {
      const changed = wrapped.slice();
      changed[at] = (changed[at] ?? 0) ^ 0x01;
      await rejectsWith(
        unwrapWelcome({
          wrapped: changed,
          wrappedSecondary,
          privateKey: pair.privateKey,
          algorithm: 1,
        }),
        "CRYPTO_DECRYPTION_FAILED",
      );
    }
    const other = await generateHpkeKeyPair(WrapperAlgorithm.Curve25519);
    await rejectsWith(
      unwrapWelcome({ wrapped, wrappedSecondary, privateKey: other.privateKey, algorithm: 1 }),
      "CRYPTO_DECRYPTION_FAILED",
    );
  });

  it("non-bytes and bad export lengths are CRYPTO_INVALID_INPUT", async () => {
    const pair = await generateX25519KeyPair();
    const sender = await setupBaseSender(pair.publicKey, info);
    await rejectsWith(
      setupBaseSender("key" as unknown as Uint8Array, info),
      "CRYPTO_INVALID_INPUT",
    );
    await rejectsWith(
      setupBaseSender(pair.publicKey, [1, 2] as unknown as Uint8Array),
      "CRYPTO_INVALID_INPUT",
    );
    await rejectsWith(sender.seal("text" as unknown as Uint8Array), "CRYPTO_INVALID_INPUT");
    for (const length of [0, -1, 1.5, 255 * 32 + 1]) {
      expect(() => sender.export(new Uint8Array(), length)).toThrow(CryptoError);
    }
    expect(sender.export(new Uint8Array(), 255 * 32)).toHaveLength(255 * 32);
    // none of these calls advanced the sender
    expect(sender.sequenceNumber).toBe(0);
  });
});
