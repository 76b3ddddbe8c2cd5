// X-Wing (draft-connolly-cfrg-xwing-kem-06: ML-KEM-768 + X25519, SHA3-256 combiner with the
// label at the end, 32-byte seed as decapsulation key) as an HPKE KEM for @hpke/core.
//
// libxmtp 1.5.4 wraps welcomes with this KEM under the codepoint 0x004D (hpke-rs 0.3
// "XWingDraft06"; later hpke-rs calls it "XWingDraft06Obsolete"). The KEM id only enters the
// HPKE key schedule's suite_id, so the same KEM under 0x647a would not interoperate.
import type { KemInterface, RecipientContextParams, SenderContextParams } from "@hpke/common";
import { KEM_USAGES, XCryptoKey } from "@hpke/common";
import { shake256 } from "@noble/hashes/sha3.js";
// @noble/post-quantum 0.5.2 (the version ts-mls pins as its peer) names X-Wing `XWing`.
import { XWing } from "@noble/post-quantum/hybrid.js";
import { CryptoError } from "./errors.js";
import { randomBytes } from "./random.js";

export const XWING_DRAFT06_KEM_ID = 0x004d;
export const XWING_PUBLIC_KEY_LENGTH = 1216;
export const XWING_PRIVATE_KEY_LENGTH = 32;
export const XWING_CIPHERTEXT_LENGTH = 1120;
const ALG_NAME = "X-Wing-draft-06";

// WebCrypto key types as @hpke/common declares them (no DOM lib here).
type CryptoKey = Parameters<KemInterface["serializePublicKey"]>[0];
type CryptoKeyPair = Awaited<ReturnType<KemInterface["generateKeyPair"]>>;
type JsonWebKey = Exclude<Parameters<KemInterface["importKey"]>[1], ArrayBuffer>;

/** GenerateKeyPairDerand(seed): the 32-byte seed is the private key. */
export function xwingKeyPairFromSeed(seed: Uint8Array): {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
} {
  if (!(seed instanceof Uint8Array) || seed.length !== XWING_PRIVATE_KEY_LENGTH) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "an X-Wing private key (seed) is 32 bytes");
  }
  const { publicKey } = XWing.keygen(seed);
  return { publicKey, privateKey: seed.slice() };
}

/** EncapsulateDerand(pk, eseed) with a 64-byte eseed (32 ML-KEM coins ‖ 32 X25519 ephemeral). */
export function xwingEncapsulate(
  publicKey: Uint8Array,
  eseed: Uint8Array = randomBytes(64),
): { sharedSecret: Uint8Array; ciphertext: Uint8Array } {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== XWING_PUBLIC_KEY_LENGTH) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "an X-Wing public key is 1216 bytes");
  }
  if (!(eseed instanceof Uint8Array) || eseed.length !== 64) {
    throw new CryptoError("CRYPTO_INVALID_INPUT", "X-Wing encapsulation randomness is 64 bytes");
  }
  try {
    const { cipherText, sharedSecret } = XWing.encapsulate(publicKey, eseed);
    return { sharedSecret, ciphertext: cipherText };
  } catch (cause) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "the X-Wing public key failed its validity check", {
      cause,
    });
  }
}

export function xwingDecapsulate(ciphertext: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== XWING_CIPHERTEXT_LENGTH) {
    throw new CryptoError("CRYPTO_MALFORMED_CIPHERTEXT", "an X-Wing ciphertext is 1120 bytes");
  }
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== XWING_PRIVATE_KEY_LENGTH) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "an X-Wing private key (seed) is 32 bytes");
  }
  return XWing.decapsulate(ciphertext, privateKey);
}

/** The HPKE KemInterface of X-Wing draft-06 with the codepoint libxmtp uses. */
export class XWingDraft06Kem implements KemInterface {
  // The KemId union type of @hpke/common does not list 0x004D.
  readonly id = XWING_DRAFT06_KEM_ID as KemInterface["id"];
  readonly secretSize = 32;
  readonly encSize = XWING_CIPHERTEXT_LENGTH;
  readonly publicKeySize = XWING_PUBLIC_KEY_LENGTH;
  readonly privateKeySize = XWING_PRIVATE_KEY_LENGTH;

