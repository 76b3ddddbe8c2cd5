import { create, toBinary } from "@bufbuild/protobuf";
import { EncodedContentSchema } from "@x/proto/mls/message_contents";
import { describe, expect, it } from "vitest";
import { createEncodedContent } from "../codec.js";
import { contentTypeId } from "../content-type-id.js";
import { decodeEncodedContent } from "../encoding.js";
import { ContentDecodeError, ContentTypeMismatchError } from "../errors.js";
import { CodecRegistry } from "../registry.js";
import { AttachmentCodec } from "./attachment.js";
import { ReactionCodec } from "./reaction.js";
import { ContentTypeReply, ReplyCodec } from "./reply.js";
import { TextCodec } from "./text.js";

const reply = new ReplyCodec();
const text = new TextCodec();

describe("ReplyCodec (xmtp.org/reply:1.0)", () => {
  it("carries the inner EncodedContent bytes and contentType, reference, referenceInboxId parameters in order", () => {
    const inner = text.encode("Sounds good");
    const encoded = reply.encode({
      reference: "abcd",
      referenceInboxId: "inbox-9",
      content: inner,
    });
    expect(encoded.type).toMatchObject({
      authorityId: "xmtp.org",
      typeId: "reply",
      versionMajor: 1,
    });
    expect(Object.entries(encoded.parameters)).toEqual([
      ["contentType", "xmtp.org/text:1.0"],
      ["reference", "abcd"],
      ["referenceInboxId", "inbox-9"],
    ]);
    expect(encoded.content).toEqual(toBinary(EncodedContentSchema, inner));
    expect(encoded.fallback).toBe('Replied with "Sounds good" to an earlier message');
    expect(reply.shouldPush()).toBe(true);
  });

  it("round-trips, with and without referenceInboxId", () => {
    const inner = text.encode("hi");
    expect(
      reply.decode(reply.encode({ reference: "r", referenceInboxId: "i", content: inner })),
    ).toEqual({
      reference: "r",
      referenceInboxId: "i",
      content: inner,
    });
    const noInbox = reply.encode({ reference: "r", content: inner });
    expect(noInbox.parameters).not.toHaveProperty("referenceInboxId");
    expect(reply.decode(noInbox).referenceInboxId).toBeUndefined();
  });

  it("decodes the inner content with the registry", () => {
    const registry = CodecRegistry.withDefaults();
    const reaction = new ReactionCodec().encode({
      reference: "r",
      referenceInboxId: "",
      action: "added",
      content: "🎉",
      schema: "unicode",
    });
    const decoded = reply.decode(reply.encode({ reference: "r", content: reaction }));
    const inner = decodeEncodedContent(registry, decoded.content);
    expect(inner.kind === "decoded" && inner.content).toMatchObject({ content: "🎉" });
  });

  it("uses the generic fallback for non-text replies and text it cannot decode", () => {
    const attachment = new AttachmentCodec().encode({
      mimeType: "image/png",
      content: new Uint8Array([1]),
    });
    expect(reply.fallback({ reference: "r", content: attachment })).toBe(
      "Replied to an earlier message",
    );
    const badText = createEncodedContent({
      type: contentTypeId("xmtp.org", "text", 1, 0),
      content: new Uint8Array([0xff]),
    });
    expect(reply.fallback({ reference: "r", content: badText })).toBe(
      "Replied to an earlier message",
    );
    // libxmtp looks at the type id only, whatever the authority
    const otherText = createEncodedContent({
      type: contentTypeId("example.com", "text", 1, 0),
      content: new TextEncoder().encode("yo"),
    });
    expect(reply.fallback({ reference: "r", content: otherText })).toBe(
      'Replied with "yo" to an earlier message',
    );
  });

  it('leaves out contentType when the inner content has no type, and reads a missing reference as ""', () => {
    const untyped = create(EncodedContentSchema, { content: new Uint8Array([1]) });
    const encoded = reply.encode({ reference: "r", content: untyped });
    expect(Object.keys(encoded.parameters)).toEqual(["reference"]);
    const noReference = createEncodedContent({
      type: ContentTypeReply,
      content: toBinary(EncodedContentSchema, untyped),
    });
    expect(reply.decode(noReference).reference).toBe("");
  });

  it("refuses a truncated inner EncodedContent and another type with typed errors", () => {
    const good = reply.encode({ reference: "r", content: text.encode("hello there") });
    const truncated = createEncodedContent({
      type: ContentTypeReply,
      content: good.content.subarray(0, good.content.length - 3),
    });
    expect(() => reply.decode(truncated)).toThrow(ContentDecodeError);
    expect(() => reply.decode(text.encode("x"))).toThrow(ContentTypeMismatchError);
  });
});
