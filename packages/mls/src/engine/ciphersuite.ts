// ts-mls's ciphersuite 0x0003 with three of its parts made cheaper; the results are identical.
//
// ts-mls runs every HKDF, HMAC and hash through WebCrypto, and imports the Ed25519 key again for
// every signature. Each WebCrypto call costs tens of microseconds of key import and job dispatch
// while the work itself (HMAC of a few dozen bytes) takes a few: a message's key schedule does
// dozens of them. So:
// - HKDF, HMAC and SHA-256 of small inputs run synchronously in @noble/hashes (large inputs
//   still go to WebCrypto, which hashes them natively);
// - Ed25519 keys are imported into WebCrypto once and kept (a few private keys, more public ones);
// - HPKE runs on @x/crypto's DHKEM(X25519) base mode (hpke.ts).
import { ed25519Pkcs8, hkdfSha256Expand, hkdfSha256Extract, hmacSha256, sha256 } from "@x/crypto";
import {
  type CiphersuiteImpl,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type Hash,
  type Kdf,
  type Signature,
} from "ts-mls";
import { CIPHERSUITE_NAME } from "./constants.js";
import { x25519Hpke } from "./hpke.js";
import { KeptByBytes } from "./kept.js";

let cached: Promise<CiphersuiteImpl> | undefined;

/** ts-mls's implementation of 0x0003 (X25519, ChaCha20-Poly1305, SHA-256, Ed25519), built once. */
export function xmtpCiphersuite(): Promise<CiphersuiteImpl> {
  cached ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE_NAME)).then((base) => ({
    ...base,
    kdf: syncKdf,
    hash: smallInputHash(base.hash),
    signature: keptKeySignature(base.signature),
    hpke: x25519Hpke(base.hpke),
  }));
  return cached;
}

/** Below this size a JavaScript SHA-256 beats WebCrypto's per-call cost on a 2-core machine. */
const NATIVE_HASH_FROM = 8 * 1024;

const syncKdf: Kdf = {
  // ts-mls passes (salt, ikm); an empty salt means HashLen zero bytes (RFC 5869), which HMAC
  // treats the same as an empty key.
  extract: async (salt, ikm) => hkdfSha256Extract(ikm, salt),
  expand: async (prk, info, len) => hkdfSha256Expand(prk, info, len),
  size: 32,
};

function smallInputHash(base: Hash): Hash {
  return {
    digest: async (data) => (data.length < NATIVE_HASH_FROM ? sha256(data) : base.digest(data)),
    mac: async (key, data) => hmacSha256(key, data),
    verifyMac: async (key, mac, data) => constantTimeEqual(hmacSha256(key, data), mac),
  };
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** How many imported keys are kept (least recently used out). */
const KEPT_PRIVATE_KEYS = 16;
const KEPT_PUBLIC_KEYS = 1024;

type WebCryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>;

const buffer = (b: Uint8Array): Uint8Array<ArrayBuffer> =>
  b.buffer instanceof ArrayBuffer ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b);

function keptKeySignature(base: Signature): Signature {
  const subtle = globalThis.crypto?.subtle;
  // Without WebCrypto, ts-mls falls back to @noble/curves; nothing to import then.
  if (subtle === undefined) return base;
  const privateKeys = new KeptByBytes<WebCryptoKey>(KEPT_PRIVATE_KEYS);
  const publicKeys = new KeptByBytes<WebCryptoKey>(KEPT_PUBLIC_KEYS);
  return {
    async sign(signKey, message) {
      // ts-mls keys are raw 32-byte seeds; anything else is already PKCS#8.
      const key = await privateKeys.get(signKey, () =>
        subtle.importKey(
          "pkcs8",
          signKey.length === 32 ? ed25519Pkcs8(signKey) : buffer(signKey),
          "Ed25519",
          false,
          ["sign"],
        ),
      );
      return new Uint8Array(await subtle.sign("Ed25519", key, buffer(message)));
    },
    async verify(publicKey, message, signature) {
      const key = await publicKeys.get(publicKey, () =>
        subtle.importKey("raw", buffer(publicKey), "Ed25519", false, ["verify"]),
      );
      return subtle.verify("Ed25519", key, buffer(signature), buffer(message));
    },
    keygen: () => base.keygen(),
  };
}
