import { fromBinary } from "@bufbuild/protobuf";
import { SendGroupMessagesRequestSchema } from "@x/proto/mls/api/v1";
import { describe, expect, it } from "vitest";
import { fixture, fixtureIndex, hex } from "../test-utils/fixtures.js";
import { privateMessage, publicMessage } from "../test-utils/mls-bytes.js";
import { parseGroupMessage } from "./group-message.js";
import { TlsDecodeError } from "./tls.js";

const sent = (file: string) => {
  const req = fromBinary(SendGroupMessagesRequestSchema, fixture(file));
  const v = req.messages[0]!.version;
  if (v.case !== "v1") throw new Error("not v1");
  return v.value.data;
};

describe("parseGroupMessage", () => {
  it("reads group id and commit flag from real libxmtp 1.5.4 messages", () => {
    const { dm, group } = fixtureIndex().conversations;
    const cases: [string, string, boolean][] = [
      ["015-SendGroupMessages.bin", dm.groupId, true],
      ["019-SendGroupMessages.bin", dm.groupId, false],
      ["025-SendGroupMessages.bin", dm.groupId, true],
      ["034-SendGroupMessages.bin", group.groupId, true],
      ["037-SendGroupMessages.bin", group.groupId, true],
      ["040-SendGroupMessages.bin", group.groupId, false],
    ];
    for (const [file, groupId, isCommit] of cases) {
      const info = parseGroupMessage(sent(file));
      expect([hex(info.groupId), info.isCommit, info.wireFormat]).toEqual([groupId, isCommit, 2]);
    }
  });

  it("reads PublicMessages and counts proposals as commits", () => {
    const g = Uint8Array.of(7, 7);
    expect(parseGroupMessage(publicMessage(g, 3))).toMatchObject({
      groupId: g,
      isCommit: true,
      wireFormat: 1,
    });
    expect(parseGroupMessage(publicMessage(g, 2)).isCommit).toBe(true);
    expect(parseGroupMessage(privateMessage(g, 2)).isCommit).toBe(true);
    expect(parseGroupMessage(privateMessage(g, 1)).isCommit).toBe(false);
  });

  it("reads the exact content type, whatever the PublicMessage sender", () => {
    const g = Uint8Array.of(7, 7);
    for (const type of [1, 2, 3] as const) {
      expect(parseGroupMessage(privateMessage(g, type)).contentType).toBe(type);
      for (const sender of [1, 2, 3, 4]) {
        const info = parseGroupMessage(publicMessage(g, type, 5, sender));
        expect([info.contentType, hex(info.groupId)]).toEqual([type, "0707"]);
      }
    }
    // A sender type that does not exist.
    expect(() => parseGroupMessage(publicMessage(g, 3, 0, 5))).toThrow(TlsDecodeError);
  });

  it("refuses bytes that are not a group message", () => {
    const good = sent("019-SendGroupMessages.bin");
    const bad: Uint8Array[] = [
      new Uint8Array(),
      good.subarray(0, 10), // truncated
      good.subarray(0, good.length - 1), // last byte missing
      Uint8Array.of(...good, 0), // trailing byte
      Uint8Array.of(0, 2, ...good.subarray(2)), // MLS version 2
      Uint8Array.of(0, 1, 0, 3, ...good.subarray(4)), // a Welcome
      Uint8Array.of(0, 1, 0, 5, ...good.subarray(4)), // a KeyPackage
      privateMessage(Uint8Array.of(1), 4), // unknown content type
      new TextEncoder().encode("hello, not MLS"),
    ];
    for (const b of bad) expect(() => parseGroupMessage(b)).toThrow(TlsDecodeError);
  });
});
