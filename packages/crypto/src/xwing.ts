// X-Wing (draft-connolly-cfrg-xwing-kem-06: ML-KEM-768 + X25519, SHA3-256 combiner with the
// label at the end, 32-byte seed as decapsulation key), synchronously on @noble/post-quantum and,
// faster, with the X25519 half on WebCrypto (xwingEncap / xwingDecap); and as an HPKE KEM for
// @hpke/core (cross-checks).
//
// libxmtp 1.5.4 and 1.9.1 wrap welcomes with this KEM under the codepoint 0x004D (hpke-rs 0.4
// "XWingDraft06"; later hpke-rs calls it "XWingDraft06Obsolete"). The KEM id only enters the
// HPKE key schedule's suite_id, so the same KEM under 0x647a would not interoperate.
import type { KemInterface, RecipientContextParams, SenderContextParams } from "@hpke/common";
import { KEM_USAGES, XCryptoKey } from "@hpke/common";
import { sha3_256, shake256 } from "@noble/hashes/sha3.js";
// @noble/post-quantum 0.5.2 (the version ts-mls pins as its peer) names X-Wing `XWing`.
import { XWing } from "@noble/post-quantum/hybrid.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { concatBytes } from "./bytes.js";
import { CryptoError } from "./errors.js";
import { defaultX25519, type X25519Backend } from "./hpke-x25519.js";
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
  const { publicKey } = XWing.keygen(seed.slice());
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
  if (!mlKemKeyIsValid(publicKey)) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "the X-Wing public key failed ML-KEM's key check");
  }
  try {
    // a copy: @noble/post-quantum 0.5.2's X-Wing zeroes the public key it was given
    const { cipherText, sharedSecret } = XWing.encapsulate(publicKey.slice(), eseed.slice());
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
  return XWing.decapsulate(ciphertext.slice(), privateKey.slice());
}

const ML_KEM_PUBLIC_KEY_LENGTH = 1184;
const ML_KEM_CIPHERTEXT_LENGTH = 1088;
const ML_KEM_Q = 3329;
/** XWingLabel, the ASCII art `\./` `/^\` (hex 5c2e2f2f5e5c), hashed last since draft-05. */
const XWING_LABEL = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c);

/**
 * FIPS 203's encapsulation-key check (the draft requires it): every 12-bit coefficient of the
 * ML-KEM key's vector is below q = 3329. (@noble/post-quantum 0.5.2's own check lets such keys
 * through, so it is done here.)
 */
function mlKemKeyIsValid(publicKey: Uint8Array): boolean {
  const vectorBytes = ML_KEM_PUBLIC_KEY_LENGTH - 32; // the rest is the 32-byte seed rho
  for (let i = 0; i < vectorBytes; i += 3) {
    const b0 = publicKey[i] ?? 0;
    const b1 = publicKey[i + 1] ?? 0;
    const b2 = publicKey[i + 2] ?? 0;
    if ((b0 | ((b1 & 0x0f) << 8)) >= ML_KEM_Q || ((b1 >> 4) | (b2 << 4)) >= ML_KEM_Q) return false;
  }
  return true;
}

/** Whether `publicKey` is 1216 bytes whose ML-KEM part passes FIPS 203's key check. */
export function isValidXWingPublicKey(publicKey: Uint8Array): boolean {
  return (
    publicKey instanceof Uint8Array &&
    publicKey.length === XWING_PUBLIC_KEY_LENGTH &&
    mlKemKeyIsValid(publicKey)
  );
}

/** Combiner(ss_M, ss_X, ct_X, pk_X) = SHA3-256(ss_M ‖ ss_X ‖ ct_X ‖ pk_X ‖ XWingLabel). */
function combiner(ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array) {
  return sha3_256(concatBytes(ssM, ssX, ctX, pkX, XWING_LABEL));
}

export interface XWingOptions {
  /** Where X25519 runs (default: WebCrypto when the platform has it). */
  x25519?: X25519Backend;
}

