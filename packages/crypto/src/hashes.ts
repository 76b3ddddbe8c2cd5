import { hkdf, expand as hkdfExpandRaw, extract as hkdfExtractRaw } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256, sha512 as nobleSha512 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { assertBytes } from "./errors.js";

export function sha256(data: Uint8Array): Uint8Array {
  assertBytes(data, "data");
  return nobleSha256(data);
}

export function sha512(data: Uint8Array): Uint8Array {
  assertBytes(data, "data");
  return nobleSha512(data);
}

export function keccak256(data: Uint8Array): Uint8Array {
  assertBytes(data, "data");
  return keccak_256(data);
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  assertBytes(key, "key");
  assertBytes(data, "data");
  return hmac(nobleSha256, key, data);
}

/** HKDF-SHA256 (RFC 5869): extract with `salt`, then expand with `info` to `length` bytes. */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  assertBytes(ikm, "ikm");
  assertBytes(salt, "salt");
  assertBytes(info, "info");
  return hkdf(nobleSha256, ikm, salt, info, length);
}

export function hkdfSha256Extract(ikm: Uint8Array, salt: Uint8Array): Uint8Array {
  assertBytes(ikm, "ikm");
  assertBytes(salt, "salt");
  return hkdfExtractRaw(nobleSha256, ikm, salt);
}

export function hkdfSha256Expand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  assertBytes(prk, "prk");
  assertBytes(info, "info");
  return hkdfExpandRaw(nobleSha256, prk, info, length);
}
