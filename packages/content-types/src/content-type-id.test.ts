import { describe, expect, it } from "vitest";
import {
  contentTypeFromString,
  contentTypeId,
  contentTypeKey,
  contentTypesAreEqual,
  contentTypeToString,
} from "./content-type-id.js";
import { InvalidContentTypeError } from "./errors.js";

describe("ContentTypeId helpers", () => {
  it("compares authority and type only", () => {
    const a = contentTypeId("xmtp.org", "reaction", 1, 0);
    expect(contentTypesAreEqual(a, contentTypeId("xmtp.org", "reaction", 2, 3))).toBe(true);
    expect(contentTypesAreEqual(a, contentTypeId("xmtp.org", "reply", 1, 0))).toBe(false);
    expect(contentTypesAreEqual(a, contentTypeId("example.com", "reaction", 1, 0))).toBe(false);
  });

  it("formats and parses authority/type:major.minor", () => {
    const id = contentTypeId("coinbase.com", "actions", 1, 0);
    expect(contentTypeToString(id)).toBe("coinbase.com/actions:1.0");
    expect(contentTypeFromString("coinbase.com/actions:1.0")).toEqual(id);
    expect(contentTypeFromString("xmtp.org/group_updated:12.34")).toEqual(
      contentTypeId("xmtp.org", "group_updated", 12, 34),
    );
  });

  it.each([
    "",
    "xmtp.org/text",
    "xmtp.org/text:1",
    "text:1.0",
    "xmtp.org/text:1.x",
    "xmtp.org/text:-1.0",
    "xmtp.org/text:4294967296.0",
  ])("refuses %j with a typed error", (value) => {
    expect(() => contentTypeFromString(value)).toThrow(InvalidContentTypeError);
    try {
      contentTypeFromString(value);
    } catch (error) {
      expect((error as InvalidContentTypeError).code).toBe("CONTENT_TYPE_INVALID");
    }
  });

  it("refuses versions outside uint32", () => {
    expect(() => contentTypeId("a", "b", 1.5, 0)).toThrow(InvalidContentTypeError);
    expect(() => contentTypeId("a", "b", 0, -1)).toThrow(InvalidContentTypeError);
    expect(contentTypeId("a", "b", 0xffff_ffff, 0).versionMajor).toBe(0xffff_ffff);
  });

  it("keys by authority, type and major version", () => {
    expect(contentTypeKey(contentTypeId("xmtp.org", "reaction", 2, 7))).toBe("xmtp.org/reaction:2");
  });
});
