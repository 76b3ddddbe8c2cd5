import { describe, expect, it } from "vitest";
import { createEncodedContent } from "../codec.js";
import { contentTypeId } from "../content-type-id.js";
import { encodeContent } from "../encoding.js";
import { ContentDecodeError, ContentTypeMismatchError } from "../errors.js";
import { golden } from "../test-utils/libxmtp-fixtures.js";
import { ContentTypeMarkdown, ContentTypeText, MarkdownCodec, TextCodec } from "./text.js";

const text = new TextCodec();
const markdown = new MarkdownCodec();

describe("TextCodec", () => {
  it("has libxmtp's type id, no fallback, and pushes", () => {
    expect(text.contentType).toEqual({
      authorityId: "xmtp.org",
      typeId: "text",
      versionMajor: 1,
      versionMinor: 0,
    });
    expect(text.fallback()).toBeUndefined();
    expect(text.shouldPush()).toBe(true);
  });

  it("encodes to exactly the golden bytes", () => {
    expect(encodeContent(text, "Hello, World!")).toEqual(golden("Simple text message"));
    expect(encodeContent(text, "Hello! 👋 How are you? 😊")).toEqual(golden("Text with emoji"));
    const encoded = text.encode("x");
    expect(encoded.parameters).toEqual({ encoding: "UTF-8" });
    expect(encoded.fallback).toBeUndefined();
  });

  it("round-trips, keeping a leading BOM and empty text", () => {
    for (const value of ["", "\uFEFFbom", "multi\nline", "🙂".repeat(100)]) {
      expect(text.decode(text.encode(value))).toBe(value);
    }
  });

  it("reads a missing encoding parameter as UTF-8", () => {
    const encoded = createEncodedContent({
      type: ContentTypeText,
      content: new TextEncoder().encode("hi"),
    });
    expect(text.decode(encoded)).toBe("hi");
  });

  it("refuses other encodings and invalid UTF-8 with a typed error", () => {
    const latin1 = createEncodedContent({
      type: ContentTypeText,
      parameters: { encoding: "ISO-8859-1" },
      content: new Uint8Array([0x68, 0x69]),
    });
    expect(() => text.decode(latin1)).toThrow(/unsupported text encoding "ISO-8859-1"/);
    const broken = createEncodedContent({
      type: ContentTypeText,
      content: new Uint8Array([0xff, 0xfe, 0x41]),
    });
    expect(() => text.decode(broken)).toThrow(ContentDecodeError);
  });

  it("refuses another content type or major version", () => {
    expect(() => text.decode(markdown.encode("# hi"))).toThrow(ContentTypeMismatchError);
    const v2 = createEncodedContent({
      type: contentTypeId("xmtp.org", "text", 2, 0),
      content: new Uint8Array(),
    });
    expect(() => text.decode(v2)).toThrow(ContentTypeMismatchError);
    const noType = { ...text.encode("x"), type: undefined };
    expect(() => text.decode(noType)).toThrow(/cannot decode no content type/);
    // a newer minor version is compatible
    const minor = createEncodedContent({
      type: contentTypeId("xmtp.org", "text", 1, 5),
      content: new Uint8Array([0x61]),
    });
    expect(text.decode(minor)).toBe("a");
  });

  it("refuses compressed content (decompress first)", () => {
    const compressed = { ...text.encode("x"), compression: 0 };
    expect(() => text.decode(compressed)).toThrow(/still compressed/);
  });
});

describe("MarkdownCodec", () => {
  it("encodes markdown like text, under xmtp.org/markdown:1.0", () => {
    expect(markdown.contentType).toBe(ContentTypeMarkdown);
    expect(encodeContent(markdown, "# Hello World\n\nThis is **bold** text.")).toEqual(
      golden("Simple markdown"),
    );
    expect(markdown.decode(markdown.encode("*x*"))).toBe("*x*");
    expect(markdown.shouldPush()).toBe(true);
    expect(() => markdown.decode(text.encode("x"))).toThrow(ContentTypeMismatchError);
  });
});
