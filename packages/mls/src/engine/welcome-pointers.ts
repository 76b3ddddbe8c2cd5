// Welcome pointers, as libxmtp 1.9.1 sends and reads them (xmtp_mls/src/groups/mls_sync.rs
// `send_welcomes`, mls_ext/decrypted_welcome.rs, welcome_pointer.rs). When a commit's welcome goes
// to more than WELCOME_POINTER_THRESHOLD installations that can read pointers, it is encrypted
// once with a random ChaCha20-Poly1305 key and published as a "pointee" V1 welcome
// (wrapper_algorithm SYMMETRIC_KEY, hpke_public_key empty) to a random 32-byte topic; each such
// installation gets a small WelcomePointer{destination, key, nonces}, HPKE-wrapped to its X-Wing
// key. The others get ordinary welcomes.
import {
  bytesEqual,
  CryptoError,
  decryptSymmetric,
  encryptSymmetric,
  unwrapWelcome as hpkeOpen,
  wrapWelcome as hpkeSeal,
  randomBytes,
  WrapperAlgorithm,
} from "@x/crypto";
import { create, fromBinary, toBinary } from "@x/proto";
import {
  type WelcomeMessage,
  type WelcomeMessageInput,
  WelcomeMessageInputSchema,
} from "@x/proto/mls/api/v1";
import {
  type WelcomePointer,
  WelcomePointerSchema,
  WelcomePointerWrapperAlgorithm,
  WelcomeWrapperAlgorithm,
} from "@x/proto/mls/message_contents";
import { POINTEE_AEAD_CHACHA20_POLY1305, WELCOME_POINTER_THRESHOLD } from "./constants.js";
import { errorMessage, WelcomeError } from "./errors.js";
import {
  decodeWelcomeMetadata,
  encodeWelcomeMetadata,
  type UnwrappedWelcome,
  type WelcomeRecipient,
  wrapperOf,
  wrapWelcome,
} from "./welcome.js";

const DESTINATION_LENGTH = 32;
const KEY_LENGTH = 32;
const NONCE_LENGTH = 12;

/** A WelcomePointer's V1 content, checked: where the pointee is and how to decrypt it. */
export interface DecryptedWelcomePointer {
  /** The welcome topic (a random 32-byte "installation key") holding the pointee. */
  destination: Uint8Array;
  /** Always ChaCha20-Poly1305 (3). */
  aeadType: number;
  /** 32 bytes */
  encryptionKey: Uint8Array;
  /** 12 bytes, for the pointee's data */
  dataNonce: Uint8Array;
  /** 12 bytes, for the pointee's welcome_metadata */
  welcomeMetadataNonce: Uint8Array;
}

function invalid(message: string, cause?: unknown): WelcomeError {
  return new WelcomeError(
    "MLS_WELCOME_POINTER_INVALID",
    message,
    cause === undefined ? {} : { cause },
  );
}

/** The pointer as the `WelcomePointer` proto (what is wrapped, and what a task keeps). */
export function welcomePointerProto(p: DecryptedWelcomePointer): WelcomePointer {
  return create(WelcomePointerSchema, {
    version: {
      case: "welcomeV1Pointer",
      value: {
        destination: p.destination,
        aeadType: p.aeadType,
        encryptionKey: p.encryptionKey,
        dataNonce: p.dataNonce,
        welcomeMetadataNonce: p.welcomeMetadataNonce,
      },
    },
  });
}

/** Checks a `WelcomePointer` proto; MLS_WELCOME_POINTER_INVALID unless it is a usable V1 pointer. */
export function checkWelcomePointer(proto: WelcomePointer): DecryptedWelcomePointer {
  if (proto.version.case !== "welcomeV1Pointer") {
    throw invalid("the welcome pointer has no V1 pointer");
  }
  const v = proto.version.value;
  if (v.destination.length !== DESTINATION_LENGTH) {
    throw invalid(`the pointer's destination has ${v.destination.length} bytes, not 32`);
  }
  if (v.aeadType !== POINTEE_AEAD_CHACHA20_POLY1305) {
    throw invalid(`the pointer's AEAD type ${v.aeadType} is not ChaCha20-Poly1305 (3)`);
  }
  if (v.encryptionKey.length !== KEY_LENGTH) throw invalid("the pointer's key is not 32 bytes");
  if (v.dataNonce.length !== NONCE_LENGTH || v.welcomeMetadataNonce.length !== NONCE_LENGTH) {
    throw invalid("the pointer's nonces are not 12 bytes each");
  }
  return {
    destination: v.destination,
    aeadType: v.aeadType,
    encryptionKey: v.encryptionKey,
    dataNonce: v.dataNonce,
    welcomeMetadataNonce: v.welcomeMetadataNonce,
  };
}

