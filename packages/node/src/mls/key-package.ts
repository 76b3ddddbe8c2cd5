// Key-package validation as the real node's validation service does it
// (`ValidateInboxIdKeyPackages`): the bare TLS KeyPackage parses exactly, both signatures verify,
// the lifetime holds, and the credential is a BasicCredential holding `MlsCredential{inbox_id}`.
// The installation key is the leaf's signature key.
import { fromBinary } from "@bufbuild/protobuf";
import { bytesEqual, ed25519Verify } from "@x/crypto";
import { MlsCredentialSchema } from "@x/proto/identity";
import { encodeOpaque, TlsDecodeError, TlsReader } from "./tls.js";

export const CIPHERSUITE_XMTP = 0x0003; // MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519
const CREDENTIAL_BASIC = 1;
const LEAF_SOURCE_KEY_PACKAGE = 1;
/** Extension types 1..5 are the RFC 9420 defaults, which capabilities need not list. */
const isDefaultExtension = (t: number) => t >= 1 && t <= 5;

/** Thrown for a key package the node must refuse; the message says why. */
export class InvalidKeyPackageError extends Error {
  readonly code = "node.invalid_key_package";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidKeyPackageError";
  }
}

export interface Extension {
  type: number;
  data: Uint8Array;
}

export interface ParsedKeyPackage {
  version: number;
  cipherSuite: number;
  initKey: Uint8Array;
  encryptionKey: Uint8Array;
  /** The installation key (Ed25519 public key, 32 bytes). */
  signatureKey: Uint8Array;
  credentialType: number;
  credentialIdentity: Uint8Array;
  capabilities: {
    versions: number[];
    cipherSuites: number[];
    extensions: number[];
    proposals: number[];
    credentials: number[];
  };
  leafNodeSource: number;
  lifetime?: { notBefore: bigint; notAfter: bigint };
  leafExtensions: Extension[];
  extensions: Extension[];
  /** Bytes of the LeafNodeTBS (for source key_package: the leaf without its signature). */
  leafTbs: Uint8Array;
  leafSignature: Uint8Array;
  /** Bytes of the KeyPackageTBS (everything before the final signature). */
  tbs: Uint8Array;
  signature: Uint8Array;
}

const u16s = (r: TlsReader) => r.u16();
const extension = (r: TlsReader): Extension => ({
  type: r.u16("extension_type"),
  data: r.opaque(),
});

/** Parses a bare TLS-serialized KeyPackage; every byte must belong to it. */
export function parseKeyPackage(bytes: Uint8Array): ParsedKeyPackage {
  const r = new TlsReader(bytes);
  const version = r.u16("version");
  const cipherSuite = r.u16("cipher_suite");
  const initKey = r.opaque("init_key");
  const leafStart = r.offset;
  const encryptionKey = r.opaque("encryption_key");
  const signatureKey = r.opaque("signature_key");
  const credentialType = r.u16("credential_type");
  if (credentialType !== CREDENTIAL_BASIC) {
    throw new TlsDecodeError(`credential type ${credentialType} is not a BasicCredential`);
  }
  const credentialIdentity = r.opaque("credential identity");
  const capabilities = {
    versions: r.vector(u16s, "versions"),
    cipherSuites: r.vector(u16s, "cipher_suites"),
    extensions: r.vector(u16s, "extensions"),
    proposals: r.vector(u16s, "proposals"),
    credentials: r.vector(u16s, "credentials"),
  };
  const leafNodeSource = r.u8("leaf_node_source");
  let lifetime: ParsedKeyPackage["lifetime"];
  if (leafNodeSource === LEAF_SOURCE_KEY_PACKAGE) {
    lifetime = { notBefore: r.u64("not_before"), notAfter: r.u64("not_after") };
  } else {
    throw new TlsDecodeError(`leaf_node_source ${leafNodeSource} is not key_package`);
  }
  const leafExtensions = r.vector(extension, "leaf extensions");
  const leafTbs = bytes.subarray(leafStart, r.offset);
  const leafSignature = r.opaque("leaf signature");
  const extensions = r.vector(extension, "extensions");
  const tbs = bytes.subarray(0, r.offset);
  const signature = r.opaque("signature");
  r.end("KeyPackage");
  return {
    version,
    cipherSuite,
    initKey,
    encryptionKey,
    signatureKey,
    credentialType,
    credentialIdentity,
    capabilities,
    leafNodeSource,
    lifetime,
    leafExtensions,
    extensions,
    leafTbs,
    leafSignature,
    tbs,
    signature,
  };
}

