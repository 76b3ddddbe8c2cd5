import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { EncodedContentSchema } from "@x/proto/mls/message_contents";
import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId, contentTypeToString } from "../content-type-id.js";
import { ContentDecodeError } from "../errors.js";
import { ContentTypeText, decodeUtf8Text } from "./text.js";

export const ContentTypeReply: ContentTypeId = contentTypeId("xmtp.org", "reply", 1, 0);

export interface Reply {
  /** Hex id of the message replied to. */
  reference: string;
  /** Inbox id of the sender of that message, when known. */
  referenceInboxId?: string | undefined;
  /** The reply itself, encoded by its own codec (decode it with `decodeEncodedContent`). */
  content: EncodedContent;
}

/**
 * `xmtp.org/reply:1.0`. The content bytes are the inner EncodedContent protobuf; the parameters
 * carry `contentType` (the inner type as `authority/type:major.minor`, which older clients read),
 * `reference` and, when known, `referenceInboxId`, in that order (as xmtp-js writes them).
 */
export class ReplyCodec implements ContentCodec<Reply> {
  readonly contentType = ContentTypeReply;

  encode(reply: Reply): EncodedContent {
    const parameters: Record<string, string> = {};
    if (reply.content.type !== undefined) {
      parameters.contentType = contentTypeToString(reply.content.type);
    }
    parameters.reference = reply.reference;
    if (reply.referenceInboxId !== undefined) {
      parameters.referenceInboxId = reply.referenceInboxId;
    }
    return createEncodedContent({
      type: this.contentType,
      parameters,
      fallback: replyFallback(reply),
      content: toBinary(EncodedContentSchema, reply.content),
    });
  }

  decode(encoded: EncodedContent): Reply {
    assertDecodable(this.contentType, encoded);
    let content: EncodedContent;
    try {
      content = fromBinary(EncodedContentSchema, encoded.content);
    } catch (cause) {
      throw new ContentDecodeError("reply content is not a valid EncodedContent protobuf", cause);
    }
    return {
      // libxmtp reads a missing reference as "".
      reference: encoded.parameters.reference ?? "",
      referenceInboxId: encoded.parameters.referenceInboxId,
      content,
    };
  }

  fallback(reply: Reply): string | undefined {
    return replyFallback(reply);
  }

  shouldPush(): boolean {
    return true;
  }
}

/**
 * libxmtp quotes a text reply in the fallback. It checks the inner type id only (any authority
 * or version) and falls back to the generic text when the text does not decode.
 */
function replyFallback(reply: Reply): string {
  const inner = reply.content;
  if (inner.type?.typeId === ContentTypeText.typeId && inner.compression === undefined) {
    try {
      return `Replied with "${decodeUtf8Text(inner, "reply")}" to an earlier message`;
    } catch {
      // not decodable as text: the generic fallback below
    }
  }
  return "Replied to an earlier message";
}