export function encodeWelcomePointer(p: DecryptedWelcomePointer): Uint8Array {
  return toBinary(WelcomePointerSchema, welcomePointerProto(p));
}

export function decodeWelcomePointer(bytes: Uint8Array): DecryptedWelcomePointer {
  let proto: WelcomePointer;
  try {
    proto = fromBinary(WelcomePointerSchema, bytes);
  } catch (e) {
    throw invalid(`the welcome pointer does not decode: ${errorMessage(e)}`, e);
  }
  return checkWelcomePointer(proto);
}

/**
 * Opens a received `WelcomeMessage.WelcomePointer` with our X-Wing private key (the one of the
 * key package its `hpke_public_key` names). Pointers are X-Wing only; the HPKE wrapping is the
 * welcome's (same suite and info), with no second payload.
 */
export async function openWelcomePointer(input: {
  welcomePointer: Uint8Array;
  wrapperAlgorithm: number;
  privateKey: Uint8Array;
}): Promise<DecryptedWelcomePointer> {
  if (input.wrapperAlgorithm !== WelcomePointerWrapperAlgorithm.XWING_MLKEM_768_DRAFT_6) {
    throw invalid(`welcome pointer wrapper algorithm ${input.wrapperAlgorithm} is not X-Wing (2)`);
  }
  let opened: Uint8Array;
  try {
    opened = (
      await hpkeOpen({
        wrapped: input.welcomePointer,
        privateKey: input.privateKey,
        algorithm: WrapperAlgorithm.XWingMlKem768Draft6,
      })
    ).payload;
  } catch (e) {
    const malformed = e instanceof CryptoError && e.code === "CRYPTO_MALFORMED_CIPHERTEXT";
    throw new WelcomeError(
      malformed ? "MLS_WELCOME_POINTER_INVALID" : "MLS_WELCOME_DECRYPT_FAILED",
      `the welcome pointer could not be opened with our X-Wing key: ${errorMessage(e)}`,
      { cause: e },
    );
  }
  return decodeWelcomePointer(opened);
}

/**
 * The welcome behind a pointer, from the first message on its destination topic: it must be a
 * V1 welcome of wrapper algorithm SYMMETRIC_KEY (another pointer is refused, as libxmtp does),
 * whose data and metadata open under the pointer's key and nonces (empty AAD).
 */
export function openPointee(
  pointee: WelcomeMessage,
  pointer: DecryptedWelcomePointer,
): UnwrappedWelcome {
  if (pointee.version.case !== "v1") {
    throw invalid(
      `the pointer's destination holds a ${pointee.version.case ?? "empty message"}, not a V1 welcome`,
    );
  }
  const v1 = pointee.version.value;
  if (v1.wrapperAlgorithm !== WelcomeWrapperAlgorithm.SYMMETRIC_KEY) {
    throw invalid(
      `the pointee's wrapper algorithm is ${v1.wrapperAlgorithm}, not SYMMETRIC_KEY (3)`,
    );
  }
  const open = (data: Uint8Array, nonce: Uint8Array, what: string) => {
    try {
      return decryptSymmetric({
        aeadType: POINTEE_AEAD_CHACHA20_POLY1305,
        key: pointer.encryptionKey,
        nonce,
        data,
      });
    } catch (e) {
      throw new WelcomeError(
        "MLS_WELCOME_DECRYPT_FAILED",
        `the pointee's ${what} does not open with the pointer's key: ${errorMessage(e)}`,
        { cause: e },
      );
    }
  };
  const welcomeMessage = open(v1.data, pointer.dataNonce, "welcome");
  const metadata =
    v1.welcomeMetadata.length === 0
      ? new Uint8Array()
      : open(v1.welcomeMetadata, pointer.welcomeMetadataNonce, "metadata");
  return { welcomeMessage, messageCursor: decodeWelcomeMetadata(metadata) };
}

