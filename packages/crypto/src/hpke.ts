// HPKE base mode as libxmtp wraps welcomes (xmtp_mls_common payload_encryption.rs):
// KDF HKDF-SHA256, AEAD ChaCha20-Poly1305, KEM DHKEM(X25519) or X-Wing draft-06 (0x004D);
// info = TLS EncryptContext{"MLS 1.0 " + label, ""}, AAD empty. One sender context seals two
// payloads in order: the welcome (output as a TLS HpkeCiphertext carrying the KEM output) and
// the welcome metadata (raw ciphertext, sequence number 1).
// Both run on our own base-mode code (hpke-x25519.ts: about twice as fast per wrap as @hpke/core,
// which runs every HKDF step through WebCrypto), X25519 on WebCrypto where the platform has it
// (for X-Wing too: its ML-KEM-768 half is JavaScript, @noble/post-quantum). `hpkeSuite` gives the
// same suites on @hpke/core, for cross-checks.
import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";
import type { KemInterface } from "@hpke/common";
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";
import { shake256 } from "@noble/hashes/sha3.js";
import { assertBytes, CryptoError } from "./errors.js";
import {
  baseModeSuite,
  deriveX25519KeyPair,
  deriveX25519PrivateKey,
  generateX25519KeyPair,
  recipientFromSharedSecret,
  senderFromSharedSecret,
  setupBaseRecipient,
  setupBaseSender,
  type X25519HpkeRecipient,
  type X25519HpkeSender,
} from "./hpke-x25519.js";
import { randomBytes } from "./random.js";
import { decodeHpkeCiphertext, encodeHpkeCiphertext, encryptContextInfo } from "./tls-codec.js";
import {
  XWING_DRAFT06_KEM_ID,
  XWING_PRIVATE_KEY_LENGTH,
  XWingDraft06Kem,
  xwingDecap,
  xwingEncap,
  xwingKeyPairFromSeed,
} from "./xwing.js";

const XWING_SUITE = baseModeSuite(XWING_DRAFT06_KEM_ID);

/** WelcomeWrapperAlgorithm values of the XMTP proto (SYMMETRIC_KEY = 3 is in aead.ts). */
export const WrapperAlgorithm = {
  Curve25519: 1,
  XWingMlKem768Draft6: 2,
} as const;
export type WrapperAlgorithm = (typeof WrapperAlgorithm)[keyof typeof WrapperAlgorithm];

/** libxmtp's WELCOME_HPKE_LABEL. */
export const WELCOME_HPKE_LABEL = "MLS_WELCOME";

export interface HpkeKeyPair {
  /** 32 bytes (X25519) or 1216 bytes (X-Wing) */
  publicKey: Uint8Array;
  /** 32 bytes: the X25519 scalar, or the X-Wing seed */
  privateKey: Uint8Array;
}

export interface WrapInput {
  payload: Uint8Array;
  /** Sealed second with the same context; libxmtp puts WelcomeMetadata here. Empty by default. */
  secondaryPayload?: Uint8Array;
  publicKey: Uint8Array;
  algorithm: WrapperAlgorithm;
  /** Defaults to WELCOME_HPKE_LABEL. */
  label?: string;
}

export interface WrapOutput {
  /** TLS HpkeCiphertext{kem_output, ciphertext} of the payload */
  wrapped: Uint8Array;
  /** Raw ciphertext of the secondary payload */
  wrappedSecondary: Uint8Array;
}

export interface UnwrapInput {
  wrapped: Uint8Array;
  /** When empty, nothing is opened and the secondary payload comes back empty (as in libxmtp). */
  wrappedSecondary?: Uint8Array;
  privateKey: Uint8Array;
  algorithm: WrapperAlgorithm;
  label?: string;
}

export interface UnwrapOutput {
  payload: Uint8Array;
  secondaryPayload: Uint8Array;
}

/** The HPKE cipher suite of one wrapper algorithm (exported for tests and advanced use). */
export function hpkeSuite(algorithm: WrapperAlgorithm): CipherSuite {
  return new CipherSuite({
    kem: kemFor(algorithm),
    kdf: new HkdfSha256(),
    aead: new Chacha20Poly1305(),
  });
}

export async function generateHpkeKeyPair(algorithm: WrapperAlgorithm): Promise<HpkeKeyPair> {
  if (algorithm === WrapperAlgorithm.Curve25519) return generateX25519KeyPair();
  checkAlgorithm(algorithm);
  return xwingKeyPairFromSeed(randomBytes(32));
}

/** HPKE DeriveKeyPair(ikm) of the algorithm's KEM (RFC 9180 §7.1.3; X-Wing draft-06 §"Use in HPKE"). */
export async function deriveHpkeKeyPair(
  algorithm: WrapperAlgorithm,
  ikm: Uint8Array,
): Promise<HpkeKeyPair> {
  assertBytes(ikm, "ikm");
  if (algorithm === WrapperAlgorithm.Curve25519) return deriveX25519KeyPair(ikm);
  checkAlgorithm(algorithm);
  // DeriveKeyPair(ikm) = GenerateKeyPairDerand(SHAKE256(ikm, 32)) (draft-06 "Use in HPKE")
  return xwingKeyPairFromSeed(shake256(ikm, { dkLen: 32 }));
}