/** `SignWithLabel` content (RFC 9420 §5.1.2): SignContent{ "MLS 1.0 " + label, content }. */
export function signContent(label: string, content: Uint8Array): Uint8Array {
  const l = encodeOpaque(new TextEncoder().encode(`MLS 1.0 ${label}`));
  const c = encodeOpaque(content);
  const out = new Uint8Array(l.length + c.length);
  out.set(l, 0);
  out.set(c, l.length);
  return out;
}

export interface ValidatedKeyPackage {
  installationKey: Uint8Array;
  inboxId: string;
  credentialIdentity: Uint8Array;
  notAfter: bigint;
}

/**
 * Validates an uploaded key package. `nowSeconds` is the clock used for the lifetime check
 * (`not_before <= now < not_after`, as OpenMLS's LeafNodeLifetimePolicy::Verify).
 */
export function validateKeyPackage(bytes: Uint8Array, nowSeconds: bigint): ValidatedKeyPackage {
  let kp: ParsedKeyPackage;
  try {
    kp = parseKeyPackage(bytes);
  } catch (e) {
    throw new InvalidKeyPackageError(`key package does not parse: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (kp.version !== 1) throw new InvalidKeyPackageError(`unsupported MLS version ${kp.version}`);
  if (kp.cipherSuite !== CIPHERSUITE_XMTP) {
    throw new InvalidKeyPackageError(
      `ciphersuite 0x${kp.cipherSuite.toString(16).padStart(4, "0")} is not XMTP's 0x0003`,
    );
  }
  if (!kp.capabilities.cipherSuites.includes(kp.cipherSuite)) {
    throw new InvalidKeyPackageError("leaf capabilities do not list the key package's ciphersuite");
  }
  if (!kp.capabilities.versions.includes(kp.version)) {
    throw new InvalidKeyPackageError("leaf capabilities do not list MLS 1.0");
  }
  if (kp.signatureKey.length !== 32) {
    throw new InvalidKeyPackageError(
      `signature key is ${kp.signatureKey.length} bytes, not an Ed25519 key`,
    );
  }
  if (bytesEqual(kp.initKey, kp.encryptionKey)) {
    throw new InvalidKeyPackageError("init key equals the leaf encryption key");
  }
  for (const ext of [...kp.extensions, ...kp.leafExtensions]) {
    if (!isDefaultExtension(ext.type) && !kp.capabilities.extensions.includes(ext.type)) {
      throw new InvalidKeyPackageError(
        `extension 0x${ext.type.toString(16).padStart(4, "0")} is not listed in the leaf capabilities`,
      );
    }
  }
  if (!ed25519Verify(kp.signatureKey, signContent("LeafNodeTBS", kp.leafTbs), kp.leafSignature)) {
    throw new InvalidKeyPackageError("leaf node signature does not verify");
  }
  if (!ed25519Verify(kp.signatureKey, signContent("KeyPackageTBS", kp.tbs), kp.signature)) {
    throw new InvalidKeyPackageError("key package signature does not verify");
  }
  const { notBefore, notAfter } = kp.lifetime!;
  if (nowSeconds < notBefore || nowSeconds >= notAfter) {
    throw new InvalidKeyPackageError(
      `key package lifetime ${notBefore}..${notAfter} does not include now (${nowSeconds})`,
    );
  }
  let inboxId: string;
  try {
    inboxId = fromBinary(MlsCredentialSchema, kp.credentialIdentity).inboxId;
  } catch (e) {
    throw new InvalidKeyPackageError("credential identity is not an MlsCredential", { cause: e });
  }
  if (!/^[0-9a-f]{64}$/.test(inboxId)) {
    throw new InvalidKeyPackageError(
      `credential inbox id ${JSON.stringify(inboxId)} is not an inbox id`,
    );
  }
  return {
    installationKey: new Uint8Array(kp.signatureKey),
    inboxId,
    credentialIdentity: new Uint8Array(kp.credentialIdentity),
    notAfter,
  };
}
