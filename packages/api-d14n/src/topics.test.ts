import { describe, expect, it } from "vitest";
import {
  decodeTopic,
  encodeTopic,
  groupMessagesTopic,
  identityUpdatesTopic,
  TopicError,
  TopicKind,
  welcomeMessagesTopic,
} from "./index.js";

const inboxId = "0a7342740183795518a9e088237f294a257f43220052dde8ba20eba0c4cc07ab";

describe("d14n topics", () => {
  it("prefixes the identifier with the kind byte", () => {
    const groupId = new Uint8Array(16).fill(7);
    const topic = groupMessagesTopic(groupId);
    expect(topic[0]).toBe(0);
    expect(topic.slice(1)).toEqual(groupId);
    expect(welcomeMessagesTopic(new Uint8Array(32).fill(1))[0]).toBe(1);
  });

  it("carries an inbox id as its 32 raw bytes", () => {
    const topic = identityUpdatesTopic(inboxId);
    expect(topic.length).toBe(33);
    expect(topic[0]).toBe(TopicKind.IdentityUpdatesV1);
    expect(Buffer.from(topic.slice(1)).toString("hex")).toBe(inboxId);
  });

  it("round-trips through decodeTopic", () => {
    const topic = encodeTopic(TopicKind.KeyPackagesV1, new Uint8Array([9, 8, 7]));
    expect(decodeTopic(topic)).toEqual({ kind: 3, identifier: new Uint8Array([9, 8, 7]) });
  });

  it("refuses unknown kinds, empty and oversized topics, and bad inbox ids", () => {
    expect(() => decodeTopic(new Uint8Array([4, 1]))).toThrow(TopicError);
    expect(() => decodeTopic(new Uint8Array([0]))).toThrow(/2..128 bytes/);
    expect(() => encodeTopic(TopicKind.GroupMessagesV1, new Uint8Array(128))).toThrow(TopicError);
    expect(() => identityUpdatesTopic("not hex")).toThrow(/not a hex string/);
  });
});
