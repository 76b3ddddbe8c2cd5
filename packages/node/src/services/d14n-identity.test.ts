// Identity on d14n: updates verified with @x/id against the d14n inbox log, the d14n address
// index behind GetInboxIds, and the two networks kept apart (v3 and d14n do not see each other).
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { PublishIdentityUpdateRequestSchema } from "@x/proto/identity/api/v1";
import { IdentifierKind, type IdentityUpdate } from "@x/proto/identity/associations";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openEnvelope } from "../d14n/envelopes.js";
import {
  type D14nTestNode,
  identityTopic,
  identityUpdateEnvelope,
  startD14nNode,
} from "../test-utils/d14n.js";
import { fixture, fixtureIndex } from "../test-utils/fixtures.js";
import { addWallet, createInbox, randomWallet, revokeWallet } from "../test-utils/identities.js";
import { ScriptedValidator } from "../test-utils/node.js";
import { MAX_INBOX_UPDATES } from "./identity.js";

const published = (file: string) =>
  fromBinary(PublishIdentityUpdateRequestSchema, fixture(file)).identityUpdate!;

describe("identity on d14n", () => {
  let t: D14nTestNode;
  beforeEach(async () => {
    t = await startD14nNode();
  });
  afterEach(async () => {
    await t.stop();
  });

  const publishD14n = (...updates: IdentityUpdate[]) =>
    t.payer.publishClientEnvelopes({ envelopes: updates.map((u) => identityUpdateEnvelope(u)) });
  const refusedD14n = async (...updates: IdentityUpdate[]) => {
    const e = await publishD14n(...updates).then(
      () => undefined,
      (err: unknown) => ConnectError.from(err),
    );
    expect(e, "the update should have been refused").toBeDefined();
    return e!;
  };
  const lookupD14n = async (identifiers: string[]) =>
    (
      await t.replication.getInboxIds({
        requests: identifiers.map((identifier) => ({
          identifier,
          identifierKind: IdentifierKind.ETHEREUM,
        })),
      })
    ).responses.map((r) => r.inboxId);
  const lookupV3 = async (identifiers: string[]) =>
    (
      await t.identity.getInboxIds({
        requests: identifiers.map((identifier) => ({
          identifier,
          identifierKind: IdentifierKind.ETHEREUM,
        })),
      })
    ).responses.map((r) => r.inboxId);
  const d14nLog = async (inboxId: string) =>
    (
      await t.replication.queryEnvelopes({
        query: { topics: [identityTopic(inboxId)], lastSeen: { nodeIdToSequenceId: { 1: 0n } } },
      })
    ).envelopes.map((e) => openEnvelope(e).unsigned.originatorSequenceId);

  it("indexes the real libxmtp registrations for GetInboxIds, echoing each identifier", async () => {
    const { alice, bob } = fixtureIndex().clients;
    const res = await publishD14n(
      published("004-PublishIdentityUpdate.bin"),
      published("009-PublishIdentityUpdate.bin"),
    );
    expect(res.originatorEnvelopes.map((e) => openEnvelope(e).unsigned.originatorNodeId)).toEqual([
      1, 1,
    ]);
    const unknown = `0x${"ab".repeat(20)}`;
    const answer = await t.replication.getInboxIds({
      requests: [
        { identifier: bob.identifier, identifierKind: IdentifierKind.ETHEREUM },
        { identifier: unknown, identifierKind: IdentifierKind.ETHEREUM },
        { identifier: alice.identifier, identifierKind: IdentifierKind.PASSKEY },
      ],
    });
    expect(answer.responses.map((r) => [r.identifier, r.inboxId, r.identifierKind])).toEqual([
      [bob.identifier, bob.inboxId, IdentifierKind.ETHEREUM],
      [unknown, undefined, IdentifierKind.ETHEREUM],
      [alice.identifier, alice.inboxId, IdentifierKind.PASSKEY],
    ]);
    // QueryApi answers the same.
    const viaQueryApi = await t.query.getInboxIds({
      requests: [{ identifier: alice.identifier, identifierKind: IdentifierKind.ETHEREUM }],
    });
    expect(viaQueryApi.responses[0]!.inboxId).toBe(alice.inboxId);
    // The v3 network knows nothing of it.
    expect(await lookupV3([alice.identifier, bob.identifier])).toEqual([undefined, undefined]);
    expect(await d14nLog(alice.inboxId)).toEqual([1n]);
    expect(await d14nLog(bob.inboxId)).toEqual([2n]);
  });

  it("keeps v3 and d14n registrations apart, each validated against its own log", async () => {
    const { alice } = fixtureIndex().clients;
    const registration = published("004-PublishIdentityUpdate.bin");
    await t.identity.publishIdentityUpdate({ identityUpdate: registration });
    expect(await lookupV3([alice.identifier])).toEqual([alice.inboxId]);
    expect(await lookupD14n([alice.identifier])).toEqual([undefined]);
    expect(await d14nLog(alice.inboxId)).toEqual([]);
    // The same registration is new to d14n (replaying it on v3 is refused there).
    await publishD14n(registration);
    expect(await lookupD14n([alice.identifier])).toEqual([alice.inboxId]);
    const e = await t.identity
      .publishIdentityUpdate({ identityUpdate: registration })
      .catch((x: unknown) => ConnectError.from(x));
    expect((e as ConnectError).code).toBe(Code.InvalidArgument);
    // A replay on d14n is refused as well, and stores nothing.
    expect((await refusedD14n(registration)).code).toBe(Code.InvalidArgument);
    expect(await d14nLog(alice.inboxId)).toEqual([1n]);
  });

  it("follows associations and revocations into the d14n index, updates in one batch seeing each other", async () => {
    const owner = randomWallet();
    const second = randomWallet();
    const { inboxId, update } = await createInbox(owner);
    const res = await publishD14n(update, await addWallet(inboxId, owner, second));
    expect(
      res.originatorEnvelopes.map((e) => openEnvelope(e).unsigned.originatorSequenceId),
    ).toEqual([1n, 2n]);
    expect(await lookupD14n([owner.identifier.address, second.identifier.address])).toEqual([
      inboxId,
      inboxId,
    ]);
    // Only the recovery wallet may revoke.
    expect((await refusedD14n(await revokeWallet(inboxId, second, owner))).code).toBe(
      Code.InvalidArgument,
    );
    await publishD14n(await revokeWallet(inboxId, owner, second));
    expect(await lookupD14n([owner.identifier.address, second.identifier.address])).toEqual([
      inboxId,
      undefined,
    ]);
    expect(await d14nLog(inboxId)).toEqual([1n, 2n, 3n]);
    expect(await lookupV3([owner.identifier.address])).toEqual([undefined]);
  });

  it("does not mix up an inbox's v3 and d14n states when both logs have the same length", async () => {
    const owner = randomWallet();
    const onV3 = randomWallet();
    const onD14n = randomWallet();
    const { inboxId, update } = await createInbox(owner);
    await t.identity.publishIdentityUpdate({ identityUpdate: update });
    await publishD14n(update);
    await publishD14n(await addWallet(inboxId, owner, onD14n));
    await t.identity.publishIdentityUpdate({
      identityUpdate: await addWallet(inboxId, owner, onV3),
    });
    // Both logs hold two updates now; the validator last saw the v3 one. onV3 is no member on
    // d14n, so it cannot vouch for another wallet there (it can on v3).
    const third = randomWallet();
    expect((await refusedD14n(await addWallet(inboxId, onV3, third))).code).toBe(
      Code.InvalidArgument,
    );
    expect(await lookupD14n([third.identifier.address])).toEqual([undefined]);
    await publishD14n(await revokeWallet(inboxId, owner, onD14n));
    expect(await lookupD14n([onD14n.identifier.address, onV3.identifier.address])).toEqual([
      undefined,
      undefined,
    ]);
    expect(await lookupV3([onD14n.identifier.address, onV3.identifier.address])).toEqual([
      undefined,
      inboxId,
    ]);
  });
});

