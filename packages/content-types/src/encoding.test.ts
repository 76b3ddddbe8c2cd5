import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Compression, EncodedContentSchema } from "@x/proto/mls/message_contents";
import { describe, expect, it } from "vitest";
import { type ContentCodec, createEncodedContent, type EncodedContent } from "./codec.js";
import { ReplyCodec } from "./codecs/reply.js";
import { ContentTypeText, TextCodec } from "./codecs/text.js";
import { contentTypeId, contentTypeToString } from "./content-type-id.js";
import {
  decodeContent,
  decodeEncodedContent,
  encodeContent,
  encodeContentMessage,
  isContentOf,
} from "./encoding.js";
import { ContentDecodeError, ContentTypeMismatchError, DecompressionError } from "./errors.js";
import { CodecRegistry, defaultCodecs } from "./registry.js";

/** A custom codec the way an application writes one. */
interface Point {
  x: number;
  y: number;
}
const ContentTypePoint = contentTypeId("example.com", "point", 1, 0);
const pointCodec: ContentCodec<Point> = {
  contentType: ContentTypePoint,
  encode: (p) =>
    createEncodedContent({
      type: ContentTypePoint,
      content: new TextEncoder().encode(`${p.x},${p.y}`),
    }),
  decode: (encoded) => {
    const [x, y] = new TextDecoder().decode(encoded.content).split(",").map(Number);
    return { x: x!, y: y! };
  },
  fallback: (p) => `A point at (${p.x}, ${p.y})`,
  shouldPush: () => true,
};

describe("defaultCodecs / CodecRegistry", () => {
  it("holds libxmtp's content types with libxmtp's should_push", () => {
    const pushes = Object.fromEntries(
      defaultCodecs().map((c) => [contentTypeToString(c.contentType), c.shouldPush(undefined)]),
    );
    expect(pushes).toEqual({
      "xmtp.org/text:1.0": true,
      "xmtp.org/markdown:1.0": true,
      "xmtp.org/reaction:2.0": false,
      "xmtp.org/reaction:1.0": false,
      "xmtp.org/reply:1.0": true,
      "xmtp.org/readReceipt:1.0": false,
      "xmtp.org/attachment:1.0": true,
      "xmtp.org/remoteStaticAttachment:1.0": true,
      "xmtp.org/multiRemoteStaticAttachment:1.0": true,
      "xmtp.org/transactionReference:1.0": true,
      "xmtp.org/walletSendCalls:1.0": true,
      "coinbase.com/actions:1.0": true,
      "coinbase.com/intent:1.0": true,
      "xmtp.org/group_updated:1.0": false,
      "xmtp.org/group_membership_change:1.0": false,
      "xmtp.org/leave_request:1.0": false,
      "xmtp.org/deleteMessage:1.0": false,
    });
  });

  it("looks codecs up by authority, type and major version", () => {
    const registry = CodecRegistry.withDefaults();
    expect(registry.codecFor(contentTypeId("xmtp.org", "text", 1, 9))).toBeInstanceOf(TextCodec);
    expect(registry.codecFor(contentTypeId("xmtp.org", "text", 2, 0))).toBeUndefined();
    expect(registry.codecFor(contentTypeId("example.org", "text", 1, 0))).toBeUndefined();
    expect(registry.has(ContentTypePoint)).toBe(false);
    expect(new CodecRegistry().codecs()).toEqual([]);
  });

  it("lets an application add a codec or replace a built-in one", () => {
    const registry = CodecRegistry.withDefaults([pointCodec]);
    expect(registry.codecFor(ContentTypePoint)).toBe(pointCodec);
    const loudText: ContentCodec<string> = {
      ...new TextCodec(),
      contentType: ContentTypeText,
      encode: (s) => new TextCodec().encode(s.toUpperCase()),
      decode: (e) => new TextCodec().decode(e),
      fallback: () => undefined,
      shouldPush: () => true,
    };
    registry.register(loudText);
    expect(registry.codecFor(ContentTypeText)).toBe(loudText);
    expect(registry.codecs()).toHaveLength(defaultCodecs().length + 1);
  });
});

