// Serializes (and signs) key packages for tests, so a test can change one field of a real
// libxmtp key package and sign it again with its own installation key.
import {
  concatBytes as concat,
  ed25519PublicKey,
  ed25519Sign,
  encodeU16 as u16,
  encodeU64 as u64,
} from "@x/crypto";
import { type Extension, type ParsedKeyPackage, signContent } from "../mls/key-package.js";
import { encodeOpaque } from "../mls/tls.js";

const u16s = (xs: number[]) => encodeOpaque(concat(...xs.map(u16)));
const exts = (xs: Extension[]) =>
  encodeOpaque(concat(...xs.map((e) => concat(u16(e.type), encodeOpaque(e.data)))));

export type KeyPackageFields = Omit<
  ParsedKeyPackage,
  "leafTbs" | "tbs" | "leafSignature" | "signature" | "signatureKey"
>;

/** Builds a key package from `fields`, signed by `privateKey` (whose public key becomes the signature key). */
export function buildKeyPackage(fields: KeyPackageFields, privateKey: Uint8Array): Uint8Array {
  const signatureKey = ed25519PublicKey(privateKey);
  const c = fields.capabilities;
  const leafTbs = concat(
    encodeOpaque(fields.encryptionKey),
    encodeOpaque(signatureKey),
    u16(fields.credentialType),
    encodeOpaque(fields.credentialIdentity),
    u16s(c.versions),
    u16s(c.cipherSuites),
    u16s(c.extensions),
    u16s(c.proposals),
    u16s(c.credentials),
    Uint8Array.of(fields.leafNodeSource),
    u64(fields.lifetime!.notBefore),
    u64(fields.lifetime!.notAfter),
    exts(fields.leafExtensions),
  );
  const leafSignature = ed25519Sign(privateKey, signContent("LeafNodeTBS", leafTbs));
  const tbs = concat(
    u16(fields.version),
    u16(fields.cipherSuite),
    encodeOpaque(fields.initKey),
    leafTbs,
    encodeOpaque(leafSignature),
    exts(fields.extensions),
  );
  return concat(tbs, encodeOpaque(ed25519Sign(privateKey, signContent("KeyPackageTBS", tbs))));
}

/** MlsCredential{inbox_id} as protobuf bytes. */
export function mlsCredential(inboxId: string): Uint8Array {
  const id = new TextEncoder().encode(inboxId);
  return concat(Uint8Array.of(0x0a, id.length), id);
}
