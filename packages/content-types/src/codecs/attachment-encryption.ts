// Encryption of remote attachments, as xmtp-js and libxmtp do it:
//   key     = HKDF-SHA256(ikm = secret (32 random bytes), salt = 32 random bytes, info = empty, L = 32)
//   payload = AES-256-GCM(key, nonce = 12 random bytes, no associated data): ciphertext ‖ 16-byte tag
//   digest  = lowercase hex SHA-256(payload)
// The plaintext is the EncodedContent protobuf of the attachment. Web Crypto only, so it runs in
// browsers and Node alike (and is therefore async).
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { type EncodedContent, EncodedContentSchema } from "@x/proto/mls/message_contents";
import { toHex } from "../bytes.js";
import {
  AttachmentDecryptionError,
  AttachmentDigestMismatchError,
  ContentDecodeError,
  ContentEncodeError,
} from "../errors.js";
import { type Attachment, AttachmentCodec } from "./attachment.js";
import { isU32, type RemoteAttachment } from "./remote-attachment.js";

export const SECRET_SIZE = 32;
export const HKDF_SALT_SIZE = 32;
export const AES_GCM_NONCE_SIZE = 12;
export const AES_GCM_TAG_SIZE = 16;

/** An encrypted payload to upload, and what a RemoteAttachment needs to point at it. */
export interface EncryptedContent {
  /** The bytes to upload. */
  payload: Uint8Array;
  /** Lowercase hex SHA-256 of `payload`. */
  contentDigest: string;
  secret: Uint8Array;
  salt: Uint8Array;
  nonce: Uint8Array;
  /** `payload.length`. */
  contentLength: number;
}

export interface EncryptedAttachment extends EncryptedContent {
  filename?: string | undefined;
}

/** The fields of a RemoteAttachment that decryption needs. */
export type RemoteAttachmentKeys = Pick<
  RemoteAttachment,
  "contentDigest" | "secret" | "salt" | "nonce"
>;

const attachmentCodec = new AttachmentCodec();

/** Encrypts any EncodedContent for remote storage with a fresh secret, salt and nonce. */
export async function encryptEncodedContent(encoded: EncodedContent): Promise<EncryptedContent> {
  const secret = randomBytes(SECRET_SIZE);
  const salt = randomBytes(HKDF_SALT_SIZE);
  const nonce = randomBytes(AES_GCM_NONCE_SIZE);
  const payload = await encryptPayload(
    toBinary(EncodedContentSchema, encoded),
    secret,
    salt,
    nonce,
  );
  if (!isU32(payload.length)) {
    throw new ContentEncodeError(`attachment of ${payload.length} bytes exceeds the 4 GiB limit`);
  }
  return {
    payload,
    contentDigest: toHex(await sha256(payload)),
    secret,
    salt,
    nonce,
    contentLength: payload.length,
  };
}

/** Encrypts an attachment (its `xmtp.org/attachment:1.0` EncodedContent) for remote storage. */
export async function encryptAttachment(attachment: Attachment): Promise<EncryptedAttachment> {
  const encrypted = await encryptEncodedContent(attachmentCodec.encode(attachment));
  return { ...encrypted, filename: attachment.filename };
}

/**
 * Checks the digest of a downloaded payload, decrypts it and decodes the EncodedContent inside.
 * Throws AttachmentDigestMismatchError, AttachmentDecryptionError or ContentDecodeError.
 */
export async function decryptEncodedContent(
  payload: Uint8Array,
  keys: RemoteAttachmentKeys,
): Promise<EncodedContent> {
  const digest = toHex(await sha256(payload));
  if (digest !== keys.contentDigest)
    throw new AttachmentDigestMismatchError(keys.contentDigest, digest);
  if (keys.salt.length !== HKDF_SALT_SIZE) {
    throw new AttachmentDecryptionError(
      `invalid salt length: expected ${HKDF_SALT_SIZE} bytes, got ${keys.salt.length}`,
    );
  }
  if (keys.nonce.length !== AES_GCM_NONCE_SIZE) {
    throw new AttachmentDecryptionError(
      `invalid nonce length: expected ${AES_GCM_NONCE_SIZE} bytes, got ${keys.nonce.length}`,
    );
  }
  const plaintext = await decryptPayload(payload, keys.secret, keys.salt, keys.nonce);
  try {
    return fromBinary(EncodedContentSchema, plaintext);
  } catch (cause) {
    throw new ContentDecodeError(
      "decrypted remote content is not a valid EncodedContent protobuf",
      cause,
    );
  }
}

/** Decrypts a remote attachment payload into the Attachment it holds. */
export async function decryptAttachment(
  payload: Uint8Array,
  keys: RemoteAttachmentKeys,
): Promise<Attachment> {
  return attachmentCodec.decode(await decryptEncodedContent(payload, keys));
}

/** AES-256-GCM with the HKDF-derived key; exported for tests with fixed salt and nonce. */
export async function encryptPayload(
  plaintext: Uint8Array,
  secret: Uint8Array,
  salt: Uint8Array,
  nonce: Uint8Array,
): Promise<Uint8Array> {
  const key = await deriveKey(secret, salt);
  const sealed = await subtle().encrypt(
    { name: "AES-GCM", iv: buffer(nonce) },
    key,
    buffer(plaintext),
  );
  return new Uint8Array(sealed);
}

async function decryptPayload(
  payload: Uint8Array,
  secret: Uint8Array,
  salt: Uint8Array,
  nonce: Uint8Array,
): Promise<Uint8Array> {
  try {
    const key = await deriveKey(secret, salt);
    const opened = await subtle().decrypt(
      { name: "AES-GCM", iv: buffer(nonce) },
      key,
      buffer(payload),
    );
    return new Uint8Array(opened);
  } catch (cause) {
    throw new AttachmentDecryptionError(
      "remote attachment payload does not decrypt with this secret, salt and nonce (wrong keys or tampered payload)",
      cause,
    );
  }
}

async function deriveKey(secret: Uint8Array, salt: Uint8Array) {
  const ikm = await subtle().importKey("raw", buffer(secret), "HKDF", false, ["deriveKey"]);
  return subtle().deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: buffer(salt), info: new Uint8Array(0) },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest("SHA-256", buffer(bytes)));
}

function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s)
    throw new ContentEncodeError("Web Crypto (globalThis.crypto.subtle) is not available here");
  return s;
}

/** A copy backed by a plain ArrayBuffer, which Web Crypto's types ask for. */
function buffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
