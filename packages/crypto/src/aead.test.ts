import { describe, expect, it } from "vitest";
import {
  AeadType,
  aes256GcmDecrypt,
  aes256GcmEncrypt,
  decryptSymmetric,
  encryptSymmetric,
} from "./aead.js";
import { fromHex, toHex, utf8 } from "./bytes.js";
import { randomBytes } from "./random.js";

describe("ChaCha20-Poly1305", () => {
  it("matches RFC 8439 §2.8.2", () => {
    const key = fromHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    const nonce = fromHex("070000004041424344454647");
    const aad = fromHex("50515253c0c1c2c3c4c5c6c7");
    const data = utf8(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const sealed = encryptSymmetric({ aeadType: AeadType.ChaCha20Poly1305, key, nonce, aad, data });
    expect(toHex(sealed)).toBe(
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b61161ae10b594f09e26a7e902ecbd0600691",
    );
    expect(decryptSymmetric({ aeadType: 3, key, nonce, aad, data: sealed })).toEqual(data);
  });

  it("round-trips a welcome-pointer payload with empty AAD and refuses the wrong key or nonce", () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const data = randomBytes(1000);
    const sealed = encryptSymmetric({ aeadType: 3, key, nonce, data });
    expect(sealed).toHaveLength(1016);
    expect(decryptSymmetric({ aeadType: 3, key, nonce, data: sealed })).toEqual(data);
    expect(() =>
      decryptSymmetric({ aeadType: 3, key: randomBytes(32), nonce, data: sealed }),
    ).toThrow(expect.objectContaining({ code: "CRYPTO_DECRYPTION_FAILED" }));
    expect(() =>
      decryptSymmetric({ aeadType: 3, key, nonce: randomBytes(12), data: sealed }),
    ).toThrow(expect.objectContaining({ code: "CRYPTO_DECRYPTION_FAILED" }));
    expect(() =>
      decryptSymmetric({ aeadType: 3, key, nonce, data: sealed.subarray(0, 10) }),
    ).toThrow(expect.objectContaining({ code: "CRYPTO_MALFORMED_CIPHERTEXT" }));
  });

  it("refuses other AEAD types and wrong key sizes", () => {
    const input = { key: randomBytes(32), nonce: randomBytes(12), data: randomBytes(4) };
    expect(() => encryptSymmetric({ ...input, aeadType: 1 as AeadType })).toThrow(
      expect.objectContaining({ code: "CRYPTO_UNSUPPORTED_ALGORITHM" }),
    );
    expect(() => encryptSymmetric({ ...input, aeadType: 3, key: randomBytes(16) })).toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_INPUT" }),
    );
  });
});

describe("AES-256-GCM", () => {
  // NIST GCM test vectors (gcmEncryptExtIV256.rsp, 96-bit IV, no AAD, 128-bit tag).
  it("matches the NIST vectors", () => {
    const empty = aes256GcmEncrypt(
      fromHex("b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4"),
      fromHex("516c33929df5a3284ff463d7"),
      new Uint8Array(),
    );
    expect(toHex(empty)).toBe("bdc1ac884d332457a1d2664f168c76f0");
    const key = fromHex("31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22");
    const nonce = fromHex("0d18e06c7c725ac9e362e1ce");
    const pt = fromHex("2db5168e932556f8089a0622981d017d");
    const sealed = aes256GcmEncrypt(key, nonce, pt);
    expect(toHex(sealed)).toBe("fa4362189661d163fcd6a56d8bf0405ad636ac1bbedd5cc3ee727dc2ab4a9489");
    expect(aes256GcmDecrypt(key, nonce, sealed)).toEqual(pt);
  });

  it("refuses a wrong key, nonce or changed byte, short input and wrong sizes", () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const data = randomBytes(300);
    const sealed = aes256GcmEncrypt(key, nonce, data);
    expect(sealed).toHaveLength(316);
    const failed = expect.objectContaining({ code: "CRYPTO_DECRYPTION_FAILED" });
    expect(() => aes256GcmDecrypt(randomBytes(32), nonce, sealed)).toThrow(failed);
    expect(() => aes256GcmDecrypt(key, randomBytes(12), sealed)).toThrow(failed);
    const flipped = sealed.slice();
    flipped[7] = (flipped[7] as number) ^ 1;
    expect(() => aes256GcmDecrypt(key, nonce, flipped)).toThrow(failed);
    expect(() => aes256GcmDecrypt(key, nonce, sealed.subarray(0, 15))).toThrow(
      expect.objectContaining({ code: "CRYPTO_MALFORMED_CIPHERTEXT" }),
    );
    const invalid = expect.objectContaining({ code: "CRYPTO_INVALID_INPUT" });
    expect(() => aes256GcmEncrypt(randomBytes(16), nonce, data)).toThrow(invalid);
    expect(() => aes256GcmEncrypt(key, randomBytes(16), data)).toThrow(invalid);
  });
});
