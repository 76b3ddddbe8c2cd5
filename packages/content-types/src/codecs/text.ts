import { utf8Decode, utf8Encode } from "../bytes.js";
import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId, contentTypeToString } from "../content-type-id.js";
import { ContentDecodeError } from "../errors.js";

export const ContentTypeText: ContentTypeId = contentTypeId("xmtp.org", "text", 1, 0);
export const ContentTypeMarkdown: ContentTypeId = contentTypeId("xmtp.org", "markdown", 1, 0);

const ENCODING = "encoding";
const UTF8 = "UTF-8";

/**
 * Reads text content: a missing encoding parameter means UTF-8 (as in libxmtp), any other
 * value is refused, and the bytes must be valid UTF-8.
 */
export function decodeUtf8Text(encoded: EncodedContent, what: string): string {
  const encoding = encoded.parameters[ENCODING] ?? UTF8;
  if (encoding !== UTF8) {
    throw new ContentDecodeError(
      `${what}: unsupported text encoding ${JSON.stringify(encoding)}; only UTF-8 exists`,
    );
  }
  const text = utf8Decode(encoded.content);
  if (text === undefined) throw new ContentDecodeError(`${what} content is not valid UTF-8`);
  return text;
}

/** Shared by text and markdown: UTF-8 bytes with the parameter encoding=UTF-8, no fallback. */
abstract class Utf8TextCodec implements ContentCodec<string> {
  abstract readonly contentType: ContentTypeId;

  encode(content: string): EncodedContent {
    return createEncodedContent({
      type: this.contentType,
      parameters: { [ENCODING]: UTF8 },
      content: utf8Encode(content),
    });
  }

  decode(encoded: EncodedContent): string {
    assertDecodable(this.contentType, encoded);
    return decodeUtf8Text(encoded, contentTypeToString(this.contentType));
  }

  fallback(): string | undefined {
    return undefined;
  }

  shouldPush(): boolean {
    return true;
  }
}

/** `xmtp.org/text:1.0`: a plain string. */
export class TextCodec extends Utf8TextCodec {
  readonly contentType = ContentTypeText;
}

/** `xmtp.org/markdown:1.0`: a markdown string. */
export class MarkdownCodec extends Utf8TextCodec {
  readonly contentType = ContentTypeMarkdown;
}
