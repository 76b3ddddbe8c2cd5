// Every request/response body libxmtp 1.5.4 put on the wire decodes with the
// message type of its RPC (found from the service descriptor by gRPC path) and
// re-encodes to the same bytes.
import { createHash } from "node:crypto";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { fixtures, readFixture } from "./test-utils/fixtures.js";
import { methodByPath } from "./test-utils/services.js";

describe("libxmtp 1.5.4 golden bodies", () => {
  it("covers all 79 body files", () => {
    expect(fixtures.files).toHaveLength(79);
  });

  it.each(fixtures.files.map((f) => [f.file, f] as const))("%s round-trips", (_name, entry) => {
    const bytes = readFixture(entry.file);
    expect(bytes.length).toBe(entry.bytes);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(entry.sha256);

    const method = methodByPath(entry.path);
    expect(method.name).toBe(entry.rpc);
    const schema = entry.direction === "request" ? method.input : method.output;

    const decoded = fromBinary(schema, bytes);
    expect(decoded.$typeName).toBe(schema.typeName);
    expect(toBinary(schema, decoded)).toEqual(bytes);
  });

  it("decodes without unknown fields (every tag is in the schema)", () => {
    for (const entry of fixtures.files) {
      const method = methodByPath(entry.path);
      const schema = entry.direction === "request" ? method.input : method.output;
      const decoded = fromBinary(schema, readFixture(entry.file), { readUnknownFields: true });
      expect(JSON.stringify(collectUnknown(decoded)), entry.file).toBe("[]");
    }
  });

  it("would notice an unknown field (the check above can fail)", () => {
    const entry = fixtures.files.find((f) => f.file === "016-QueryGroupMessages.bin")!;
    const method = methodByPath(entry.path);
    // Append field 15 (varint 1), which QueryGroupMessagesRequest does not define.
    const bytes = new Uint8Array([...readFixture(entry.file), 0x78, 0x01]);
    const decoded = fromBinary(method.input, bytes, { readUnknownFields: true });
    expect(collectUnknown(decoded)).toEqual(["$"]);
    // Unknown fields are kept and written back, so the bytes still round-trip.
    expect(toBinary(method.input, decoded)).toEqual(bytes);
  });
});

// Walks a decoded message and returns the paths of any unknown fields.
function collectUnknown(value: unknown, path = "$", found: string[] = []): string[] {
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return found;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) collectUnknown(v, `${path}[${i}]`, found);
    return found;
  }
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.$unknown) && record.$unknown.length > 0) found.push(path);
  for (const [key, v] of Object.entries(record)) {
    if (key !== "$unknown") collectUnknown(v, `${path}.${key}`, found);
  }
  return found;
}
