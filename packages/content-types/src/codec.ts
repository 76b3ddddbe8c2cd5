import { create } from "@bufbuild/protobuf";
import {
  type Compression,
  ContentTypeIdSchema,
  type EncodedContent,
  EncodedContentSchema,
} from "@x/proto/mls/message_contents";
import { type ContentTypeId, contentTypeToString } from "./content-type-id.js";
import { ContentDecodeError, ContentTypeMismatchError } from "./errors.js";

export type { EncodedContent } from "@x/proto/mls/message_contents";

/**
 * A content codec, structurally the same as `ContentCodec` in @xmtp/content-type-primitives 3.x.
 * `encode` returns the protobuf EncodedContent message of @x/proto, ready to serialize.
 * Methods (not function properties) so that a `ContentCodec<string>` is a `ContentCodec<unknown>`.
 */
export interface ContentCodec<T> {
  readonly contentType: ContentTypeId;
  encode(content: T): EncodedContent;
  decode(encoded: EncodedContent): T;
  fallback(content: T): string | undefined;
  shouldPush(content: T): boolean;
}

/** The fields of an EncodedContent, as plain values. */
export interface EncodedContentInit {
  type: ContentTypeId;
  parameters?: Record<string, string>;
  fallback?: string | undefined;
  compression?: Compression | undefined;
  content?: Uint8Array;
}

/**
 * Builds the EncodedContent protobuf message. Parameters are written to the wire in the order
 * of the object's keys, so a codec that wants byte-stable output inserts them in a fixed order.
 */
export function createEncodedContent(init: EncodedContentInit): EncodedContent {
  const { authorityId, typeId, versionMajor, versionMinor } = init.type;
  return create(EncodedContentSchema, {
    type: create(ContentTypeIdSchema, { authorityId, typeId, versionMajor, versionMinor }),
    parameters: { ...init.parameters },
    fallback: init.fallback,
    compression: init.compression,
    content: init.content ?? new Uint8Array(),
  });
}

/**
 * What every built-in codec checks before decoding: the content names this codec's authority,
 * type and major version, and is not compressed (decompress first: `decompressContent`).
 */
export function assertDecodable(expected: ContentTypeId, encoded: EncodedContent): void {
  const actual = encoded.type;
  if (
    actual === undefined ||
    actual.authorityId !== expected.authorityId ||
    actual.typeId !== expected.typeId ||
    actual.versionMajor !== expected.versionMajor
  ) {
    const got = actual === undefined ? "no content type" : contentTypeToString(actual);
    throw new ContentTypeMismatchError(
      `the ${contentTypeToString(expected)} codec cannot decode ${got}; look the codec up with CodecRegistry.codecFor(encoded.type)`,
    );
  }
  if (encoded.compression !== undefined) {
    throw new ContentDecodeError(
      `${contentTypeToString(expected)} content is still compressed; call decompressContent() first (decodeContent() does)`,
    );
  }
}