/** Wraps a payload (and a secondary payload) for the holder of `publicKey`. */
export async function wrapWelcome(input: WrapInput, ekm?: Uint8Array): Promise<WrapOutput> {
  assertBytes(input.payload, "payload");
  const secondary = input.secondaryPayload ?? new Uint8Array();
  assertBytes(secondary, "secondaryPayload");
  assertBytes(input.publicKey, "publicKey");
  if (input.algorithm === WrapperAlgorithm.Curve25519) return wrapX25519(input, secondary, ekm);
  checkAlgorithm(input.algorithm);
  const info = encryptContextInfo(input.label ?? WELCOME_HPKE_LABEL);
  // `ekm` is the 64-byte EncapsulateDerand randomness, as @hpke/core's X-Wing KEM reads it
  const { sharedSecret, enc } = await xwingEncap(
    input.publicKey,
    ekm === undefined ? {} : { eseed: ekm },
  );
  const sender: X25519HpkeSender = await senderFromSharedSecret(
    XWING_SUITE,
    sharedSecret,
    enc,
    info,
  );
  const first = await sender.seal(input.payload);
  const second = await sender.seal(secondary);
  return { wrapped: encodeHpkeCiphertext(enc, first), wrappedSecondary: second };
}

/** Opens what wrapWelcome produced. Throws CRYPTO_DECRYPTION_FAILED for the wrong key or label or a changed byte. */
export async function unwrapWelcome(input: UnwrapInput): Promise<UnwrapOutput> {
  assertBytes(input.wrapped, "wrapped");
  assertBytes(input.privateKey, "privateKey");
  const wrappedSecondary = input.wrappedSecondary ?? new Uint8Array();
  assertBytes(wrappedSecondary, "wrappedSecondary");
  const { kemOutput, ciphertext } = decodeHpkeCiphertext(input.wrapped);
  if (input.algorithm === WrapperAlgorithm.Curve25519) {
    return unwrapX25519(input, kemOutput, ciphertext, wrappedSecondary);
  }
  checkAlgorithm(input.algorithm);
  if (input.privateKey.length !== XWING_PRIVATE_KEY_LENGTH) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "not a valid X-Wing private key (32 bytes)");
  }
  const info = encryptContextInfo(input.label ?? WELCOME_HPKE_LABEL);
  try {
    const sharedSecret = await xwingDecap(kemOutput, input.privateKey);
    const recipient = await recipientFromSharedSecret(XWING_SUITE, sharedSecret, info);
    const payload = await recipient.open(ciphertext);
    const secondaryPayload =
      wrappedSecondary.length === 0 ? new Uint8Array() : await recipient.open(wrappedSecondary);
    return { payload, secondaryPayload };
  } catch (cause) {
    throw openFailed(input.algorithm, cause);
  }
}

async function wrapX25519(
  input: WrapInput,
  secondary: Uint8Array,
  ekm: Uint8Array | undefined,
): Promise<WrapOutput> {
  const info = encryptContextInfo(input.label ?? WELCOME_HPKE_LABEL);
  try {
    // `ekm` is DeriveKeyPair input for the ephemeral key, as @hpke/core reads it
    const sender = await setupBaseSender(input.publicKey, info, {
      ephemeralPrivateKey: ekm === undefined ? undefined : deriveX25519PrivateKey(ekm),
    });
    const first = await sender.seal(input.payload);
    const second = await sender.seal(secondary);
    return { wrapped: encodeHpkeCiphertext(sender.enc, first), wrappedSecondary: second };
  } catch (cause) {
    if (cause instanceof CryptoError) throw cause;
    throw new CryptoError("CRYPTO_INVALID_KEY", "HPKE encapsulation to this X25519 key failed", {
      cause,
    });
  }
}

async function unwrapX25519(
  input: UnwrapInput,
  kemOutput: Uint8Array,
  ciphertext: Uint8Array,
  wrappedSecondary: Uint8Array,
): Promise<UnwrapOutput> {
  const info = encryptContextInfo(input.label ?? WELCOME_HPKE_LABEL);
  let recipient: X25519HpkeRecipient;
  try {
    recipient = await setupBaseRecipient(kemOutput, input.privateKey, info);
  } catch (cause) {
    if (cause instanceof CryptoError && cause.code === "CRYPTO_INVALID_KEY") {
      throw new CryptoError("CRYPTO_INVALID_KEY", "not a valid X25519 private key", { cause });
    }
    throw openFailed(input.algorithm, cause);
  }
  try {
    const payload = await recipient.open(ciphertext);
    const secondaryPayload =
      wrappedSecondary.length === 0 ? new Uint8Array() : await recipient.open(wrappedSecondary);
    return { payload, secondaryPayload };
  } catch (cause) {
    throw openFailed(input.algorithm, cause);
  }
}

function openFailed(algorithm: WrapperAlgorithm, cause: unknown): CryptoError {
  return new CryptoError(
    "CRYPTO_DECRYPTION_FAILED",
    `HPKE (${algorithmName(algorithm)}) could not open the payload: wrong private key, wrong label, or changed bytes`,
    { cause },
  );
}

function checkAlgorithm(algorithm: WrapperAlgorithm): void {
  if (
    algorithm !== WrapperAlgorithm.Curve25519 &&
    algorithm !== WrapperAlgorithm.XWingMlKem768Draft6
  ) {
    throw new CryptoError(
      "CRYPTO_UNSUPPORTED_ALGORITHM",
      `welcome wrapper algorithm ${String(algorithm)} is not an HPKE algorithm (1 = Curve25519, 2 = X-Wing)`,
    );
  }
}

function kemFor(algorithm: WrapperAlgorithm): KemInterface {
  checkAlgorithm(algorithm);
  return algorithm === WrapperAlgorithm.Curve25519
    ? new DhkemX25519HkdfSha256()
    : new XWingDraft06Kem();
}

function algorithmName(algorithm: WrapperAlgorithm): string {
  return algorithm === WrapperAlgorithm.Curve25519 ? "X25519" : "X-Wing";
}
