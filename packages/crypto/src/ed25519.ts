// Installation keys are Ed25519. libxmtp signs identity updates and public payloads with
// Ed25519ph (RFC 8032: SHA-512 prehash plus a context string), and MLS content and commit-log
// entries with plain Ed25519.
import { ed25519, ed25519ph } from "@noble/curves/ed25519.js";
import { base64UrlToBytes, utf8 } from "./bytes.js";
import { assertBytes, CryptoError, invalidInput } from "./errors.js";
import { curve25519Pkcs8 } from "./pkcs8.js";
import { randomBytes } from "./random.js";

/** Context of installation-key signatures inside identity updates (libxmtp constants.rs). */
export const IDENTITY_UPDATE_SIGNATURE_CONTEXT = "IDENTITY UPDATE SIGNATURE";
/** Context of `signWithInstallationKey` / `verifySignedWithPublicContext` in libxmtp. */
export const PUBLIC_SIGNATURE_CONTEXT = "PUBLIC SIGNATURE CONTEXT";

export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

/** A fresh 32-byte Ed25519 private key (seed) from the platform CSPRNG. */
export function generateEd25519PrivateKey(): Uint8Array {
  return randomBytes(32);
}

export function ed25519PublicKey(privateKey: Uint8Array): Uint8Array {
  assertBytes(privateKey, "Ed25519 private key", 32);
  return ed25519.getPublicKey(privateKey);
}

/** A raw 32-byte Ed25519 private key as the PKCS#8 DER that WebCrypto imports (RFC 8410). */
export function ed25519Pkcs8(privateKey: Uint8Array): Uint8Array<ArrayBuffer> {
  assertBytes(privateKey, "Ed25519 private key", 32);
  return curve25519Pkcs8("Ed25519", privateKey);
}

/**
 * `ed25519PublicKey` through WebCrypto where it has Ed25519 (native): a client opening its
 * database needs one public key, and @noble/curves's first one costs tens of milliseconds
 * (it builds its base-point tables). Falls back to @noble/curves.
 */
export async function ed25519PublicKeyAsync(privateKey: Uint8Array): Promise<Uint8Array> {
  assertBytes(privateKey, "Ed25519 private key", 32);
  const subtle = globalThis.crypto?.subtle;
  if (subtle !== undefined) {
    try {
      const key = await subtle.importKey("pkcs8", ed25519Pkcs8(privateKey), "Ed25519", true, [
        "sign",
      ]);
      const jwk = await subtle.exportKey("jwk", key);
      if (typeof jwk.x === "string") return base64UrlToBytes(jwk.x);
    } catch {
      // No Ed25519 in this WebCrypto: below.
    }
  }
  return ed25519.getPublicKey(privateKey);
}

/** Plain Ed25519 (no prehash, no context), as MLS and the commit log use it. */
export function ed25519Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(privateKey, "Ed25519 private key", 32);
  assertBytes(message, "message");
  return ed25519.sign(message, privateKey);
}

/** Verifies plain Ed25519. Returns false for any invalid or malformed signature or key. */
export function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!isLength(publicKey, 32) || !isLength(signature, 64) || !(message instanceof Uint8Array)) {
    return false;
  }
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Ed25519ph (SHA-512 prehash) with an RFC 8032 context (at most 255 bytes). */
export function ed25519phSign(
  privateKey: Uint8Array,
  message: Uint8Array,
  context: string | Uint8Array,
): Uint8Array {
  assertBytes(privateKey, "Ed25519 private key", 32);
  assertBytes(message, "message");
  return ed25519ph.sign(message, privateKey, { context: contextBytes(context) });
}

/**
 * Verifies Ed25519ph with a context. Returns false for any invalid or malformed signature or key.
 * Strict RFC 8032 decoding (canonical points, small-order keys rejected).
 */
export function ed25519phVerify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  context: string | Uint8Array,
): boolean {
  if (!isLength(publicKey, 32) || !isLength(signature, 64) || !(message instanceof Uint8Array)) {
    return false;
  }
  const ctx = contextBytes(context);
  try {
    return ed25519ph.verify(signature, message, publicKey, { context: ctx, zip215: false });
  } catch {
    return false;
  }
}

/** True when `publicKey` decodes to a valid Ed25519 point (what libxmtp requires of installation keys). */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  if (!isLength(publicKey, 32)) return false;
  try {
    ed25519.Point.fromBytes(publicKey);
    return true;
  } catch {
    return false;
  }
}

function contextBytes(context: string | Uint8Array): Uint8Array {
  const bytes = typeof context === "string" ? utf8(context) : context;
  if (!(bytes instanceof Uint8Array)) throw invalidInput("context must be a string or Uint8Array");
  if (bytes.length > 255) {
    throw new CryptoError("CRYPTO_INVALID_INPUT", "an Ed25519ph context is at most 255 bytes");
  }
  return bytes;
}

function isLength(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.length === length;
}
