// Malformed bodies are rejected: fromBinary throws, and decodeMessage turns
// that into a typed ProtoDecodeError.
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { decodeMessage, ProtoDecodeError } from "./decode.js";
import { MlsCredentialSchema } from "./identity/index.js";
import {
  PagingInfoSchema,
  SendGroupMessagesRequestSchema,
  UploadKeyPackageRequestSchema,
} from "./mls/api/v1/index.js";
import { fixtures, readFixture } from "./test-utils/fixtures.js";
import { methodByPath } from "./test-utils/services.js";

const schemaOf = (path: string, direction: "request" | "response") => {
  const method = methodByPath(path);
  return direction === "request" ? method.input : method.output;
};

describe("truncated bodies", () => {
  it.each(fixtures.files.map((f) => [f.file, f] as const))(
    "%s without its last byte does not decode",
    (_name, entry) => {
      const bytes = readFixture(entry.file);
      const schema = schemaOf(entry.path, entry.direction);
      expect(() => fromBinary(schema, bytes.subarray(0, bytes.length - 1))).toThrow();
    },
  );

  it("a key package upload cut inside the key package bytes does not decode", () => {
    const bytes = readFixture("003-UploadKeyPackage.bin");
    for (const cut of [3, 100, 1000, 1650]) {
      expect(() => fromBinary(UploadKeyPackageRequestSchema, bytes.subarray(0, cut))).toThrow();
    }
  });
});

describe("garbage", () => {
  const cases: [string, number[]][] = [
    ["an over-long varint", new Array(12).fill(0xff)],
    ["wire type 7", [0x0f]],
    ["an unmatched end-group", [0x0c]],
    ["a length past the end", [0x0a, 0x7f, 0x01]],
    ["field number 0", [0x00, 0x01]],
    ["plain text", [...Buffer.from("hello world, not protobuf")]],
  ];

  it.each(cases)("%s is rejected", (_name, bytes) => {
    expect(() => fromBinary(SendGroupMessagesRequestSchema, new Uint8Array(bytes))).toThrow();
  });

  it("a varint where a message is expected is rejected", () => {
    // SendGroupMessagesRequest.messages (1) is length-delimited; 0x08 says varint.
    expect(() =>
      fromBinary(SendGroupMessagesRequestSchema, new Uint8Array([0x08, 0x01])),
    ).toThrow();
  });

  it("a length-delimited value where a varint is expected is rejected", () => {
    // PagingInfo.direction (1) is a varint; 0x0a says length-delimited.
    expect(() => fromBinary(PagingInfoSchema, new Uint8Array([0x0a, 0x01, 0x00]))).toThrow();
  });

  it("invalid UTF-8 in a string field is rejected", () => {
    expect(() =>
      fromBinary(MlsCredentialSchema, new Uint8Array([0x0a, 0x02, 0xc3, 0x28])),
    ).toThrow();
  });
});

describe("decodeMessage", () => {
  it("decodes a valid body like fromBinary", () => {
    const bytes = readFixture("015-SendGroupMessages.bin");
    const viaHelper = decodeMessage(SendGroupMessagesRequestSchema, bytes);
    expect(viaHelper).toEqual(fromBinary(SendGroupMessagesRequestSchema, bytes));
  });

  it("throws a ProtoDecodeError with a stable code, the type name and the cause", () => {
    const bytes = readFixture("015-SendGroupMessages.bin").subarray(0, 50);
    let caught: unknown;
    try {
      decodeMessage(SendGroupMessagesRequestSchema, bytes);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProtoDecodeError);
    const error = caught as ProtoDecodeError;
    expect(error.code).toBe("PROTO_DECODE_FAILED");
    expect(error.retryable).toBe(false);
    expect(error.typeName).toBe("xmtp.mls.api.v1.SendGroupMessagesRequest");
    expect(error.message).toContain(
      "cannot decode 50 bytes as xmtp.mls.api.v1.SendGroupMessagesRequest",
    );
    expect(error.cause).toBeInstanceOf(Error);
  });
});
