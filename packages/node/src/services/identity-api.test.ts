// IdentityApi over the wire: the node's own handling of identity updates (ordering, limits, the
// address log, refusals). The validator here is scripted by each test; real signature checks
// are tested with @x/id in identity-verify.test.ts.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  GetIdentityUpdatesResponseSchema,
  PublishIdentityUpdateRequestSchema,
} from "@x/proto/identity/api/v1";
import { IdentifierKind, IdentityUpdateSchema } from "@x/proto/identity/associations";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, fixtureIndex, hex } from "../test-utils/fixtures.js";
import { FIXTURE_TIME_NS, startTestNode, type TestNode } from "../test-utils/node.js";
import { MAX_INBOX_UPDATES } from "./identity.js";

const inbox = (c: string) => c.repeat(64);
const update = (inboxId: string, n: number) => ({
  inboxId,
  clientTimestampNs: BigInt(n),
  actions: [
    {
      kind: {
        case: "createInbox" as const,
        value: { initialIdentifier: `0x${n}`, nonce: BigInt(n) },
      },
    },
  ],
});
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e) => ConnectError.from(e).code,
  );

describe("IdentityApi", () => {
  let t: TestNode;
  beforeEach(async () => {
    t = await startTestNode();
  });
  afterEach(async () => {
    await t.stop();
  });

  it("stores updates with global sequence ids and serves the exact bytes after a sequence id", async () => {
    const req = fromBinary(
      PublishIdentityUpdateRequestSchema,
      fixture("004-PublishIdentityUpdate.bin"),
    );
    const alice = req.identityUpdate!.inboxId;
    await t.identity.publishIdentityUpdate(req);
    await t.identity.publishIdentityUpdate({ identityUpdate: update(inbox("b"), 2) });
    await t.identity.publishIdentityUpdate({ identityUpdate: update(alice, 3) });
    const res = await t.identity.getIdentityUpdates({
      requests: [
        { inboxId: alice, sequenceId: 0n },
        { inboxId: inbox("c"), sequenceId: 0n },
        { inboxId: alice, sequenceId: 1n },
      ],
    });
    expect(res.responses.map((r) => [r.inboxId, r.updates.map((u) => u.sequenceId)])).toEqual([
      [alice, [1n, 3n]],
      [inbox("c"), []],
      [alice, [3n]],
    ]);
    const first = res.responses[0]!.updates[0]!;
    expect(first.serverTimestampNs).toBe(FIXTURE_TIME_NS);
    // The published IdentityUpdate comes back byte for byte.
    const published = fixture("004-PublishIdentityUpdate.bin").subarray(3); // field 1 tag + 2-byte length
    expect(hex(toBinary(IdentityUpdateSchema, first.update!))).toBe(hex(published));
    const wire = toBinary(GetIdentityUpdatesResponseSchema, res);
    expect(hex(wire)).toContain(hex(published));
  });

  it("hands the validator the inbox's history, oldest first", async () => {
    const id = inbox("d");
    for (let n = 1; n <= 3; n++)
      await t.identity.publishIdentityUpdate({ identityUpdate: update(id, n) });
    expect(t.validator.calls.map((c) => c.history.map((u) => u.clientTimestampNs))).toEqual([
      [],
      [1n],
      [1n, 2n],
    ]);
  });

  it("answers InvalidArgument and stores nothing when the validator refuses", async () => {
    t.validator.verdict = () => "signature does not verify";
    const error = await t.identity
      .publishIdentityUpdate({ identityUpdate: update(inbox("e"), 1) })
      .catch((e) => e);
    expect(ConnectError.from(error).code).toBe(Code.InvalidArgument);
    expect(ConnectError.from(error).rawMessage).toContain("signature does not verify");
    const res = await t.identity.getIdentityUpdates({ requests: [{ inboxId: inbox("e") }] });
    expect(res.responses[0]!.updates).toEqual([]);
  });

  it("refuses requests without an update, an inbox id, or actions", async () => {
    expect(await codeOf(t.identity.publishIdentityUpdate({}))).toBe(Code.InvalidArgument);
    expect(
      await codeOf(t.identity.publishIdentityUpdate({ identityUpdate: update("not-an-inbox", 1) })),
    ).toBe(Code.InvalidArgument);
    expect(
      await codeOf(
        t.identity.publishIdentityUpdate({
          identityUpdate: { ...update(inbox("f"), 1), actions: [] },
        }),
      ),
    ).toBe(Code.InvalidArgument);
    expect(t.validator.calls).toHaveLength(0);
  });

  it(`refuses the update after ${MAX_INBOX_UPDATES} for one inbox`, async () => {
    const id = inbox("1");
    // Fill the log directly: the limit is about the stored log, however it got there.
    for (let n = 0; n < MAX_INBOX_UPDATES; n++) {
      await t.node.store.appendIdentityUpdate(
        id,
        toBinary(IdentityUpdateSchema, create(IdentityUpdateSchema, update(id, n))),
        { addedAddresses: [], removedAddresses: [] },
        1n,
      );
    }
    const error = await t.identity
      .publishIdentityUpdate({ identityUpdate: update(id, 999) })
      .catch((e) => e);
    expect(ConnectError.from(error).code).toBe(Code.FailedPrecondition);
    expect(ConnectError.from(error).rawMessage).toContain("inbox log is full");
    expect(await t.node.store.inboxLogCount(id)).toBe(MAX_INBOX_UPDATES);
    // Another inbox is unaffected.
    await t.identity.publishIdentityUpdate({ identityUpdate: update(inbox("2"), 1) });
  });

  it("validates and stores concurrent updates to one inbox one at a time", async () => {
    const id = inbox("3");
    t.validator.delayMs = 20;
    await Promise.all(
      Array.from({ length: 5 }, (_, n) =>
        t.identity.publishIdentityUpdate({ identityUpdate: update(id, n) }),
      ),
    );
    // Each validation saw every update stored before it: history lengths 0..4, none repeated.
    expect(t.validator.calls.map((c) => c.history.length).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await t.node.store.inboxLogCount(id)).toBe(5);
  });

  it("does not serialise different inboxes behind each other", async () => {
    t.validator.delayMs = 400;
    const started = Date.now();
    await Promise.all(
      ["4", "5", "6", "7"].map((c) =>
        t.identity.publishIdentityUpdate({ identityUpdate: update(inbox(c), 1) }),
      ),
    );
    // One after another would take 1.6 s.
    expect(Date.now() - started).toBeLessThan(1_200);
  });

  it("answers GetInboxIds from the address log, with revocations", async () => {
    const a = inbox("a");
    const b = inbox("b");
    t.validator.verdict = (u) => {
      const n = Number(u.clientTimestampNs);
      if (n === 1) return { addedAddresses: ["0xaaa", "0xbbb"], removedAddresses: [] };
      if (n === 2) return { addedAddresses: [], removedAddresses: ["0xbbb"] };
      return { addedAddresses: ["0xbbb"], removedAddresses: [] };
    };
    await t.identity.publishIdentityUpdate({ identityUpdate: update(a, 1) });
    const lookup = async () =>
      (
        await t.identity.getInboxIds({
          requests: ["0xbbb", "0xccc", "0xaaa"].map((identifier) => ({
            identifier,
            identifierKind: IdentifierKind.ETHEREUM,
          })),
        })
      ).responses.map((r) => [r.identifier, r.inboxId]);
    expect(await lookup()).toEqual([
      ["0xbbb", a],
      ["0xccc", undefined],
      ["0xaaa", a],
    ]);
    await t.identity.publishIdentityUpdate({ identityUpdate: update(a, 2) });
    expect((await lookup())[0]).toEqual(["0xbbb", undefined]);
    await t.identity.publishIdentityUpdate({ identityUpdate: update(b, 3) });
    expect((await lookup())[0]).toEqual(["0xbbb", b]);
  });

  it("reports smart-contract wallet signatures as unverifiable without a chain", async () => {
    const res = await t.identity.verifySmartContractWalletSignatures({
      signatures: [
        { accountId: "eip155:1:0xabc", signature: Uint8Array.of(1), hash: new Uint8Array(32) },
      ],
    });
    expect(res.responses).toHaveLength(1);
    expect(res.responses[0]!.isValid).toBe(false);
    expect(res.responses[0]!.error).toContain("chain");
  });

  it("serves GetInboxIds for the real libxmtp request shape", async () => {
    const { alice } = fixtureIndex().clients;
    t.validator.verdict = () => ({ addedAddresses: [alice.identifier], removedAddresses: [] });
    const req = fromBinary(
      PublishIdentityUpdateRequestSchema,
      fixture("004-PublishIdentityUpdate.bin"),
    );
    await t.identity.publishIdentityUpdate(req);
    const res = await t.identity.getInboxIds(
      fromBinary(
        (await import("@x/proto/identity/api/v1")).GetInboxIdsRequestSchema,
        fixture("001-GetInboxIds.bin"),
      ),
    );
    expect(res.responses.map((r) => r.inboxId)).toEqual([alice.inboxId]);
  });
});
