// ChaCha20-Poly1305 (RFC 8439, native on Node: chacha.ts) for payloads encrypted under a known
// symmetric key, such as the "pointee" of a welcome pointer (libxmtp's wrap_welcome_symmetric:
// the pointer's key and nonce, empty AAD), and AES-256-GCM (NIST SP 800-38D) with a
// caller-chosen 12-byte nonce and no AAD, as libxmtp's archives use it.
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20Poly1305Open, chacha20Poly1305Seal } from "./chacha.js";
import { assertBytes, CryptoError } from "./errors.js";

/** AEAD identifiers as OpenMLS numbers them; the welcome-pointer proto uses the same values. */
export const AeadType = { ChaCha20Poly1305: 3 } as const;
export type AeadType = (typeof AeadType)[keyof typeof AeadType];

export interface SymmetricInput {
  aeadType: AeadType;
  /** 32 bytes */
  key: Uint8Array;
  /** 12 bytes */
  nonce: Uint8Array;
  data: Uint8Array;
  /** Additional authenticated data; libxmtp passes none. */
  aad?: Uint8Array;
}

/** Encrypts `data`; the result is ciphertext ‖ 16-byte tag. */
export function encryptSymmetric(input: SymmetricInput): Uint8Array {
  const aad = checkSymmetric(input);
  return chacha20Poly1305Seal(input.key, input.nonce, input.data, aad);
}

/** Decrypts and authenticates. Throws CRYPTO_DECRYPTION_FAILED when the tag does not verify. */
export function decryptSymmetric(input: SymmetricInput): Uint8Array {
  const aad = checkSymmetric(input);
  if (input.data.length < 16) {
    throw new CryptoError(
      "CRYPTO_MALFORMED_CIPHERTEXT",
      "a ChaCha20-Poly1305 ciphertext has at least 16 bytes",
    );
  }
  try {
    return chacha20Poly1305Open(input.key, input.nonce, input.data, aad);
  } catch (cause) {
    throw new CryptoError(
      "CRYPTO_DECRYPTION_FAILED",
      "ChaCha20-Poly1305 authentication failed: wrong key or nonce, or the ciphertext was changed",
      { cause },
    );
  }
}

/** Checks the algorithm and sizes; returns the AAD (empty by default). */
function checkSymmetric(input: SymmetricInput): Uint8Array {
  if (input.aeadType !== AeadType.ChaCha20Poly1305) {
    throw new CryptoError(
      "CRYPTO_UNSUPPORTED_ALGORITHM",
      `AEAD type ${String(input.aeadType)} is not supported; only ChaCha20-Poly1305 (3) is`,
    );
  }
  assertBytes(input.key, "key", 32);
  assertBytes(input.nonce, "nonce", 12);
  assertBytes(input.data, "data");
  const aad = input.aad ?? new Uint8Array();
  assertBytes(aad, "aad");
  return aad;
}

/** AES-256-GCM with a 12-byte nonce and no AAD: ciphertext ‖ 16-byte tag. */
export function aes256GcmEncrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  assertBytes(key, "key", 32);
  assertBytes(nonce, "nonce", 12);
  assertBytes(plaintext, "plaintext");
  return gcm(key, nonce).encrypt(plaintext);
}

/**
 * Decrypts and authenticates AES-256-GCM (12-byte nonce, no AAD). CRYPTO_DECRYPTION_FAILED when
 * the tag does not verify (wrong key or nonce, or changed bytes).
 */
export function aes256GcmDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  assertBytes(key, "key", 32);
  assertBytes(nonce, "nonce", 12);
  assertBytes(ciphertext, "ciphertext");
  if (ciphertext.length < 16) {
    throw new CryptoError(
      "CRYPTO_MALFORMED_CIPHERTEXT",
      "an AES-256-GCM ciphertext has at least 16 bytes (the tag)",
    );
  }
  try {
    return gcm(key, nonce).decrypt(ciphertext);
  } catch (cause) {
    throw new CryptoError(
      "CRYPTO_DECRYPTION_FAILED",
      "AES-256-GCM authentication failed: wrong key or nonce, or the ciphertext was changed",
      { cause },
    );
  }
}
