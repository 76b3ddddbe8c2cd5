// Device-sync messages: DeviceSyncContent inside an EncodedContent of type
// xmtp.org/application/x-protobuf:1.0, sent in the sync group as ordinary application messages
// without push (libxmtp `send_device_sync_message`).
import { create, fromBinary, toBinary } from "@x/proto";
import { type DeviceSyncContent, DeviceSyncContentSchema } from "@x/proto/device_sync/content";
import { type EncodedContent, EncodedContentSchema } from "@x/proto/mls/message_contents";

export const SYNC_CONTENT_TYPE = {
  authorityId: "xmtp.org",
  typeId: "application/x-protobuf",
  versionMajor: 1,
  versionMinor: 0,
} as const;

export function encodeSyncContent(content: DeviceSyncContent["content"]): EncodedContent {
  return create(EncodedContentSchema, {
    type: SYNC_CONTENT_TYPE,
    parameters: {},
    content: toBinary(DeviceSyncContentSchema, create(DeviceSyncContentSchema, { content })),
  });
}

/** The DeviceSyncContent of a stored message's bytes, or undefined if it is something else. */
export function decodeSyncContent(bytes: Uint8Array): DeviceSyncContent["content"] | undefined {
  try {
    const encoded = fromBinary(EncodedContentSchema, bytes);
    if (
      encoded.type?.authorityId !== SYNC_CONTENT_TYPE.authorityId ||
      encoded.type.typeId !== SYNC_CONTENT_TYPE.typeId
    ) {
      return undefined;
    }
    const content = fromBinary(DeviceSyncContentSchema, encoded.content).content;
    return content.case === undefined ? undefined : content;
  } catch {
    return undefined;
  }
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A request id as libxmtp 1.9.1 makes it: 32 random alphanumerics. */
export function newRequestId(): string {
  const out: string[] = [];
  while (out.length < 32) {
    for (const b of crypto.getRandomValues(new Uint8Array(64))) {
      // 248 = 4 × 62: rejecting the rest keeps every character equally likely.
      if (b < 248 && out.length < 32) out.push(ALPHANUMERIC[b % 62]!);
    }
  }
  return out.join("");
}
