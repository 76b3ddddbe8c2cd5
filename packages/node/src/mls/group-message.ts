// What the node reads from a group message: the MLS framing only (RFC 9420 §6), as the real
// node's validation service does. No signature, epoch or membership checks: those belong to the
// group members.
import { TlsDecodeError, TlsReader } from "./tls.js";

export const MLS_VERSION_10 = 1;
export const WIRE_FORMAT_PUBLIC_MESSAGE = 1;
export const WIRE_FORMAT_PRIVATE_MESSAGE = 2;
export const CONTENT_APPLICATION = 1;
export const CONTENT_PROPOSAL = 2;
export const CONTENT_COMMIT = 3;

export interface GroupMessageInfo {
  groupId: Uint8Array;
  epoch: bigint;
  /** Commit or proposal (what node-go stores as `is_commit`). */
  isCommit: boolean;
  /** The MLS content type: 1 application, 2 proposal, 3 commit. */
  contentType: typeof CONTENT_APPLICATION | typeof CONTENT_PROPOSAL | typeof CONTENT_COMMIT;
  wireFormat: typeof WIRE_FORMAT_PUBLIC_MESSAGE | typeof WIRE_FORMAT_PRIVATE_MESSAGE;
}

function contentType(r: TlsReader): GroupMessageInfo["contentType"] {
  const t = r.u8("content_type");
  if (t !== CONTENT_APPLICATION && t !== CONTENT_PROPOSAL && t !== CONTENT_COMMIT) {
    throw new TlsDecodeError(`unknown MLS content type ${t}`);
  }
  return t;
}

/** Parses `data` of a GroupMessageInput: an MLSMessage holding a PublicMessage or PrivateMessage. */
export function parseGroupMessage(data: Uint8Array): GroupMessageInfo {
  const r = new TlsReader(data);
  const version = r.u16("version");
  if (version !== MLS_VERSION_10) throw new TlsDecodeError(`unsupported MLS version ${version}`);
  const wireFormat = r.u16("wire_format");
  if (wireFormat === WIRE_FORMAT_PRIVATE_MESSAGE) {
    const groupId = r.opaque("group_id");
    const epoch = r.u64("epoch");
    const type = contentType(r);
    r.opaque("authenticated_data");
    r.opaque("encrypted_sender_data");
    r.opaque("ciphertext");
    r.end("PrivateMessage");
    return {
      groupId,
      epoch,
      isCommit: type !== CONTENT_APPLICATION,
      contentType: type,
      wireFormat,
    };
  }
  if (wireFormat === WIRE_FORMAT_PUBLIC_MESSAGE) {
    // FramedContent header: group_id, epoch, sender, authenticated_data, content_type, ...
    const groupId = r.opaque("group_id");
    const epoch = r.u64("epoch");
    const senderType = r.u8("sender_type");
    if (senderType === 1 || senderType === 2) r.u32("sender index");
    else if (senderType !== 3 && senderType !== 4) {
      throw new TlsDecodeError(`unknown MLS sender type ${senderType}`);
    }
    r.opaque("authenticated_data");
    const type = contentType(r);
    if (r.remaining === 0) throw new TlsDecodeError("PublicMessage has no content");
    return {
      groupId,
      epoch,
      isCommit: type !== CONTENT_APPLICATION,
      contentType: type,
      wireFormat,
    };
  }
  throw new TlsDecodeError(
    `MLS wire format ${wireFormat} is not a group message (need PublicMessage 1 or PrivateMessage 2)`,
  );
}
