// ChaCha20-Poly1305 (RFC 8439), synchronous: package.json "imports" resolve "#chacha" to
// node:crypto on Node (chacha-node.ts) and to @noble/ciphers elsewhere (chacha-web.ts). The types
// are spelled out here so that no declaration file refers to "#chacha".
import * as impl from "#chacha";

/** Seal gives ciphertext ‖ 16-byte tag; open gives the plaintext or throws on a wrong tag. */
export type ChaCha20Poly1305 = (
  key: Uint8Array,
  nonce: Uint8Array,
  input: Uint8Array,
  aad: Uint8Array,
) => Uint8Array;

export const chacha20Poly1305Seal: ChaCha20Poly1305 = impl.chachaSeal;
export const chacha20Poly1305Open: ChaCha20Poly1305 = impl.chachaOpen;
/** "node:crypto" or "@noble/ciphers": which implementation this platform loaded. */
export const CHACHA_IMPLEMENTATION: string = impl.CHACHA_IMPLEMENTATION;
