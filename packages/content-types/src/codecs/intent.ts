import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId } from "../content-type-id.js";
import { ContentEncodeError } from "../errors.js";
import { asObject, type JsonValue, jsonBytes, parseJsonObject, requiredString } from "../json.js";

export const ContentTypeIntent: ContentTypeId = contentTypeId("coinbase.com", "intent", 1, 0);

/** The answer to an Actions message: which action was chosen. */
export interface Intent {
  /** The id of the Actions message. */
  id: string;
  actionId: string;
  metadata?: Record<string, JsonValue> | undefined;
}

const WHAT = "intent";
/** libxmtp refuses to send intent metadata whose JSON is larger than 10 KiB. */
export const INTENT_METADATA_LIMIT = 10 * 1024;

/**
 * `coinbase.com/intent:1.0`: JSON with keys id, actionId, metadata? (decoding also accepts the
 * alias `action_id`).
 */
export class IntentCodec implements ContentCodec<Intent> {
  readonly contentType = ContentTypeIntent;

  encode(value: Intent): EncodedContent {
    if (value.metadata !== undefined) {
      const size = jsonBytes(value.metadata).length;
      if (size > INTENT_METADATA_LIMIT) {
        throw new ContentEncodeError(
          `Intent metadata is too large (${size} bytes of JSON; limit: ${INTENT_METADATA_LIMIT / 1024}kb)`,
        );
      }
    }
    const json = { id: value.id, actionId: value.actionId, metadata: value.metadata };
    return createEncodedContent({
      type: this.contentType,
      fallback: this.fallback(value),
      content: jsonBytes(json),
    });
  }

  decode(encoded: EncodedContent): Intent {
    assertDecodable(this.contentType, encoded);
    const obj = parseJsonObject(encoded.content, WHAT);
    const metadata = obj.metadata;
    return {
      id: requiredString(obj, "id", WHAT),
      actionId: requiredString(obj, "actionId" in obj ? "actionId" : "action_id", WHAT),
      metadata:
        metadata === undefined || metadata === null
          ? undefined
          : asObject(metadata, `${WHAT} metadata`),
    };
  }

  fallback(value: Intent): string | undefined {
    return `User selected action: ${value.actionId}`;
  }

  shouldPush(): boolean {
    return true;
  }
}