/** A recipient counts for pointers when it reads ChaCha20-Poly1305 pointees and has an X-Wing key. */
export function readsWelcomePointers(r: WelcomeRecipient): boolean {
  return (
    r.supportsWelcomePointers === true &&
    wrapperOf(r).algorithm === WrapperAlgorithm.XWingMlKem768Draft6
  );
}

function v1Input(v: {
  installationKey: Uint8Array;
  data: Uint8Array;
  hpkePublicKey: Uint8Array;
  wrapperAlgorithm: number;
  welcomeMetadata: Uint8Array;
}): WelcomeMessageInput {
  return create(WelcomeMessageInputSchema, { version: { case: "v1", value: v } });
}

/** A fresh pointer: random destination, key and two different nonces. */
function newPointer(): DecryptedWelcomePointer {
  const dataNonce = randomBytes(NONCE_LENGTH);
  let welcomeMetadataNonce = randomBytes(NONCE_LENGTH);
  while (bytesEqual(welcomeMetadataNonce, dataNonce)) welcomeMetadataNonce = randomBytes(12);
  return {
    destination: randomBytes(DESTINATION_LENGTH),
    aeadType: POINTEE_AEAD_CHACHA20_POLY1305,
    encryptionKey: randomBytes(KEY_LENGTH),
    dataNonce,
    welcomeMetadataNonce,
  };
}

/**
 * The SendWelcomeMessages inputs for one commit's welcome: with more than
 * WELCOME_POINTER_THRESHOLD pointer readers, the pointee first, then a pointer for each reader and
 * an ordinary welcome for everyone else; otherwise ordinary welcomes only. `messageCursor` is the
 * commit's server id (WelcomeMetadata).
 */
export async function buildWelcomeMessages(
  welcomeMessage: Uint8Array,
  recipients: readonly WelcomeRecipient[],
  messageCursor: bigint,
): Promise<WelcomeMessageInput[]> {
  const readers = recipients.filter(readsWelcomePointers);
  const ordinary = (r: WelcomeRecipient) =>
    wrapWelcome(welcomeMessage, r, messageCursor).then(v1Input);
  if (readers.length <= WELCOME_POINTER_THRESHOLD) return Promise.all(recipients.map(ordinary));

  const pointer = newPointer();
  const seal = (data: Uint8Array, nonce: Uint8Array) =>
    encryptSymmetric({
      aeadType: POINTEE_AEAD_CHACHA20_POLY1305,
      key: pointer.encryptionKey,
      nonce,
      data,
    });
  const pointee = v1Input({
    installationKey: pointer.destination,
    data: seal(welcomeMessage, pointer.dataNonce),
    hpkePublicKey: new Uint8Array(),
    wrapperAlgorithm: WelcomeWrapperAlgorithm.SYMMETRIC_KEY,
    welcomeMetadata: seal(encodeWelcomeMetadata(messageCursor), pointer.welcomeMetadataNonce),
  });
  const pointerBytes = encodeWelcomePointer(pointer);
  const pointerTo = async (r: WelcomeRecipient): Promise<WelcomeMessageInput> => {
    const { publicKey } = wrapperOf(r);
    const { wrapped } = await hpkeSeal({
      payload: pointerBytes,
      publicKey,
      algorithm: WrapperAlgorithm.XWingMlKem768Draft6,
    });
    return create(WelcomeMessageInputSchema, {
      version: {
        case: "welcomePointer",
        value: {
          installationKey: r.installationId,
          welcomePointer: wrapped,
          hpkePublicKey: publicKey,
          wrapperAlgorithm: WelcomePointerWrapperAlgorithm.XWING_MLKEM_768_DRAFT_6,
        },
      },
    });
  };
  const rest = await Promise.all(
    recipients.map((r) => (readsWelcomePointers(r) ? pointerTo(r) : ordinary(r))),
  );
  return [pointee, ...rest];
}
