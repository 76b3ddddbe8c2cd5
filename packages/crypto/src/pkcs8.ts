// RFC 8410: a raw 32-byte Ed25519 or X25519 private key as the PKCS#8 DER that WebCrypto imports,
// PrivateKeyInfo{version 0, AlgorithmIdentifier{OID}, OCTET STRING{OCTET STRING(32 bytes)}}. The
// encoding is a fixed 16-byte prefix; the two algorithms differ only in the OID's last byte.
import { fromHex } from "./bytes.js";

const PREFIXES = {
  Ed25519: fromHex("302e020100300506032b657004220420"), // id-Ed25519 1.3.101.112
  X25519: fromHex("302e020100300506032b656e04220420"), // id-X25519 1.3.101.110
} as const;

/** The PKCS#8 DER of a 32-byte private key (the caller checks its length). */
export function curve25519Pkcs8(
  algorithm: keyof typeof PREFIXES,
  privateKey: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const prefix = PREFIXES[algorithm];
  const out = new Uint8Array(prefix.length + privateKey.length);
  out.set(prefix);
  out.set(privateKey, prefix.length);
  return out;
}