  async generateKeyPair(): Promise<CryptoKeyPair> {
    return this.toCryptoKeyPair(xwingKeyPairFromSeed(randomBytes(32)));
  }

  /** DeriveKeyPair(ikm) = GenerateKeyPairDerand(SHAKE256(ikm, 32)) (draft-06 "Use in HPKE"). */
  async deriveKeyPair(ikm: ArrayBufferLike | ArrayBufferView): Promise<CryptoKeyPair> {
    return this.toCryptoKeyPair(xwingKeyPairFromSeed(shake256(toBytes(ikm), { dkLen: 32 })));
  }

  async serializePublicKey(key: CryptoKey): Promise<ArrayBuffer> {
    return toArrayBuffer(keyBytes(key, "public"));
  }

  async deserializePublicKey(key: ArrayBufferLike | ArrayBufferView): Promise<CryptoKey> {
    const bytes = toBytes(key);
    if (bytes.length !== XWING_PUBLIC_KEY_LENGTH) {
      throw new CryptoError("CRYPTO_INVALID_KEY", "an X-Wing public key is 1216 bytes");
    }
    return new XCryptoKey(ALG_NAME, bytes, "public");
  }

  async serializePrivateKey(key: CryptoKey): Promise<ArrayBuffer> {
    return toArrayBuffer(keyBytes(key, "private"));
  }

  async deserializePrivateKey(key: ArrayBufferLike | ArrayBufferView): Promise<CryptoKey> {
    const bytes = toBytes(key);
    if (bytes.length !== XWING_PRIVATE_KEY_LENGTH) {
      throw new CryptoError("CRYPTO_INVALID_KEY", "an X-Wing private key (seed) is 32 bytes");
    }
    return new XCryptoKey(ALG_NAME, bytes, "private", KEM_USAGES);
  }

  async importKey(
    format: "raw" | "jwk",
    key: ArrayBuffer | JsonWebKey,
    isPublic = true,
  ): Promise<CryptoKey> {
    if (format !== "raw" || !(key instanceof ArrayBuffer || key instanceof Uint8Array)) {
      throw new CryptoError(
        "CRYPTO_UNSUPPORTED_ALGORITHM",
        "X-Wing keys import from raw bytes only",
      );
    }
    return isPublic ? this.deserializePublicKey(key) : this.deserializePrivateKey(key);
  }

  async encap(
    params: SenderContextParams,
  ): Promise<{ sharedSecret: ArrayBuffer; enc: ArrayBuffer }> {
    const publicKey = keyBytes(params.recipientPublicKey, "public");
    const ekm = params.ekm;
    if (ekm !== undefined && !isBufferSource(ekm)) {
      throw new CryptoError("CRYPTO_INVALID_INPUT", "X-Wing ekm must be 64 bytes of randomness");
    }
    const eseed = ekm === undefined ? randomBytes(64) : toBytes(ekm);
    const { sharedSecret, ciphertext } = xwingEncapsulate(publicKey, eseed);
    return { sharedSecret: toArrayBuffer(sharedSecret), enc: toArrayBuffer(ciphertext) };
  }

  async decap(params: RecipientContextParams): Promise<ArrayBuffer> {
    const recipient = params.recipientKey;
    const privateKey = "privateKey" in recipient ? recipient.privateKey : recipient;
    return toArrayBuffer(xwingDecapsulate(toBytes(params.enc), keyBytes(privateKey, "private")));
  }

  private async toCryptoKeyPair(pair: {
    publicKey: Uint8Array;
    privateKey: Uint8Array;
  }): Promise<CryptoKeyPair> {
    return {
      publicKey: await this.deserializePublicKey(pair.publicKey),
      privateKey: await this.deserializePrivateKey(pair.privateKey),
    };
  }
}

function keyBytes(key: CryptoKey, type: "public" | "private"): Uint8Array {
  if (!(key instanceof XCryptoKey) || key.type !== type) {
    throw new CryptoError("CRYPTO_INVALID_KEY", `expected an X-Wing ${type} key`);
  }
  return key.key;
}

function isBufferSource(value: unknown): value is ArrayBufferLike | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function toBytes(value: ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  }
  return new Uint8Array(value).slice();
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}
