import { describe, expect, it } from "vitest";
import { createEncodedContent } from "../codec.js";
import { decodeContent } from "../encoding.js";
import { ContentDecodeError, ContentEncodeError, ContentTypeMismatchError } from "../errors.js";
import { CodecRegistry } from "../registry.js";
import { golden } from "../test-utils/libxmtp-fixtures.js";
import {
  ContentTypeLegacyReaction,
  ContentTypeReaction,
  LegacyReactionCodec,
  type Reaction,
  ReactionCodec,
} from "./reaction.js";

const v2 = new ReactionCodec();
const legacy = new LegacyReactionCodec();
const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const utf8 = (s: string) => new TextEncoder().encode(s);

const thumbsUp: Reaction = {
  reference: "0123456789abcdef",
  referenceInboxId: "inbox-1",
  action: "added",
  content: "👍",
  schema: "unicode",
};

describe("ReactionCodec (xmtp.org/reaction:2.0)", () => {
  it("has libxmtp's type id and is not pushed", () => {
    expect(v2.contentType).toEqual({
      authorityId: "xmtp.org",
      typeId: "reaction",
      versionMajor: 2,
      versionMinor: 0,
    });
    expect(v2.shouldPush()).toBe(false);
  });

  it("writes the ReactionV2 fields with their proto numbers", () => {
    const encoded = v2.encode({
      reference: "ab",
      referenceInboxId: "",
      action: "added",
      content: "x",
      schema: "unicode",
    });
    // 1: reference "ab", (2: empty, omitted), 3: action ADDED, 4: content "x", 5: schema UNICODE
    expect(encoded.content).toEqual(hex("0a02616218012201782801"));
    const removed = v2.encode({
      ...thumbsUp,
      action: "removed",
      schema: "custom",
      referenceInboxId: "i",
    });
    // 1: reference (16 bytes), 2: "i", 3: REMOVED, 4: "👍" (4 bytes of UTF-8), 5: CUSTOM
    const reference = Buffer.from("0123456789abcdef").toString("hex");
    expect(removed.content).toEqual(hex(`0a10${reference}12016918022204f09f918d2803`));
  });

  it("round-trips and carries libxmtp's fallback", () => {
    const encoded = v2.encode(thumbsUp);
    expect(v2.decode(encoded)).toEqual(thumbsUp);
    expect(encoded.fallback).toBe('Reacted with "👍" to an earlier message');
    expect(encoded.parameters).toEqual({});
    expect(v2.fallback({ ...thumbsUp, action: "removed" })).toBe(
      'Removed "👍" from an earlier message',
    );
    expect(v2.fallback({ ...thumbsUp, action: "unknown" })).toBe(
      'Reacted with "👍" to an earlier message',
    );
  });

  it('maps unknown enum values to "unknown"', () => {
    // action 9 and schema 7 do not exist (yet)
    const future = createEncodedContent({
      type: ContentTypeReaction,
      content: hex("0a016118092201782807"),
    });
    expect(v2.decode(future)).toEqual({
      reference: "a",
      referenceInboxId: "",
      action: "unknown",
      content: "x",
      schema: "unknown",
    });
    const unspecified = v2.encode({ ...thumbsUp, action: "unknown", schema: "unknown" });
    expect(v2.decode(unspecified)).toMatchObject({ action: "unknown", schema: "unknown" });
  });

  it("refuses a truncated protobuf and bad enum strings with typed errors", () => {
    const full = v2.encode(thumbsUp);
    const truncated = createEncodedContent({
      type: ContentTypeReaction,
      content: full.content.subarray(0, 5),
    });
    expect(() => v2.decode(truncated)).toThrow(ContentDecodeError);
    expect(() => v2.encode({ ...thumbsUp, action: "liked" as never })).toThrow(ContentEncodeError);
    expect(() => v2.encode({ ...thumbsUp, schema: "emoji" as never })).toThrow(ContentEncodeError);
    expect(() => v2.decode(legacy.encode(thumbsUp))).toThrow(ContentTypeMismatchError);
  });
});

describe("LegacyReactionCodec (xmtp.org/reaction:1.0)", () => {
  it("writes the JSON keys in libxmtp's order, leaving out an empty referenceInboxId", () => {
    const encoded = legacy.encode({ ...thumbsUp, referenceInboxId: "" });
    expect(new TextDecoder().decode(encoded.content)).toBe(
      '{"action":"added","reference":"0123456789abcdef","schema":"unicode","content":"👍"}',
    );
    expect(legacy.encode(thumbsUp).content).toEqual(
      utf8(
        '{"action":"added","reference":"0123456789abcdef","referenceInboxId":"inbox-1","schema":"unicode","content":"👍"}',
      ),
    );
    expect(encoded.fallback).toBe('Reacted with "👍" to an earlier message');
    expect(legacy.shouldPush()).toBe(false);
  });

  it("round-trips", () => {
    expect(legacy.decode(legacy.encode(thumbsUp))).toEqual(thumbsUp);
  });

  it("decodes the older parameter form of xmtp-js (content as plain text)", () => {
    const old = createEncodedContent({
      type: ContentTypeLegacyReaction,
      parameters: { action: "added", reference: "abc123", schema: "shortcode", encoding: "UTF-8" },
      content: utf8("smile"),
    });
    expect(legacy.decode(old)).toEqual({
      action: "added",
      reference: "abc123",
      referenceInboxId: "",
      schema: "shortcode",
      content: "smile",
    });
  });

  it('reads unknown action and schema strings as "unknown" and refuses to write them', () => {
    const odd = createEncodedContent({
      type: ContentTypeLegacyReaction,
      content: utf8('{"action":"liked","reference":"r","schema":"emoji","content":"x","extra":1}'),
    });
    expect(legacy.decode(odd)).toMatchObject({ action: "unknown", schema: "unknown" });
    expect(() => legacy.encode({ ...thumbsUp, action: "unknown" })).toThrow(ContentEncodeError);
  });

  it.each([
    ["malformed JSON", "invalid json"],
    ["a JSON array", "[1,2]"],
    ["a missing field", '{"action":"added","reference":"r","schema":"unicode"}'],
    ["a wrong field type", '{"action":"added","reference":7,"schema":"unicode","content":"x"}'],
    [
      "a wrong referenceInboxId type",
      '{"action":"added","reference":"r","referenceInboxId":1,"schema":"unicode","content":"x"}',
    ],
  ])("refuses %s with a typed error", (_, json) => {
    const bad = createEncodedContent({ type: ContentTypeLegacyReaction, content: utf8(json) });
    expect(() => legacy.decode(bad)).toThrow(ContentDecodeError);
  });

  it("is picked by the registry for 1.0 while 2.0 goes to ReactionCodec", () => {
    const registry = CodecRegistry.withDefaults();
    const old = decodeContent(registry, golden("Reaction with custom schema"));
    expect(old.kind === "decoded" && old.codec).toBeInstanceOf(LegacyReactionCodec);
    const current = decodeContent(
      registry,
      Uint8Array.from(
        Buffer.from(
          // EncodedContent{type: xmtp.org/reaction:2.0, content: ReactionV2{reference "a", action ADDED, content "x"}}
          "0a160a08786d74702e6f726712087265616374696f6e1802220a0a016118012201782801",
          "hex",
        ),
      ),
    );
    expect(current.kind === "decoded" && current.content).toEqual({
      reference: "a",
      referenceInboxId: "",
      action: "added",
      content: "x",
      schema: "unicode",
    });
  });
});
