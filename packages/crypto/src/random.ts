import { randomBytes as nobleRandomBytes } from "@noble/hashes/utils.js";

/** `length` bytes from the platform CSPRNG (`crypto.getRandomValues`); the only randomness source. */
export function randomBytes(length: number): Uint8Array {
  return nobleRandomBytes(length);
}
