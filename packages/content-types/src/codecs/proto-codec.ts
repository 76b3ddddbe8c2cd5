import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeToString } from "../content-type-id.js";
import { ContentDecodeError } from "../errors.js";

/**
 * A codec whose content is one protobuf message, with no parameters and no fallback: the shape
 * of libxmtp's system content types (group_updated, leave_request, deleteMessage, ...).
 */
export abstract class ProtoContentCodec<Desc extends DescMessage, T> implements ContentCodec<T> {
  abstract readonly contentType: ContentTypeId;
  protected abstract readonly schema: Desc;
  /** Turns the decoded message into the codec's value type. */
  protected abstract fromMessage(message: MessageShape<Desc>): T;

  encode(value: T): EncodedContent {
    // create() accepts both a message and a plain object of its fields.
    const message = create(this.schema, value as MessageInitShape<Desc>);
    return createEncodedContent({
      type: this.contentType,
      content: toBinary(this.schema, message),
    });
  }

  decode(encoded: EncodedContent): T {
    assertDecodable(this.contentType, encoded);
    let message: MessageShape<Desc>;
    try {
      message = fromBinary(this.schema, encoded.content);
    } catch (cause) {
      throw new ContentDecodeError(
        `${contentTypeToString(this.contentType)} content is not a valid ${this.schema.typeName} protobuf`,
        cause,
      );
    }
    return this.fromMessage(message);
  }

  fallback(): string | undefined {
    return undefined;
  }

  shouldPush(): boolean {
    return false;
  }
}
