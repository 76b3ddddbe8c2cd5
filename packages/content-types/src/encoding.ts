import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type EncodedContent, EncodedContentSchema } from "@x/proto/mls/message_contents";
import type { ContentCodec } from "./codec.js";
import {
  type CompressionAlgorithm,
  compressContent,
  type DecompressOptions,
  decompressContent,
} from "./compression.js";
import { type ContentTypeId, contentTypeKey } from "./content-type-id.js";
import { ContentDecodeError, ContentTypesError } from "./errors.js";
import type { CodecRegistry } from "./registry.js";

export interface EncodeContentOptions {
  /** Compress the content bytes. libxmtp never compresses; every client can decompress. */
  compression?: CompressionAlgorithm | undefined;
}

/**
 * Encodes a value with its codec to the EncodedContent message. A fallback the codec left out
 * is filled in from `codec.fallback(value)`, so custom codecs' fallbacks reach other clients.
 */
export function encodeContentMessage<T>(
  codec: ContentCodec<T>,
  value: T,
  options: EncodeContentOptions = {},
): EncodedContent {
  // create() keeps a real message as it is and builds one from a plain object of its fields
  // (what a codec written in plain JavaScript may return).
  let encoded = create(EncodedContentSchema, codec.encode(value));
  if (encoded.fallback === undefined) {
    const fallback = codec.fallback(value);
    if (fallback !== undefined) encoded = { ...encoded, fallback };
  }
  if (options.compression !== undefined) encoded = compressContent(encoded, options.compression);
  return encoded;
}

/** Encodes a value to the EncodedContent protobuf bytes that go inside a PlaintextEnvelope. */
export function encodeContent<T>(
  codec: ContentCodec<T>,
  value: T,
  options: EncodeContentOptions = {},
): Uint8Array {
  return toBinary(EncodedContentSchema, encodeContentMessage(codec, value, options));
}

/** Content a registered codec decoded. */
export interface DecodedKnownContent<T = unknown> {
  readonly kind: "decoded";
  readonly contentType: ContentTypeId;
  readonly content: T;
  /** The fallback text the sender put in the message, if any. */
  readonly fallback: string | undefined;
  /** The (decompressed) EncodedContent. */
  readonly encoded: EncodedContent;
  readonly codec: ContentCodec<T>;
}

/**
 * Content this registry cannot show: no codec for its type (`no_codec`), no type at all
 * (`no_content_type`), or its codec rejected it (`decode_failed`, with the typed error). As in
 * libxmtp, such a message is kept and shown by its fallback rather than failing.
 */
export interface UnknownContent {
  readonly kind: "unknown";
  readonly contentType: ContentTypeId | undefined;
  readonly fallback: string | undefined;
  readonly encoded: EncodedContent;
  readonly reason: "no_codec" | "no_content_type" | "decode_failed";
  readonly error?: ContentTypesError;
}

export type DecodedContent<T = unknown> = DecodedKnownContent<T> | UnknownContent;

/**
 * Decodes an EncodedContent message with the registry: decompresses it, looks the codec up by
 * authority, type and major version, and decodes. Never throws: see UnknownContent.
 */
export function decodeEncodedContent(
  registry: CodecRegistry,
  encoded: EncodedContent,
  options: DecompressOptions = {},
): DecodedContent {
  const contentType = encoded.type;
  const fallback = encoded.fallback;
  if (contentType === undefined) {
    return { kind: "unknown", contentType, fallback, encoded, reason: "no_content_type" };
  }
  const codec = registry.codecFor(contentType);
  if (codec === undefined) {
    return { kind: "unknown", contentType, fallback, encoded, reason: "no_codec" };
  }
  let plain = encoded;
  try {
    plain = decompressContent(encoded, options);
    const content = codec.decode(plain);
    return { kind: "decoded", contentType, content, fallback, encoded: plain, codec };
  } catch (error) {
    const typed =
      error instanceof ContentTypesError
        ? error
        : new ContentDecodeError(`the codec for ${contentTypeKey(contentType)} failed`, error);
    return {
      kind: "unknown",
      contentType,
      fallback,
      encoded: plain,
      reason: "decode_failed",
      error: typed,
    };
  }
}

/**
 * Decodes EncodedContent protobuf bytes (the content of a PlaintextEnvelope). Throws
 * ContentDecodeError only when the bytes are not an EncodedContent at all; everything else is
 * reported in the result (see decodeEncodedContent).
 */
export function decodeContent(
  registry: CodecRegistry,
  bytes: Uint8Array,
  options: DecompressOptions = {},
): DecodedContent {
  let encoded: EncodedContent;
  try {
    encoded = fromBinary(EncodedContentSchema, bytes);
  } catch (cause) {
    throw new ContentDecodeError("message content is not a valid EncodedContent protobuf", cause);
  }
  return decodeEncodedContent(registry, encoded, options);
}

/** Narrows a decoded result to the value type of `codec` (same authority, type and major). */
export function isContentOf<T>(
  decoded: DecodedContent,
  codec: ContentCodec<T>,
): decoded is DecodedKnownContent<T> {
  return (
    decoded.kind === "decoded" &&
    contentTypeKey(decoded.contentType) === contentTypeKey(codec.contentType)
  );
}