describe("identity on d14n with a scripted validator", () => {
  it("hands the validator the d14n log only, and refuses updates past the inbox limit", async () => {
    const validator = new ScriptedValidator();
    validator.verdict = (u) => ({
      addedAddresses: u.clientTimestampNs === 1n ? ["0xaaaa"] : [],
      removedAddresses: [],
    });
    const t = await startD14nNode({ identityValidator: validator });
    try {
      const inboxId = "e".repeat(64);
      const update = (n: number) =>
        ({
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
        }) as unknown as IdentityUpdate;
      await t.identity.publishIdentityUpdate({ identityUpdate: update(100) }); // v3 only
      await t.payer.publishClientEnvelopes({
        envelopes: [identityUpdateEnvelope(update(1)), identityUpdateEnvelope(update(2))],
      });
      const d14nCalls = validator.calls.slice(1);
      expect(d14nCalls.map((c) => c.history.map((u) => u.clientTimestampNs))).toEqual([[], [1n]]);
      const found = await t.replication.getInboxIds({
        requests: [{ identifier: "0xaaaa", identifierKind: IdentifierKind.ETHEREUM }],
      });
      expect(found.responses[0]!.inboxId).toBe(inboxId);

      const fill = Array.from({ length: MAX_INBOX_UPDATES - 2 }, (_, i) =>
        identityUpdateEnvelope(update(3 + i)),
      );
      await t.payer.publishClientEnvelopes({ envelopes: fill });
      const e = await t.payer
        .publishClientEnvelopes({ envelopes: [identityUpdateEnvelope(update(999))] })
        .catch((x: unknown) => ConnectError.from(x));
      expect((e as ConnectError).code).toBe(Code.FailedPrecondition);
      expect((e as ConnectError).rawMessage).toContain("inbox log is full");
    } finally {
      await t.stop();
    }
  });
});
