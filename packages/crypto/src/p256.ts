// P-256 ECDSA as WebAuthn passkeys use it (DER signatures over SHA-256 of the message).
import { p256 } from "@noble/curves/nist.js";
import { CryptoError } from "./errors.js";

/**
 * Verifies a DER-encoded ECDSA P-256 signature over SHA-256(message) by a SEC1 public key
 * (33-byte compressed or 65-byte uncompressed). High-s signatures are accepted, as WebAuthn
 * authenticators produce them. Returns false for any invalid or malformed input.
 */
export function p256VerifyDer(
  publicKey: Uint8Array,
  message: Uint8Array,
  derSignature: Uint8Array,
): boolean {
  try {
    return p256.verify(derSignature, message, publicKey, {
      prehash: true,
      lowS: false,
      format: "der",
    });
  } catch {
    return false;
  }
}

/** Whether `publicKey` is a valid SEC1-encoded P-256 point. */
export function isValidP256PublicKey(publicKey: Uint8Array): boolean {
  try {
    p256.Point.fromBytes(publicKey);
    return true;
  } catch {
    return false;
  }
}

/** A DER signature re-encoded as fixed 64-byte r‖s. Throws CRYPTO_INVALID_SIGNATURE on bad DER. */
export function p256DerToCompact(derSignature: Uint8Array): Uint8Array {
  try {
    return p256.Signature.fromBytes(derSignature, "der").toBytes("compact");
  } catch (cause) {
    throw new CryptoError("CRYPTO_INVALID_SIGNATURE", "not a DER-encoded P-256 signature", {
      cause,
    });
  }
}
