import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  MultiRemoteAttachmentSchema,
  type MultiRemoteAttachment as ProtoMultiRemoteAttachment,
  RemoteAttachmentInfoSchema,
} from "@x/proto/mls/message_contents/content_types";
import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId } from "../content-type-id.js";
import { ContentDecodeError, ContentEncodeError } from "../errors.js";
import { isU32, type RemoteAttachment } from "./remote-attachment.js";

export const ContentTypeMultiRemoteAttachment: ContentTypeId = contentTypeId(
  "xmtp.org",
  "multiRemoteStaticAttachment",
  1,
  0,
);

export interface MultiRemoteAttachment {
  attachments: RemoteAttachment[];
}

const FALLBACK =
  "Can't display this content. This app doesn't support multiple remote attachments.";

/** `xmtp.org/multiRemoteStaticAttachment:1.0`: the MultiRemoteAttachment protobuf. */
export class MultiRemoteAttachmentCodec implements ContentCodec<MultiRemoteAttachment> {
  readonly contentType = ContentTypeMultiRemoteAttachment;

  encode(value: MultiRemoteAttachment): EncodedContent {
    const message = create(MultiRemoteAttachmentSchema, {
      attachments: value.attachments.map((a, i) => {
        if (a.contentLength !== undefined && !isU32(a.contentLength)) {
          throw new ContentEncodeError(
            `attachments[${i}].contentLength must be an unsigned 32-bit integer, got ${a.contentLength}`,
          );
        }
        return create(RemoteAttachmentInfoSchema, {
          contentDigest: a.contentDigest,
          secret: a.secret,
          nonce: a.nonce,
          salt: a.salt,
          scheme: a.scheme,
          url: a.url,
          contentLength: a.contentLength,
          filename: a.filename,
        });
      }),
    });
    return createEncodedContent({
      type: this.contentType,
      fallback: FALLBACK,
      content: toBinary(MultiRemoteAttachmentSchema, message),
    });
  }

  decode(encoded: EncodedContent): MultiRemoteAttachment {
    assertDecodable(this.contentType, encoded);
    let message: ProtoMultiRemoteAttachment;
    try {
      message = fromBinary(MultiRemoteAttachmentSchema, encoded.content);
    } catch (cause) {
      throw new ContentDecodeError(
        "multi remote attachment content is not a valid protobuf",
        cause,
      );
    }
    return {
      attachments: message.attachments.map((a) => ({
        url: a.url,
        contentDigest: a.contentDigest,
        secret: a.secret,
        salt: a.salt,
        nonce: a.nonce,
        scheme: a.scheme,
        contentLength: a.contentLength,
        filename: a.filename,
      })),
    };
  }

  fallback(): string | undefined {
    return FALLBACK;
  }

  shouldPush(): boolean {
    return true;
  }
}
