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

/** Who a welcome goes to: the installation and the key its welcome is wrapped to. */
export interface WelcomeRecipient {
  installationId: Uint8Array;
  /** The key package's init key (Curve25519 wrapping). */
  initKey: Uint8Array;
}

/** One `WelcomeMessageInput.V1`, ready for SendWelcomeMessages. */
export interface WrappedWelcome {
  installationKey: Uint8Array;
  /** TLS HpkeCiphertext{kem_output, ciphertext} of the welcome MLSMessage. */
  data: Uint8Array;
  /** The exact public key used; the recipient finds its private key with it. */
  hpkePublicKey: Uint8Array;
  /** WelcomeWrapperAlgorithm: 1 = CURVE25519. */
  wrapperAlgorithm: number;
  /** WelcomeMetadata{message_cursor}, sealed second in the same HPKE context. */
  welcomeMetadata: Uint8Array;
}

/**
 * Wraps a welcome for one recipient. We always use Curve25519 to the key package's init key:
 * libxmtp's fallback when a key package has no 0xff03 extension, which libxmtp 1.5.4 and 1.9.1
 * accept even when they did advertise an X-Wing key. `messageCursor` is the server id of the
 * commit that added the recipient (so it starts reading after it).
 */
export async function wrapWelcome(
  welcomeMessage: Uint8Array,
  recipient: WelcomeRecipient,
  messageCursor: bigint,
): Promise<WrappedWelcome> {
  const metadata = toBinary(
    WelcomeMetadataSchema,
    create(WelcomeMetadataSchema, { messageCursor }),
  );
  const sealed = await hpkeSeal({
    payload: welcomeMessage,
    secondaryPayload: metadata,
    publicKey: recipient.initKey,
    algorithm: WrapperAlgorithm.Curve25519,
  });
  return {
    installationKey: recipient.installationId,
    data: sealed.wrapped,
    hpkePublicKey: recipient.initKey,
    wrapperAlgorithm: WrapperAlgorithm.Curve25519,
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
 * Curve25519, the init private key of our key package).
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
      `welcome wrapper algorithm ${input.wrapperAlgorithm} is not an HPKE wrapping (welcome pointers are not supported yet)`,
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
  let messageCursor = 0n;
  if (opened.secondaryPayload.length > 0) {
    try {
      messageCursor = fromBinary(WelcomeMetadataSchema, opened.secondaryPayload).messageCursor;
    } catch (e) {
      throw new WelcomeError("MLS_WELCOME_MALFORMED", "the welcome metadata does not decode", {
        cause: e,
      });
    }
  }
  return { welcomeMessage: opened.payload, messageCursor };
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
