// Welcomes: HPKE wrapping for each new member (libxmtp `wrap_welcome`, `send_welcomes`), and
// unwrapping plus joining on the receiving side (libxmtp `unwrap_welcome`, `DecryptedWelcome`).
import {
  CryptoError,
  unwrapWelcome as hpkeOpen,
  wrapWelcome as hpkeSeal,
  WrapperAlgorithm,
} from "@x/crypto";
import { create, fromBinary, toBinary } from "@x/proto";
import { WelcomeMetadataSchema } from "@x/proto/mls/api/v1";
import {
  type ClientState,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  joinGroup,
  type KeyPackage,
  type PrivateKeyPackage,
  type Welcome,
} from "ts-mls";
import { xmtpCiphersuite } from "./ciphersuite.js";
import { XMTP_CLIENT_CONFIG } from "./constants.js";
import { errorMessage, WelcomeError } from "./errors.js";
import { readGroupExtensions } from "./extensions.js";
import { keyPackageRef } from "./key-package.js";
import { bytesEqual } from "./tls.js";

export { WrapperAlgorithm };

/** TLS `MLSMessage{mls10, mls_welcome}`: what gets HPKE-wrapped for each new member. */
export function encodeWelcomeMessage(welcome: Welcome): Uint8Array {
  return encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome });
}

/** Who a welcome goes to: the installation and the keys of its key package. */
export interface WelcomeRecipient {
  installationId: Uint8Array;
  /** The key package's init key (Curve25519 wrapping when there is no 0xff03 extension). */
  initKey: Uint8Array;
  /** The key package's 0xff03 extension: wrap to this key with this algorithm. */
  wrapper?: { algorithm: number; publicKey: Uint8Array } | undefined;
  /** The key package's 0xff04 lists ChaCha20-Poly1305: it can read welcome pointers. */
  supportsWelcomePointers?: boolean | undefined;
}

/**
 * The key and algorithm a recipient's welcome is wrapped with (libxmtp's
 * `Installation::from_verified_key_package`): the 0xff03 key (X-Wing for algorithm 2, Curve25519
 * for anything else), else Curve25519 to the init key.
 */
export function wrapperOf(recipient: WelcomeRecipient): {
  algorithm: WrapperAlgorithm;
  publicKey: Uint8Array;
} {
  const w = recipient.wrapper;
  if (w === undefined) {
    return { algorithm: WrapperAlgorithm.Curve25519, publicKey: recipient.initKey };
  }
  return {
    algorithm:
      w.algorithm === WrapperAlgorithm.XWingMlKem768Draft6
        ? WrapperAlgorithm.XWingMlKem768Draft6
        : WrapperAlgorithm.Curve25519,
    publicKey: w.publicKey,
  };
}

/** One `WelcomeMessageInput.V1`, ready for SendWelcomeMessages. */
export interface WrappedWelcome {
  installationKey: Uint8Array;
  /** TLS HpkeCiphertext{kem_output, ciphertext} of the welcome MLSMessage. */
  data: Uint8Array;
  /** The exact public key used; the recipient finds its private key with it. */
  hpkePublicKey: Uint8Array;
  /** WelcomeWrapperAlgorithm: 1 = CURVE25519, 2 = XWING_MLKEM_768_DRAFT_6. */
  wrapperAlgorithm: number;
  /** WelcomeMetadata{message_cursor}, sealed second in the same HPKE context. */
  welcomeMetadata: Uint8Array;
}

/** WelcomeMetadata{message_cursor}: what the joiner reads the group from. */
export function encodeWelcomeMetadata(messageCursor: bigint): Uint8Array {
  return toBinary(WelcomeMetadataSchema, create(WelcomeMetadataSchema, { messageCursor }));
}

/**
 * Wraps a welcome for one recipient as libxmtp does (`wrapperOf`: X-Wing to the 0xff03 key when
 * the key package has one, else Curve25519 to the init key). `messageCursor` is the server id of
 * the commit that added the recipient (so it starts reading after it).
 */
export async function wrapWelcome(
  welcomeMessage: Uint8Array,
  recipient: WelcomeRecipient,
  messageCursor: bigint,
): Promise<WrappedWelcome> {
  const { algorithm, publicKey } = wrapperOf(recipient);
  const sealed = await hpkeSeal({
    payload: welcomeMessage,
    secondaryPayload: encodeWelcomeMetadata(messageCursor),
    publicKey,
    algorithm,
  });
  return {
    installationKey: recipient.installationId,
    data: sealed.wrapped,
    hpkePublicKey: publicKey,
    wrapperAlgorithm: algorithm,
    welcomeMetadata: sealed.wrappedSecondary,
  };
}

export interface UnwrappedWelcome {
  /** The welcome MLSMessage bytes. */
  welcomeMessage: Uint8Array;
  /** WelcomeMetadata.message_cursor; 0 when the sender sent no metadata. */
  messageCursor: bigint;
}

