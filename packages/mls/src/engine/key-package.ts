// XMTP key packages, built the way libxmtp 1.9.1 builds them (xmtp_mls/src/identity.rs
// `XmtpKeyPackageBuilder::build`) and validated the way it validates fetched ones
// (`VerifiedKeyPackageV2::from_bytes`: OpenMLS `KeyPackageIn::validate` with lifetime checks).
import {
  ed25519PublicKey,
  generateHpkeKeyPair,
  type HpkeKeyPair,
  isValidXWingPublicKey,
  WrapperAlgorithm,
} from "@x/crypto";
import { create, fromBinary, toBinary } from "@x/proto";
import {
  WelcomePointeeEncryptionAeadTypesExtensionSchema,
  WelcomeWrapperEncryptionSchema,
} from "@x/proto/mls/message_contents";
import {
  type Capabilities,
  type Extension,
  generateKeyPackageWithKey,
  type KeyPackage,
  type Lifetime,
  type PrivateKeyPackage,
} from "ts-mls";
import {
  decodeKeyPackage,
  encodeKeyPackage,
  makeKeyPackageRef,
  verifyKeyPackage,
} from "ts-mls/keyPackage.js";
import { verifyLeafNodeSignatureKeyPackage } from "ts-mls/leafNode.js";
import { xmtpCiphersuite } from "./ciphersuite.js";
import {
  CIPHERSUITE_NAME,
  EXTENSION_LAST_RESORT,
  EXTENSION_WELCOME_POINTEE_AEAD_TYPES,
  EXTENSION_WELCOME_WRAPPER_ENCRYPTION,
  KEY_PACKAGE_LIFETIME_MARGIN_SECONDS,
  KEY_PACKAGE_LIFETIME_SECONDS,
  LEAF_CAPABILITY_EXTENSIONS,
  LEAF_CAPABILITY_PROPOSALS,
  POINTEE_AEAD_CHACHA20_POLY1305,
} from "./constants.js";
import { errorMessage, GroupOperationError, KeyPackageError } from "./errors.js";
import { extensionTypeNumber, findExtension } from "./extensions.js";
import { decodeMlsCredential, encodeMlsCredential } from "./payloads.js";
import { bytesEqual, encodeOpaque } from "./tls.js";

/** An installation's Ed25519 key pair: the 32-byte private seed and its public key. */
export interface InstallationKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Who we are in MLS: the inbox id in every credential and the installation key that signs. */
export interface XmtpIdentity {
  inboxId: string;
  installationKey: InstallationKeyPair;
}

export interface NewKeyPackage {
  keyPackage: KeyPackage;
  /** The init, leaf-encryption and signature private keys. Store them; a welcome needs them. */
  privateKeyPackage: PrivateKeyPackage;
  /** The bare TLS KeyPackage, as `UploadKeyPackageRequest.key_package.key_package_tls_serialized`. */
  bytes: Uint8Array;
  /** The HPKE init public key: Curve25519 welcomes are wrapped to it. */
  initKey: Uint8Array;
  /**
   * The X-Wing key pair of the 0xff03 extension: X-Wing welcomes and welcome pointers are
   * wrapped to its public key. Store the private key with the others.
   */
  welcomeWrapperKey: HpkeKeyPair;
}

const unixSeconds = (now: Date) => Math.floor(now.getTime() / 1000);

/** Our leaf capabilities: libxmtp 1.9.1's list (no GREASE). */
export function xmtpCapabilities(): Capabilities {
  return {
    versions: ["mls10"],
    ciphersuites: [CIPHERSUITE_NAME],
    extensions: [...LEAF_CAPABILITY_EXTENSIONS],
    proposals: [...LEAF_CAPABILITY_PROPOSALS],
    credentials: ["basic"],
  };
}

/** The XMTP credential: BasicCredential with identity = MlsCredential{inbox_id}. */
export function xmtpCredential(inboxId: string) {
  return { credentialType: "basic" as const, identity: encodeMlsCredential(inboxId) };
}

/** The leaf's ApplicationId extension: `opaque application_id<V>` of the UTF-8 inbox id. */
export function applicationIdExtension(inboxId: string): Extension {
  return {
    extensionType: "application_id",
    extensionData: encodeOpaque(new TextEncoder().encode(inboxId)),
  };
}

/** OpenMLS's default lifetime: not_before = now − 1 h, not_after = now + 84 days. */
export function keyPackageLifetime(now: Date = new Date()): Lifetime {
  const t = unixSeconds(now);
  return {
    notBefore: BigInt(t - KEY_PACKAGE_LIFETIME_MARGIN_SECONDS),
    notAfter: BigInt(t + KEY_PACKAGE_LIFETIME_SECONDS),
  };
}

function checkIdentity(identity: XmtpIdentity): void {
  const { privateKey, publicKey } = identity.installationKey;
  if (identity.inboxId === "") {
    throw new GroupOperationError("MLS_INVALID_ARGUMENT", "the inbox id is empty");
  }
  let derived: Uint8Array;
  try {
    derived = ed25519PublicKey(privateKey);
  } catch (e) {
    throw new GroupOperationError(
      "MLS_INVALID_ARGUMENT",
      `the installation private key is not a 32-byte Ed25519 seed: ${errorMessage(e)}`,
      { cause: e },
    );
  }
  if (!bytesEqual(derived, publicKey)) {
    throw new GroupOperationError(
      "MLS_INVALID_ARGUMENT",
      "the installation public key does not belong to the installation private key",
    );
  }
}

