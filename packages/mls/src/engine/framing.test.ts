import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ExtensionError } from "./errors.js";
import {
  calculateMessageId,
  decodePlaintextEnvelope,
  encodePlaintextEnvelope,
  newIdempotencyKey,
} from "./framing.js";
import { fromHex, toHex } from "./tls.js";

describe("PlaintextEnvelope", () => {
  it("encodes V1 as libxmtp does: field 1 (V1) holding content (1) and idempotency_key (2)", () => {
    const content = fromHex("0a0b0c");
    const bytes = encodePlaintextEnvelope({ content, idempotencyKey: "17" });
    // 0a 09 | 0a 03 0a0b0c | 12 02 "17"
    expect(toHex(bytes)).toBe("0a090a030a0b0c12023137");
    expect(decodePlaintextEnvelope(bytes)).toEqual({ kind: "v1", content, idempotencyKey: "17" });
  });

  it("reports V2 (legacy, ignored) and rejects garbage with a typed error", () => {
    // field 2 (V2) with an empty message
    expect(decodePlaintextEnvelope(fromHex("1200"))).toEqual({ kind: "v2" });
    expect(() => decodePlaintextEnvelope(fromHex("ffffffff"))).toThrow(ExtensionError);
    expect(() => decodePlaintextEnvelope(new Uint8Array())).toThrow(/no content/);
  });
});

describe("message ids", () => {
  it("are sha256(group_id ‖ \\t ‖ idempotency_key ‖ \\t ‖ content)", () => {
    const groupId = fromHex("27a7ee3c43af9674ffc693af52c27268");
    const content = new TextEncoder().encode("encoded content");
    const expected = createHash("sha256")
      .update(groupId)
      .update("\t")
      .update("1795313242025852237")
      .update("\t")
      .update(content)
      .digest("hex");
    expect(toHex(calculateMessageId(groupId, content, "1795313242025852237"))).toBe(expected);
  });

  it("default idempotency keys are nanosecond times, strictly increasing", () => {
    const now = new Date(1795313242_000);
    const a = newIdempotencyKey(now);
    const b = newIdempotencyKey(now);
    expect(a).toBe("1795313242000000000");
    expect(BigInt(b)).toBe(BigInt(a) + 1n);
  });
});
