import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { invalidInput } from "./errors.js";

/** Lowercase hex without a prefix. */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** Decodes hex, with or without a `0x` prefix. Throws CRYPTO_INVALID_INPUT on bad hex. */
export function fromHex(hex: string): Uint8Array {
  const body = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  try {
    return hexToBytes(body);
  } catch (cause) {
    throw invalidInput(`not a hex string: ${JSON.stringify(hex.slice(0, 20))}`, cause);
  }
}

export function utf8(text: string): Uint8Array {
  return utf8ToBytes(text);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Byte equality (not constant time; use for public data only). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Base64url (RFC 4648 §5, padding optional), as in JWKs. */
export function base64UrlToBytes(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