describe("encodeContent / decodeContent", () => {
  const registry = CodecRegistry.withDefaults([pointCodec]);

  it("round-trips a custom codec and sends its fallback", () => {
    const bytes = encodeContent(pointCodec, { x: 3, y: 4 });
    const message = fromBinary(EncodedContentSchema, bytes);
    expect(message.fallback).toBe("A point at (3, 4)");
    const decoded = decodeContent(registry, bytes);
    expect(decoded.kind).toBe("decoded");
    expect(isContentOf(decoded, pointCodec) && decoded.content).toEqual({ x: 3, y: 4 });
    expect(isContentOf(decoded, new TextCodec())).toBe(false);
    expect(decoded.fallback).toBe("A point at (3, 4)");
  });

  it("accepts a codec that returns a plain object instead of the protobuf message", () => {
    const plain = {
      ...pointCodec,
      encode: (p: Point) => ({
        type: { authorityId: "example.com", typeId: "point", versionMajor: 1, versionMinor: 0 },
        parameters: { unit: "px" },
        content: new TextEncoder().encode(`${p.x},${p.y}`),
      }),
    } as unknown as ContentCodec<Point>;
    const decoded = decodeContent(registry, encodeContent(plain, { x: 5, y: 6 }));
    expect(decoded).toMatchObject({
      kind: "decoded",
      content: { x: 5, y: 6 },
      fallback: "A point at (5, 6)",
    });
    expect(decoded.encoded.parameters).toEqual({ unit: "px" });
  });

  it("keeps a fallback the codec already set", () => {
    const reply = encodeContentMessage(new ReplyCodec(), {
      reference: "r",
      content: new TextCodec().encode("yes"),
    });
    expect(reply.fallback).toBe('Replied with "yes" to an earlier message');
  });

  it("sends a reply whose inner text comes back through the registry", () => {
    const bytes = encodeContent(new ReplyCodec(), {
      reference: "0011",
      referenceInboxId: "inbox",
      content: new TextCodec().encode("Sounds good"),
    });
    const decoded = decodeContent(registry, bytes);
    if (!isContentOf(decoded, new ReplyCodec())) throw new Error("not a reply");
    const inner = decodeEncodedContent(registry, decoded.content.content);
    expect(inner.kind === "decoded" && inner.content).toBe("Sounds good");
  });

  it("compresses on request and decompresses on decode", () => {
    const long = "compress me ".repeat(200);
    for (const compression of ["deflate", "gzip"] as const) {
      const bytes = encodeContent(new TextCodec(), long, { compression });
      const wire = fromBinary(EncodedContentSchema, bytes);
      expect(wire.compression).toBe(
        compression === "deflate" ? Compression.DEFLATE : Compression.GZIP,
      );
      expect(bytes.length).toBeLessThan(long.length);
      const decoded = decodeContent(registry, bytes);
      expect(decoded.kind === "decoded" && decoded.content).toBe(long);
      expect(decoded.encoded.compression).toBeUndefined();
    }
  });

  it("reports an unknown content type with its fallback instead of failing", () => {
    const bytes = toBinary(
      EncodedContentSchema,
      createEncodedContent({
        type: contentTypeId("example.com", "poll", 3, 1),
        fallback: "A poll: lunch?",
        content: new Uint8Array([1, 2]),
      }),
    );
    const decoded = decodeContent(CodecRegistry.withDefaults(), bytes);
    expect(decoded).toMatchObject({
      kind: "unknown",
      reason: "no_codec",
      fallback: "A poll: lunch?",
    });
    expect(decoded.contentType && contentTypeToString(decoded.contentType)).toBe(
      "example.com/poll:3.1",
    );
  });

  it("reports content with no type", () => {
    const bytes = toBinary(
      EncodedContentSchema,
      create(EncodedContentSchema, { fallback: "?", content: new Uint8Array([1]) }),
    );
    expect(decodeContent(registry, bytes)).toMatchObject({
      kind: "unknown",
      reason: "no_content_type",
      fallback: "?",
    });
  });

  it("reports a codec failure with the typed error", () => {
    const bad = createEncodedContent({
      type: ContentTypeText,
      parameters: { encoding: "UTF-16" },
      fallback: "fb",
      content: new Uint8Array([0]),
    });
    const decoded = decodeEncodedContent(registry, bad);
    expect(decoded).toMatchObject({ kind: "unknown", reason: "decode_failed", fallback: "fb" });
    expect(decoded.kind === "unknown" && decoded.error).toBeInstanceOf(ContentDecodeError);

    const bomb = createEncodedContent({
      type: ContentTypeText,
      compression: Compression.GZIP,
      content: new Uint8Array([1, 2, 3]),
    });
    const failed = decodeEncodedContent(registry, bomb);
    expect(failed.kind === "unknown" && failed.error).toBeInstanceOf(DecompressionError);

    const throwing: ContentCodec<never> = {
      ...pointCodec,
      decode: () => {
        throw new RangeError("boom");
      },
    } as never;
    const decodedThrow = decodeEncodedContent(
      new CodecRegistry([throwing]),
      pointCodec.encode({ x: 1, y: 1 }),
    );
    expect(decodedThrow.kind === "unknown" && decodedThrow.error?.code).toBe(
      "CONTENT_DECODE_FAILED",
    );
    expect(decodedThrow.kind === "unknown" && decodedThrow.error?.cause).toBeInstanceOf(RangeError);
  });

  it("throws a typed error only for bytes that are not an EncodedContent", () => {
    const bytes = encodeContent(new TextCodec(), "hello there");
    expect(() => decodeContent(registry, bytes.subarray(0, bytes.length - 4))).toThrow(
      ContentDecodeError,
    );
    expect(() => decodeContent(registry, new Uint8Array([0xff, 0xff, 0xff]))).toThrow(
      ContentDecodeError,
    );
  });

  it("codecs still refuse content of another type when called directly", () => {
    const encoded: EncodedContent = new TextCodec().encode("x");
    expect(() => new ReplyCodec().decode(encoded)).toThrow(ContentTypeMismatchError);
  });
});
