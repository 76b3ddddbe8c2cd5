// ChaCha20-Poly1305 (RFC 8439) everywhere but Node: @noble/ciphers, synchronous. Node resolves
// "#chacha" to chacha-node.ts instead (package.json "imports"), which is native.
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";

/** ciphertext ‖ 16-byte tag. */
export function chachaSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  return chacha20poly1305(key, nonce, aad).encrypt(plaintext);
}

/** The plaintext; throws when the tag does not verify. */
export function chachaOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  return chacha20poly1305(key, nonce, aad).decrypt(ciphertext);
}

export const CHACHA_IMPLEMENTATION = "@noble/ciphers";