/** 0xff04: WelcomePointeeEncryptionAeadTypesExtension{supported_aead_types: [CHACHA20_POLY1305]}. */
export function welcomePointeeAeadTypesExtension(): Extension {
  return {
    extensionType: EXTENSION_WELCOME_POINTEE_AEAD_TYPES,
    extensionData: toBinary(
      WelcomePointeeEncryptionAeadTypesExtensionSchema,
      create(WelcomePointeeEncryptionAeadTypesExtensionSchema, {
        supportedAeadTypes: [POINTEE_AEAD_CHACHA20_POLY1305],
      }),
    ),
  };
}

/** 0xff03: WelcomeWrapperEncryption{pub_key = the X-Wing public key, algorithm = XWING (2)}. */
export function welcomeWrapperEncryptionExtension(xwingPublicKey: Uint8Array): Extension {
  return {
    extensionType: EXTENSION_WELCOME_WRAPPER_ENCRYPTION,
    extensionData: toBinary(
      WelcomeWrapperEncryptionSchema,
      create(WelcomeWrapperEncryptionSchema, {
        pubKey: xwingPublicKey,
        algorithm: WrapperAlgorithm.XWingMlKem768Draft6,
      }),
    ),
  };
}

/**
 * A fresh key package for this installation: suite 0x0003, the XMTP credential, the installation
 * key as signature key, leaf extension ApplicationId(inbox id), key-package extensions LastResort,
 * 0xff04 (we read welcome pointers) and 0xff03 (a fresh X-Wing key) in libxmtp 1.9.1's order,
 * explicit capabilities, OpenMLS's default lifetime.
 */
export async function createKeyPackage(
  identity: XmtpIdentity,
  options: { now?: Date } = {},
): Promise<NewKeyPackage> {
  checkIdentity(identity);
  const cs = await xmtpCiphersuite();
  const welcomeWrapperKey = await generateHpkeKeyPair(WrapperAlgorithm.XWingMlKem768Draft6);
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    xmtpCredential(identity.inboxId),
    xmtpCapabilities(),
    keyPackageLifetime(options.now),
    [
      { extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() },
      welcomePointeeAeadTypesExtension(),
      welcomeWrapperEncryptionExtension(welcomeWrapperKey.publicKey),
    ],
    { signKey: identity.installationKey.privateKey, publicKey: identity.installationKey.publicKey },
    cs,
    [applicationIdExtension(identity.inboxId)],
  );
  return {
    keyPackage: publicPackage,
    privateKeyPackage: privatePackage,
    bytes: encodeKeyPackage(publicPackage),
    initKey: publicPackage.initKey,
    welcomeWrapperKey,
  };
}

/** KeyPackageRef (RFC 9420 §5.2): how a Welcome names the key package it was made for. */
export async function keyPackageRef(keyPackage: KeyPackage): Promise<Uint8Array> {
  const cs = await xmtpCiphersuite();
  return makeKeyPackageRef(keyPackage, cs.hash);
}

/** A fetched key package that passed every check, with the XMTP facts it carries. */
export interface VerifiedKeyPackage {
  keyPackage: KeyPackage;
  bytes: Uint8Array;
  inboxId: string;
  /** The leaf signature key, which is the installation id. */
  installationId: Uint8Array;
  initKey: Uint8Array;
  lifetime: Lifetime;
  /** The 0xff03 extension, if present: the key welcomes are wrapped to, with this algorithm. */
  welcomeWrapperEncryption?: { algorithm: number; publicKey: Uint8Array };
  /** Whether 0xff04 lists ChaCha20-Poly1305: the installation can read welcome pointers. */
  supportsWelcomePointers: boolean;
}

function invalid(message: string, cause?: unknown): KeyPackageError {
  return new KeyPackageError(
    "MLS_KEY_PACKAGE_INVALID",
    message,
    cause === undefined ? {} : { cause },
  );
}

/** RFC 9420 default extension types (1..5) need no capability entry. */
const isDefaultExtensionType = (t: number) => t >= 1 && t <= 5;

/**
 * Checks a key package fetched from the network before it may be added to a group: it must
 * decode completely, use MLS 1.0 and suite 0x0003, carry valid leaf and package signatures by the
 * leaf's signature key, have a key_package leaf whose lifetime contains `now`, distinct init and
 * encryption keys, only extensions its capabilities list, and a BasicCredential holding an
 * MlsCredential. Throws KeyPackageError (codes MLS_KEY_PACKAGE_*) otherwise.
 */
