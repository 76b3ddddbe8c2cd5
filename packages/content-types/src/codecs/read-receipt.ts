import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId } from "../content-type-id.js";

export const ContentTypeReadReceipt: ContentTypeId = contentTypeId("xmtp.org", "readReceipt", 1, 0);

/** A read receipt carries nothing: the message's timestamp is the read time. */
export type ReadReceipt = Record<string, never>;

/** `xmtp.org/readReceipt:1.0`: empty content, no parameters, no fallback; not pushed. */
export class ReadReceiptCodec implements ContentCodec<ReadReceipt> {
  readonly contentType = ContentTypeReadReceipt;

  encode(): EncodedContent {
    return createEncodedContent({ type: this.contentType });
  }

  decode(encoded: EncodedContent): ReadReceipt {
    assertDecodable(this.contentType, encoded);
    return {};
  }

  fallback(): string | undefined {
    return undefined;
  }

  shouldPush(): boolean {
    return false;
  }
}
