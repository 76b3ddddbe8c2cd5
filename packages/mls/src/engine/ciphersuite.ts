import { type CiphersuiteImpl, getCiphersuiteFromName, getCiphersuiteImpl } from "ts-mls";
import { CIPHERSUITE_NAME } from "./constants.js";

let cached: Promise<CiphersuiteImpl> | undefined;

/** ts-mls's implementation of 0x0003 (X25519, ChaCha20-Poly1305, SHA-256, Ed25519), built once. */
export function xmtpCiphersuite(): Promise<CiphersuiteImpl> {
  cached ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE_NAME));
  return cached;
}
