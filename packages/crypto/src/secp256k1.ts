// secp256k1 ECDSA as Ethereum wallets use it: 65-byte r‖s‖v signatures, public-key recovery,
// EIP-191 personal-message hashing and addresses from keccak-256.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { concatBytes, toHex, utf8 } from "./bytes.js";
import { assertBytes, CryptoError } from "./errors.js";
import { keccak256 } from "./hashes.js";
import { randomBytes } from "./random.js";

const ORDER = secp256k1.Point.Fn.ORDER;
const HALF_ORDER = ORDER >> 1n;

export function generateSecp256k1PrivateKey(): Uint8Array {
  // 32 CSPRNG bytes, retried in the negligible case they are not a valid scalar.
  for (;;) {
    const candidate = randomBytes(32);
    if (secp256k1.utils.isValidSecretKey(candidate)) return candidate;
  }
}

/** The public key: 65-byte uncompressed SEC1 by default, 33-byte compressed on request. */
export function secp256k1PublicKey(privateKey: Uint8Array, compressed = false): Uint8Array {
  assertBytes(privateKey, "secp256k1 private key", 32);
  try {
    return secp256k1.getPublicKey(privateKey, compressed);
  } catch (cause) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "not a valid secp256k1 private key", { cause });
  }
}

/** Signs a 32-byte digest; returns r‖s‖v with low s and v = 27 + recovery bit (Ethereum form). */
export function secp256k1SignRecoverable(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  assertBytes(digest, "digest", 32);
  assertBytes(privateKey, "secp256k1 private key", 32);
  const recovered = secp256k1.sign(digest, privateKey, { prehash: false, format: "recovered" });
  // noble puts the recovery byte first; Ethereum puts it last, offset by 27.
  return concatBytes(recovered.subarray(1), Uint8Array.of(27 + (recovered[0] ?? 0)));
}

/** Whether the signature's s lies in the upper half of the group order. */
export function hasHighS(signature: Uint8Array): boolean {
  return parseCompact(signature).s > HALF_ORDER;
}

/**
 * libxmtp's `to_lower_s`: for a 64- or 65-byte signature whose s is high, replace s with n − s.
 * The recovery byte, if present, is kept as it is (libxmtp does not flip it either).
 */
export function normalizeLowS(signature: Uint8Array): Uint8Array {
  if (!(signature instanceof Uint8Array) || (signature.length !== 64 && signature.length !== 65)) {
    throw new CryptoError(
      "CRYPTO_INVALID_SIGNATURE",
      "an ECDSA signature is 64 bytes (r‖s) or 65 bytes (r‖s‖v)",
    );
  }
  const sig = parseCompact(signature);
  if (sig.s <= HALF_ORDER) return signature.slice();
  const normalized = new secp256k1.Signature(sig.r, ORDER - sig.s).toBytes("compact");
  return signature.length === 65 ? concatBytes(normalized, signature.subarray(64)) : normalized;
}

/**
 * Recovers the uncompressed public key from a 65-byte r‖s‖v signature over a 32-byte digest.
 * v may be 0/1, 27/28 or an EIP-155 value (≥ 35), as alloy accepts. A high-s signature is
 * normalized first and its recovery bit flipped, so it recovers the true signer.
 * Throws CRYPTO_INVALID_SIGNATURE when nothing can be recovered.
 */
export function recoverSecp256k1PublicKey(digest: Uint8Array, signature: Uint8Array): Uint8Array {
  assertBytes(digest, "digest", 32);
  if (!(signature instanceof Uint8Array) || signature.length !== 65) {
    throw new CryptoError(
      "CRYPTO_INVALID_SIGNATURE",
      "a recoverable signature is 65 bytes (r‖s‖v)",
    );
  }
  const v = signature[64] ?? 0;
  let parity = recoveryParity(v);
  let sig = parseCompact(signature.subarray(0, 64));
  if (sig.s > HALF_ORDER) {
    sig = new secp256k1.Signature(sig.r, ORDER - sig.s);
    parity = parity === 0 ? 1 : 0;
  }
  try {
    return sig.addRecoveryBit(parity).recoverPublicKey(digest).toBytes(false);
  } catch (cause) {
    throw new CryptoError(
      "CRYPTO_INVALID_SIGNATURE",
      "no public key recovers from this signature",
      {
        cause,
      },
    );
  }
}

/** `0x` + lowercase hex of the last 20 bytes of keccak-256 of the uncompressed key body. */
export function ethereumAddressFromPublicKey(publicKey: Uint8Array): string {
  assertBytes(publicKey, "public key");
  let uncompressed: Uint8Array;
  try {
    uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false);
  } catch (cause) {
    throw new CryptoError("CRYPTO_INVALID_KEY", "not a valid secp256k1 public key", { cause });
  }
  return `0x${toHex(keccak256(uncompressed.subarray(1)).subarray(12))}`;
}

/** EIP-191 version 0x45 ("personal_sign") digest of a message. */
export function eip191Hash(message: string | Uint8Array): Uint8Array {
  const body = typeof message === "string" ? utf8(message) : message;
  assertBytes(body, "message");
  const prefix = utf8(`\x19Ethereum Signed Message:\n${body.length}`);
  return keccak256(concatBytes(prefix, body));
}

/** Signs a message the way `personal_sign` does: r‖s‖v over its EIP-191 digest. */
export function signPersonalMessage(
  message: string | Uint8Array,
  privateKey: Uint8Array,
): Uint8Array {
  return secp256k1SignRecoverable(eip191Hash(message), privateKey);
}

/** Recovers the lowercase address that signed `message` with `personal_sign`. */
export function recoverPersonalMessageAddress(
  message: string | Uint8Array,
  signature: Uint8Array,
): string {
  return ethereumAddressFromPublicKey(recoverSecp256k1PublicKey(eip191Hash(message), signature));
}

function recoveryParity(v: number): 0 | 1 {
  // alloy's normalize_v: 0/1 raw, 27/28 legacy, ≥ 35 EIP-155; anything else is invalid.
  if (v === 0 || v === 1) return v;
  if (v === 27 || v === 28) return v === 28 ? 1 : 0;
  if (v >= 35) return (v - 35) % 2 === 1 ? 1 : 0;
  throw new CryptoError("CRYPTO_INVALID_SIGNATURE", `invalid recovery byte v = ${v}`);
}

function parseCompact(signature: Uint8Array) {
  if (!(signature instanceof Uint8Array) || signature.length < 64) {
    throw new CryptoError("CRYPTO_INVALID_SIGNATURE", "an ECDSA signature needs 64 bytes of r‖s");
  }
  try {
    return secp256k1.Signature.fromBytes(signature.subarray(0, 64), "compact");
  } catch (cause) {
    throw new CryptoError("CRYPTO_INVALID_SIGNATURE", "r or s is out of range", { cause });
  }
}
