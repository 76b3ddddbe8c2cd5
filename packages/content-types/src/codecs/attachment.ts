import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId } from "../content-type-id.js";

export const ContentTypeAttachment: ContentTypeId = contentTypeId("xmtp.org", "attachment", 1, 0);

export interface Attachment {
  filename?: string | undefined;
  mimeType: string;
  /** The file's bytes. */
  content: Uint8Array;
}

/**
 * `xmtp.org/attachment:1.0`: an inline file. The bytes are the content; `filename` (when given)
 * and `mimeType` are parameters, in that order (as xmtp-js writes them).
 */
export class AttachmentCodec implements ContentCodec<Attachment> {
  readonly contentType = ContentTypeAttachment;

  encode(attachment: Attachment): EncodedContent {
    const parameters: Record<string, string> = {};
    if (attachment.filename !== undefined) parameters.filename = attachment.filename;
    parameters.mimeType = attachment.mimeType;
    return createEncodedContent({
      type: this.contentType,
      parameters,
      fallback: this.fallback(attachment),
      content: attachment.content,
    });
  }

  decode(encoded: EncodedContent): Attachment {
    assertDecodable(this.contentType, encoded);
    return {
      filename: encoded.parameters.filename,
      // libxmtp reads a missing mimeType as "".
      mimeType: encoded.parameters.mimeType ?? "",
      content: encoded.content,
    };
  }

  fallback(attachment: Attachment): string | undefined {
    return `Can't display ${attachment.filename ?? "this content"}. This app doesn't support attachments.`;
  }

  shouldPush(): boolean {
    return true;
  }
}
