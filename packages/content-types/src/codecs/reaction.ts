import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ReactionAction as ProtoReactionAction,
  ReactionSchema as ProtoReactionSchema,
  type ReactionV2,
  ReactionV2Schema,
} from "@x/proto/mls/message_contents/content_types";
import { utf8Decode } from "../bytes.js";
import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId } from "../content-type-id.js";
import { ContentDecodeError, ContentEncodeError } from "../errors.js";
import {
  type JsonObject,
  jsonBytes,
  optionalString,
  parseJsonObject,
  requiredString,
} from "../json.js";

/** The current reaction type: the ReactionV2 protobuf. */
export const ContentTypeReaction: ContentTypeId = contentTypeId("xmtp.org", "reaction", 2, 0);
/** The legacy reaction type: JSON, still sent by older clients and still decoded. */
export const ContentTypeLegacyReaction: ContentTypeId = contentTypeId("xmtp.org", "reaction", 1, 0);

/** "unknown" stands for a value this version does not know (REACTION_ACTION_UNSPECIFIED or newer). */
export type ReactionAction = "added" | "removed" | "unknown";
export type ReactionSchema = "unicode" | "shortcode" | "custom" | "unknown";

export interface Reaction {
  /** Hex id of the message reacted to. */
  reference: string;
  /** Inbox id of the sender of that message; "" when not known. */
  referenceInboxId: string;
  action: ReactionAction;
  /** The emoji, shortcode or custom reaction. */
  content: string;
  schema: ReactionSchema;
}

const ACTION_TO_PROTO = {
  unknown: ProtoReactionAction.UNSPECIFIED,
  added: ProtoReactionAction.ADDED,
  removed: ProtoReactionAction.REMOVED,
} as const satisfies Record<ReactionAction, ProtoReactionAction>;

const SCHEMA_TO_PROTO = {
  unknown: ProtoReactionSchema.UNSPECIFIED,
  unicode: ProtoReactionSchema.UNICODE,
  shortcode: ProtoReactionSchema.SHORTCODE,
  custom: ProtoReactionSchema.CUSTOM,
} as const satisfies Record<ReactionSchema, ProtoReactionSchema>;

function actionFromProto(value: number): ReactionAction {
  if (value === ProtoReactionAction.ADDED) return "added";
  if (value === ProtoReactionAction.REMOVED) return "removed";
  return "unknown";
}

function schemaFromProto(value: number): ReactionSchema {
  if (value === ProtoReactionSchema.UNICODE) return "unicode";
  if (value === ProtoReactionSchema.SHORTCODE) return "shortcode";
  if (value === ProtoReactionSchema.CUSTOM) return "custom";
  return "unknown";
}

function actionFromString(value: string): ReactionAction {
  return value === "added" || value === "removed" ? value : "unknown";
}

function schemaFromString(value: string): ReactionSchema {
  return value === "unicode" || value === "shortcode" || value === "custom" ? value : "unknown";
}

/** libxmtp's reaction fallback, the same for both versions. */
function reactionFallback(reaction: Reaction): string {
  return reaction.action === "removed"
    ? `Removed "${reaction.content}" from an earlier message`
    : `Reacted with "${reaction.content}" to an earlier message`;
}

function checkActionAndSchema(reaction: Reaction): void {
  if (!(reaction.action in ACTION_TO_PROTO)) {
    throw new ContentEncodeError(
      `reaction action must be "added" or "removed", got ${String(reaction.action)}`,
    );
  }
  if (!(reaction.schema in SCHEMA_TO_PROTO)) {
    throw new ContentEncodeError(
      `reaction schema must be "unicode", "shortcode" or "custom", got ${String(reaction.schema)}`,
    );
  }
}

/** `xmtp.org/reaction:2.0`: ReactionV2 protobuf; not pushed. */
export class ReactionCodec implements ContentCodec<Reaction> {
  readonly contentType = ContentTypeReaction;

  encode(reaction: Reaction): EncodedContent {
    checkActionAndSchema(reaction);
    const message = create(ReactionV2Schema, {
      reference: reaction.reference,
      referenceInboxId: reaction.referenceInboxId ?? "",
      action: ACTION_TO_PROTO[reaction.action],
      content: reaction.content,
      schema: SCHEMA_TO_PROTO[reaction.schema],
    });
    return createEncodedContent({
      type: this.contentType,
      fallback: reactionFallback(reaction),
      content: toBinary(ReactionV2Schema, message),
    });
  }

  decode(encoded: EncodedContent): Reaction {
    assertDecodable(this.contentType, encoded);
    let message: ReactionV2;
    try {
      message = fromBinary(ReactionV2Schema, encoded.content);
    } catch (cause) {
      throw new ContentDecodeError("reaction content is not a valid ReactionV2 protobuf", cause);
    }
    return {
      reference: message.reference,
      referenceInboxId: message.referenceInboxId,
      action: actionFromProto(message.action),
      content: message.content,
      schema: schemaFromProto(message.schema),
    };
  }

  fallback(reaction: Reaction): string | undefined {
    return reactionFallback(reaction);
  }

  shouldPush(): boolean {
    return false;
  }
}

const LEGACY = "legacy reaction";

/**
 * `xmtp.org/reaction:1.0`: the JSON object
 * `{"action","reference","referenceInboxId"?,"schema","content"}` (keys in that order).
 * Decoding also accepts the older xmtp-js form (action, reference and schema as parameters, the
 * content as plain text) when the bytes are not JSON. Not pushed.
 */
export class LegacyReactionCodec implements ContentCodec<Reaction> {
  readonly contentType = ContentTypeLegacyReaction;

  encode(reaction: Reaction): EncodedContent {
    checkActionAndSchema(reaction);
    if (reaction.action === "unknown" || reaction.schema === "unknown") {
      throw new ContentEncodeError(
        'a legacy reaction needs a known action and schema; send "unknown" with ReactionCodec (2.0)',
      );
    }
    const json = {
      action: reaction.action,
      reference: reaction.reference,
      referenceInboxId: reaction.referenceInboxId === "" ? undefined : reaction.referenceInboxId,
      schema: reaction.schema,
      content: reaction.content,
    };
    return createEncodedContent({
      type: this.contentType,
      fallback: reactionFallback(reaction),
      content: jsonBytes(json),
    });
  }

  decode(encoded: EncodedContent): Reaction {
    assertDecodable(this.contentType, encoded);
    let obj: JsonObject;
    try {
      obj = parseJsonObject(encoded.content, LEGACY);
    } catch (error) {
      const fromParameters = decodeParameterForm(encoded);
      if (fromParameters) return fromParameters;
      throw error;
    }
    return {
      action: actionFromString(requiredString(obj, "action", LEGACY)),
      reference: requiredString(obj, "reference", LEGACY),
      referenceInboxId: optionalString(obj, "referenceInboxId", LEGACY) ?? "",
      schema: schemaFromString(requiredString(obj, "schema", LEGACY)),
      content: requiredString(obj, "content", LEGACY),
    };
  }

  fallback(reaction: Reaction): string | undefined {
    return reactionFallback(reaction);
  }

  shouldPush(): boolean {
    return false;
  }
}

function decodeParameterForm(encoded: EncodedContent): Reaction | undefined {
  const { action, reference, schema } = encoded.parameters;
  if (action === undefined || reference === undefined || schema === undefined) return undefined;
  const content = utf8Decode(encoded.content);
  if (content === undefined) return undefined;
  return {
    action: actionFromString(action),
    reference,
    referenceInboxId: "",
    schema: schemaFromString(schema),
    content,
  };
}