export async function validateKeyPackage(
  bytes: Uint8Array,
  options: { now?: Date } = {},
): Promise<VerifiedKeyPackage> {
  let kp: KeyPackage;
  try {
    const decoded = decodeKeyPackage(bytes, 0);
    if (decoded === undefined) throw new Error("the TLS decoder found no KeyPackage");
    if (decoded[1] !== bytes.length) {
      throw new Error(`${bytes.length - decoded[1]} trailing bytes after the KeyPackage`);
    }
    kp = decoded[0];
  } catch (e) {
    throw new KeyPackageError(
      "MLS_KEY_PACKAGE_MALFORMED",
      `the key package does not decode as a TLS KeyPackage: ${errorMessage(e)}`,
      { cause: e },
    );
  }
  if (kp.version !== "mls10") throw invalid(`unsupported protocol version ${kp.version}`);
  if (kp.cipherSuite !== CIPHERSUITE_NAME) {
    throw invalid(`ciphersuite ${kp.cipherSuite} is not XMTP's (0x0003)`);
  }
  const leaf = kp.leafNode;
  if (leaf.leafNodeSource !== "key_package") {
    throw invalid("the leaf node is not of source key_package");
  }
  if (!leaf.capabilities.ciphersuites.includes(CIPHERSUITE_NAME)) {
    throw invalid("the leaf capabilities do not list the key package's ciphersuite");
  }
  const cs = await xmtpCiphersuite();
  let leafOk: boolean;
  let packageOk: boolean;
  try {
    leafOk = await verifyLeafNodeSignatureKeyPackage(leaf, cs.signature);
    packageOk = await verifyKeyPackage(kp, cs.signature);
  } catch (e) {
    throw invalid(`the signatures could not be checked: ${errorMessage(e)}`, e);
  }
  if (!leafOk) throw invalid("the leaf node signature does not verify");
  if (!packageOk) throw invalid("the key package signature does not verify");
  if (bytesEqual(kp.initKey, leaf.hpkePublicKey)) {
    throw invalid("the init key equals the leaf encryption key");
  }
  for (const ext of [...kp.extensions, ...leaf.extensions]) {
    const t = extensionTypeNumber(ext);
    if (!isDefaultExtensionType(t) && !leaf.capabilities.extensions.includes(t)) {
      throw invalid(
        `extension 0x${t.toString(16).padStart(4, "0")} is not listed in the capabilities`,
      );
    }
  }

  const now = BigInt(unixSeconds(options.now ?? new Date()));
  const { notBefore, notAfter } = leaf.lifetime;
  if (notAfter <= now || notBefore > now) {
    throw new KeyPackageError(
      "MLS_KEY_PACKAGE_LIFETIME",
      `the key package is valid from ${notBefore} to ${notAfter} (unix seconds) but now is ${now}; fetch a newer one`,
    );
  }

  const inboxId =
    leaf.credential.credentialType === "basic"
      ? decodeMlsCredential(leaf.credential.identity)
      : undefined;
  if (inboxId === undefined) {
    throw new KeyPackageError(
      "MLS_KEY_PACKAGE_CREDENTIAL",
      "the credential is not a BasicCredential holding an xmtp.identity.MlsCredential with an inbox id",
    );
  }

  const verified: VerifiedKeyPackage = {
    keyPackage: kp,
    bytes: bytes.slice(),
    inboxId,
    installationId: leaf.signaturePublicKey,
    initKey: kp.initKey,
    lifetime: leaf.lifetime,
    supportsWelcomePointers: false,
  };
  const pointees = findExtension(kp.extensions, EXTENSION_WELCOME_POINTEE_AEAD_TYPES);
  if (pointees !== undefined) {
    let types: number[];
    try {
      types = fromBinary(
        WelcomePointeeEncryptionAeadTypesExtensionSchema,
        pointees.extensionData,
      ).supportedAeadTypes;
    } catch (e) {
      throw invalid(
        `the WelcomePointeeEncryptionAeadTypes extension (0xff04) does not decode: ${errorMessage(e)}`,
        e,
      );
    }
    verified.supportsWelcomePointers = types.includes(POINTEE_AEAD_CHACHA20_POLY1305);
  }
  const wrapper = findExtension(kp.extensions, EXTENSION_WELCOME_WRAPPER_ENCRYPTION);
  if (wrapper !== undefined) {
    let w: { algorithm: number; pubKey: Uint8Array };
    try {
      w = fromBinary(WelcomeWrapperEncryptionSchema, wrapper.extensionData);
    } catch (e) {
      throw invalid(
        `the WelcomeWrapperEncryption extension (0xff03) does not decode: ${errorMessage(e)}`,
        e,
      );
    }
    // libxmtp refuses SYMMETRIC_KEY (3) here; an unknown algorithm means Curve25519 to pub_key.
    if (w.algorithm === 3) throw invalid("the 0xff03 extension names SYMMETRIC_KEY (3)");
    // A key no welcome can be wrapped to would fail the whole add after its commit is merged
    // (libxmtp lets it through); refused here, the installation is left out instead.
    if (w.algorithm === WrapperAlgorithm.XWingMlKem768Draft6 && !isValidXWingPublicKey(w.pubKey)) {
      throw invalid("the X-Wing key of the 0xff03 extension is not a valid X-Wing public key");
    }
    verified.welcomeWrapperEncryption = { algorithm: w.algorithm, publicKey: w.pubKey };
  }
  return verified;
}