/**
 * Opens a `WelcomeMessage.V1` with the private key matching its `hpke_public_key` (for
 * Curve25519, the init private key of our key package; for X-Wing, its 0xff03 private key).
 */
export async function unwrapWelcome(input: {
  data: Uint8Array;
  welcomeMetadata: Uint8Array;
  wrapperAlgorithm: number;
  privateKey: Uint8Array;
}): Promise<UnwrappedWelcome> {
  if (
    input.wrapperAlgorithm !== WrapperAlgorithm.Curve25519 &&
    input.wrapperAlgorithm !== WrapperAlgorithm.XWingMlKem768Draft6
  ) {
    throw new WelcomeError(
      "MLS_WELCOME_MALFORMED",
      `welcome wrapper algorithm ${input.wrapperAlgorithm} is not an HPKE wrapping (1 or 2); SYMMETRIC_KEY (3) welcomes are reached through a welcome pointer only`,
    );
  }
  let opened: { payload: Uint8Array; secondaryPayload: Uint8Array };
  try {
    opened = await hpkeOpen({
      wrapped: input.data,
      wrappedSecondary: input.welcomeMetadata,
      privateKey: input.privateKey,
      algorithm: input.wrapperAlgorithm as WrapperAlgorithm,
    });
  } catch (e) {
    const malformed = e instanceof CryptoError && e.code === "CRYPTO_MALFORMED_CIPHERTEXT";
    throw new WelcomeError(
      malformed ? "MLS_WELCOME_MALFORMED" : "MLS_WELCOME_DECRYPT_FAILED",
      malformed
        ? `the welcome is not a TLS HpkeCiphertext: ${errorMessage(e)}`
        : `the welcome could not be decrypted with this key (it is for another key package, or was changed): ${errorMessage(e)}`,
      { cause: e },
    );
  }
  return {
    welcomeMessage: opened.payload,
    messageCursor: decodeWelcomeMetadata(opened.secondaryPayload),
  };
}

/** WelcomeMetadata.message_cursor; 0 when there is no metadata. */
export function decodeWelcomeMetadata(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  try {
    return fromBinary(WelcomeMetadataSchema, bytes).messageCursor;
  } catch (e) {
    throw new WelcomeError("MLS_WELCOME_MALFORMED", "the welcome metadata does not decode", {
      cause: e,
    });
  }
}

/** Parses a welcome MLSMessage; throws WelcomeError(MLS_WELCOME_MALFORMED) for anything else. */
export function decodeWelcomeMessage(bytes: Uint8Array): Welcome {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (e) {
    throw new WelcomeError("MLS_WELCOME_MALFORMED", "the welcome is not an MLSMessage", {
      cause: e,
    });
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new WelcomeError("MLS_WELCOME_MALFORMED", "the welcome is not exactly one MLSMessage");
  }
  const msg = decoded[0];
  if (msg.wireformat !== "mls_welcome") {
    throw new WelcomeError(
      "MLS_WELCOME_MALFORMED",
      `expected an mls_welcome, got ${msg.wireformat}`,
    );
  }
  return msg.welcome;
}

/**
 * Joins a group from an unwrapped welcome with the key package it was made for. Checks that the
 * welcome names that key package and that the group carries XMTP's extensions. The ratchet tree
 * comes from the welcome's ratchet_tree extension (libxmtp always sends it).
 */
export async function joinGroupFromWelcome(input: {
  welcomeMessage: Uint8Array;
  keyPackage: KeyPackage;
  privateKeyPackage: PrivateKeyPackage;
}): Promise<ClientState> {
  const welcome = decodeWelcomeMessage(input.welcomeMessage);
  const ref = await keyPackageRef(input.keyPackage);
  if (!welcome.secrets.some((s) => bytesEqual(s.newMember, ref))) {
    throw new WelcomeError(
      "MLS_WELCOME_NOT_FOR_US",
      "the welcome has no group secrets for this key package; it was made for someone else",
    );
  }
  const cs = await xmtpCiphersuite();
  let state: ClientState;
  try {
    state = await joinGroup(
      welcome,
      input.keyPackage,
      input.privateKeyPackage,
      emptyPskIndex,
      cs,
      undefined,
      undefined,
      XMTP_CLIENT_CONFIG,
    );
  } catch (e) {
    throw new WelcomeError(
      "MLS_WELCOME_INVALID",
      `joining from the welcome failed: ${errorMessage(e)}`,
      {
        cause: e,
      },
    );
  }
  try {
    readGroupExtensions(state.groupContext.extensions);
  } catch (e) {
    throw new WelcomeError(
      "MLS_WELCOME_INVALID",
      `the welcome's group is not a valid XMTP group: ${errorMessage(e)}`,
      { cause: e },
    );
  }
  return state;
}
