// XMTP's MLS parameters, as libxmtp 1.5.4 and 1.9.1 use them (crates xmtp_configuration,
// xmtp_cryptography, xmtp_mls/src/groups/mod.rs). Everything that ends up on the wire is named here.
import {
  type CiphersuiteName,
  type ClientConfig,
  defaultAuthenticationService,
  defaultKeyPackageEqualityConfig,
  defaultLifetimeConfig,
} from "ts-mls";

/** libxmtp's only group ciphersuite (0x0003). */
export const CIPHERSUITE_NAME: CiphersuiteName =
  "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519";
export const CIPHERSUITE_ID = 0x0003;

/** RFC 9420 extension types libxmtp uses. */
export const EXTENSION_APPLICATION_ID = 0x0001;
export const EXTENSION_REQUIRED_CAPABILITIES = 0x0003;
export const EXTENSION_LAST_RESORT = 0x000a;
/** XMTP's fork of OpenMLS: ImmutableMetadata, TLS `opaque<V>` wrapping GroupMetadataV1. */
export const EXTENSION_IMMUTABLE_METADATA = 0xf000;
export const EXTENSION_MUTABLE_METADATA = 0xff00;
export const EXTENSION_GROUP_MEMBERSHIP = 0xff01;
export const EXTENSION_GROUP_PERMISSIONS = 0xff02;
/** Key-package extension: the X-Wing key welcomes (and welcome pointers) are wrapped to. */
export const EXTENSION_WELCOME_WRAPPER_ENCRYPTION = 0xff03;
/** Key-package extension: the AEADs of welcome-pointer pointees this installation can open. */
export const EXTENSION_WELCOME_POINTEE_AEAD_TYPES = 0xff04;
/** WelcomePointeeEncryptionAeadType CHACHA20_POLY1305 (OpenMLS's AeadType number). */
export const POINTEE_AEAD_CHACHA20_POLY1305 = 3;
/**
 * libxmtp's INSTALLATION_THRESHOLD_FOR_WELCOME_POINTER_SENDING: pointers are used when more than
 * this many recipient installations can read them.
 */
export const WELCOME_POINTER_THRESHOLD = 2;

export const PROPOSAL_GROUP_CONTEXT_EXTENSIONS = 7;

/**
 * The capabilities of our leaf nodes: libxmtp 1.9.1's list in its order
 * (`XmtpKeyPackageBuilder::build`; newer libxmtp adds AppDataDictionary 6, which we do not
 * support); versions and credentials are OpenMLS's defaults (mls10, basic). No GREASE.
 */
export const LEAF_CAPABILITY_EXTENSIONS: readonly number[] = [
  EXTENSION_LAST_RESORT,
  EXTENSION_APPLICATION_ID,
  EXTENSION_GROUP_PERMISSIONS,
  EXTENSION_MUTABLE_METADATA,
  EXTENSION_GROUP_MEMBERSHIP,
  EXTENSION_WELCOME_WRAPPER_ENCRYPTION,
  EXTENSION_WELCOME_POINTEE_AEAD_TYPES,
  EXTENSION_IMMUTABLE_METADATA,
];
export const LEAF_CAPABILITY_PROPOSALS: readonly number[] = [PROPOSAL_GROUP_CONTEXT_EXTENSIONS];

/** The group's required_capabilities, in libxmtp's order (`build_group_config`). */
export const REQUIRED_EXTENSION_TYPES: readonly number[] = [
  EXTENSION_GROUP_MEMBERSHIP,
  EXTENSION_MUTABLE_METADATA,
  EXTENSION_GROUP_PERMISSIONS,
  EXTENSION_IMMUTABLE_METADATA,
  EXTENSION_LAST_RESORT,
  EXTENSION_APPLICATION_ID,
];
export const REQUIRED_PROPOSAL_TYPES: readonly number[] = [PROPOSAL_GROUP_CONTEXT_EXTENSIONS];

/** OpenMLS default key-package lifetime: 3 × 28 days, starting one hour in the past. */
export const KEY_PACKAGE_LIFETIME_SECONDS = 60 * 60 * 24 * 28 * 3;
export const KEY_PACKAGE_LIFETIME_MARGIN_SECONDS = 60 * 60;

/** libxmtp MAX_PAST_EPOCHS and OpenMLS's default sender ratchet configuration. */
export const MAX_PAST_EPOCHS = 3;
export const OUT_OF_ORDER_TOLERANCE = 5;
export const MAXIMUM_FORWARD_DISTANCE = 1000;

/**
 * ts-mls settings that reproduce libxmtp's group config: retain 3 past epochs, 5 out-of-order
 * generations, 1000 forward steps; no padding (OpenMLS default 0); lifetimes of leaves in trees
 * are not checked on receive (old members legitimately keep expired key-package leaves; fetched
 * key packages are checked by `validateKeyPackage` instead).
 */
export const XMTP_CLIENT_CONFIG: ClientConfig = {
  keyRetentionConfig: {
    retainKeysForEpochs: MAX_PAST_EPOCHS,
    retainKeysForGenerations: OUT_OF_ORDER_TOLERANCE,
    maximumForwardRatchetSteps: MAXIMUM_FORWARD_DISTANCE,
  },
  lifetimeConfig: { ...defaultLifetimeConfig, validateLifetimeOnReceive: false },
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: { kind: "alwaysPad", paddingLength: 0 },
  authService: defaultAuthenticationService,
};

/** libxmtp's HMAC-key constants (`mls_sync.rs::hmac_keys`). */
export const HMAC_SALT = "libXMTP HKDF salt!";
export const HMAC_KEY_LENGTH = 42;
export const HMAC_EPOCH_SECONDS = 60 * 60 * 24 * 30;

/** `info` of the HPKE welcome wrapper: TLS EncryptContext{label<V> "MLS 1.0 MLS_WELCOME", context<V> ""}. */
export const WELCOME_HPKE_LABEL = "MLS_WELCOME";