/**
 * Encapsulate(pk) of draft-06 with X25519 on `options.x25519`; with `eseed` (64 bytes: 32 ML-KEM
 * coins ‖ the 32-byte X25519 ephemeral key) it is EncapsulateDerand. `enc` is ct_M ‖ ct_X.
 * CRYPTO_INVALID_KEY when the public key has the wrong size or fails ML-KEM's modulus check.
 */
export async function xwingEncap(
  publicKey: Uint8Array,
  options: XWingOptions & { eseed?: Uint8Array } = {},
): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }> {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== XWING_PUBLIC_KEY_LENGTH) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "an X-Wing public key is 1216 bytes");
  }
  const eseed = options.eseed;
  if (eseed !== undefined && (!(eseed instanceof Uint8Array) || eseed.length !== 64)) {
    throw new CryptoError("CRYPTO_INVALID_INPUT", "X-Wing encapsulation randomness is 64 bytes");
  }
  const pkM = publicKey.subarray(0, ML_KEM_PUBLIC_KEY_LENGTH);
  const pkX = publicKey.subarray(ML_KEM_PUBLIC_KEY_LENGTH);
  if (!mlKemKeyIsValid(pkM)) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "the X-Wing public key failed ML-KEM's key check");
  }
  const backend = options.x25519 ?? (await defaultX25519());
  try {
    const [ml, x] = await Promise.all([
      Promise.resolve().then(() => ml_kem768.encapsulate(pkM, eseed?.subarray(0, 32))),
      eseed === undefined ? backend.ephemeralDh(pkX) : backend.dh(eseed.slice(32), pkX),
    ]);
    return {
      sharedSecret: combiner(ml.sharedSecret, x.dh, x.publicKey, pkX),
      enc: concatBytes(ml.cipherText, x.publicKey),
    };
  } catch (cause) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "the X-Wing public key failed its validity check", {
      cause,
    });
  }
}

/**
 * Decapsulate(ct, sk) of draft-06 with X25519 on `options.x25519`. A changed ML-KEM ciphertext
 * gives another secret (implicit rejection); CRYPTO_MALFORMED_CIPHERTEXT or CRYPTO_INVALID_KEY
 * for wrong sizes, CRYPTO_DECRYPTION_FAILED when X25519 refuses ct_X.
 */
export async function xwingDecap(
  enc: Uint8Array,
  privateKey: Uint8Array,
  options: XWingOptions = {},
): Promise<Uint8Array> {
  if (!(enc instanceof Uint8Array) || enc.length !== XWING_CIPHERTEXT_LENGTH) {
    throw new CryptoError("CRYPTO_MALFORMED_CIPHERTEXT", "an X-Wing ciphertext is 1120 bytes");
  }
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== XWING_PRIVATE_KEY_LENGTH) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "an X-Wing private key (seed) is 32 bytes");
  }
  // expandDecapsulationKey(sk): SHAKE256(sk, 96) = ML-KEM seed (d ‖ z) ‖ X25519 secret
  const expanded = shake256(privateKey, { dkLen: 96 });
  const ctM = enc.subarray(0, ML_KEM_CIPHERTEXT_LENGTH);
  const ctX = enc.subarray(ML_KEM_CIPHERTEXT_LENGTH);
  const backend = options.x25519 ?? (await defaultX25519());
  const [ssM, x] = await Promise.all([
    Promise.resolve().then(() =>
      ml_kem768.decapsulate(ctM, ml_kem768.keygen(expanded.subarray(0, 64)).secretKey),
    ),
    backend.dh(expanded.slice(64), ctX).catch((cause: unknown) => {
      throw new CryptoError(
        "CRYPTO_DECRYPTION_FAILED",
        "the X25519 part of the X-Wing ciphertext is not usable",
        { cause },
      );
    }),
  ]);
  return combiner(ssM, x.dh, ctX, x.publicKey);
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
