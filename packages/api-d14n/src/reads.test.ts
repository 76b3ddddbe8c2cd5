// Reads from the chosen node: envelope unwrapping, mapping to the v3 shapes with originator
// ids, vector cursors, client-side ordering, and skipping what does not decode.
import { create } from "@bufbuild/protobuf";
import { originatorOf, type SequencedGroupMessage } from "@x/api";
import {
  GetIdentityUpdatesRequestSchema,
  GetInboxIdsRequestSchema,
} from "@x/proto/identity/api/v1";
import {
  FetchKeyPackagesRequestSchema,
  GetNewestGroupMessageRequestSchema,
  type GroupMessage,
  QueryGroupMessagesRequestSchema,
  QueryWelcomeMessagesRequestSchema,
  SortDirection,
} from "@x/proto/mls/api/v1";
import { OriginatorEnvelopeSchema } from "@x/proto/xmtpv4/envelopes";
import type { QueryEnvelopesRequest } from "@x/proto/xmtpv4/message_api";
import { describe, expect, it } from "vitest";
import type { D14nApiError } from "./errors.js";
import {
  appMessage,
  clientOf,
  commit,
  GROUP,
  groupPayload,
  INSTALLATION,
  identityPayload,
  network,
  OTHER_GROUP,
  welcomePayload,
} from "./test-utils/helpers.js";
import { keyPackage, privateMessage, publicCommit } from "./test-utils/mls.js";
import {
  groupMessagesTopic,
  identityUpdatesTopic,
  keyPackagesTopic,
  welcomeMessagesTopic,
} from "./topics.js";

const TOPIC = groupMessagesTopic(GROUP);
const v1 = (m: GroupMessage) => m.version.value!;
const ids = (ms: GroupMessage[]) => ms.map((m) => `${originatorOf(m)}:${v1(m).id}`);
const queries = (n: Awaited<ReturnType<typeof network>>) =>
  n.callsOf("queryEnvelopes").map((c) => c.request as QueryEnvelopesRequest);
const groupQuery = (limit = 0, idCursor = 0n) =>
  create(QueryGroupMessagesRequestSchema, {
    groupId: GROUP,
    pagingInfo: { direction: SortDirection.ASCENDING, limit, idCursor },
  });

describe("queryGroupMessages", () => {
  it("maps envelopes to GroupMessages with originator, ids, timestamps and depends_on", async () => {
    const net = await network();
    const data = publicCommit(GROUP);
    net.add(TOPIC, groupPayload(data, { senderHmac: Uint8Array.of(5), shouldPush: true }), {
      originatorId: 0,
      ns: 111n,
    });
    net.add(TOPIC, appMessage(), { originatorId: 100, ns: 222n, dependsOn: new Map([[0, 1n]]) });
    const res = await clientOf(net).queryGroupMessages(groupQuery());
    const [c, m] = res.messages as [SequencedGroupMessage, SequencedGroupMessage];
    expect(v1(c)).toMatchObject({
      id: 1n,
      createdNs: 111n,
      groupId: GROUP,
      data,
      senderHmac: Uint8Array.of(5),
      shouldPush: true,
      isCommit: true,
    });
    expect([c.originatorId, c.dependsOn]).toEqual([0, undefined]);
    expect(v1(m)).toMatchObject({ id: 1n, createdNs: 222n, isCommit: false });
    expect([m.originatorId, m.dependsOn]).toEqual([100, new Map([[0, 1n]])]);
    const [q] = queries(net);
    expect(q?.query?.topics).toEqual([TOPIC]);
    expect(q?.limit).toBe(100);
    expect(q?.query?.lastSeen?.nodeIdToSequenceId).toEqual({});
    expect(res.pagingInfo?.idCursor).toBe(0n);
  });

  it("sends the vector cursor as last_seen, or the v3 id cursor as originator 0", async () => {
    const net = await network();
    const client = clientOf(net);
    await client.queryGroupMessages(groupQuery(), {
      lastSeen: new Map([
        [0, 3n],
        [100, 9n],
      ]),
    });
    await client.queryGroupMessages(groupQuery(5, 7n));
    const [a, b] = queries(net);
    expect(a?.query?.lastSeen?.nodeIdToSequenceId).toEqual({ 0: 3n, 100: 9n });
    expect(b?.query?.lastSeen?.nodeIdToSequenceId).toEqual({ 0: 7n });
    expect(b?.limit).toBe(5);
  });

  it("says there may be more when a full page came back", async () => {
    const net = await network();
    for (let i = 0; i < 3; i++) net.add(TOPIC, appMessage(GROUP, i));
    const client = clientOf(net);
    expect((await client.queryGroupMessages(groupQuery(2))).pagingInfo?.idCursor).toBe(2n);
    expect((await client.queryGroupMessages(groupQuery(5))).pagingInfo?.idCursor).toBe(0n);
  });

  it("sorts by originator time and holds a message until the commit it depends on", async () => {
    const net = await network();
    // The node received the app message (sent after commit 0:1) before the commit.
    net.add(TOPIC, appMessage(), { originatorId: 100, ns: 50n, dependsOn: new Map([[0, 1n]]) });
    net.add(TOPIC, appMessage(GROUP, 1), { originatorId: 100, ns: 30n });
    net.add(TOPIC, commit(), { originatorId: 0, ns: 60n });
    const res = await clientOf(net).queryGroupMessages(groupQuery());
    expect(ids(res.messages)).toEqual(["100:2", "0:1", "100:1"]);
    expect(queries(net)).toHaveLength(1);
  });

  it("re-queries for a parent beyond the page, from the least needed cursor", async () => {
    const net = await network();
    net.add(TOPIC, appMessage(), { originatorId: 100, ns: 10n, dependsOn: new Map([[0, 1n]]) });
    net.add(TOPIC, appMessage(GROUP, 1), { originatorId: 100, ns: 20n });
    net.add(TOPIC, commit(), { originatorId: 0, ns: 30n });
    const res = await clientOf(net).queryGroupMessages(groupQuery(2));
    expect(ids(res.messages)).toEqual(["100:2", "0:1", "100:1"]);
    const [, again] = queries(net);
    expect(again?.query?.lastSeen?.nodeIdToSequenceId).toEqual({ 0: 0n, 100: 2n });
  });

  it("releases a message whose parent never comes after a bounded number of re-queries", async () => {
    const net = await network();
    net.add(TOPIC, appMessage(), { originatorId: 100, dependsOn: new Map([[0, 9n]]) });
    net.add(TOPIC, appMessage(GROUP, 1), { originatorId: 100 });
    const res = await clientOf(net, {
      resolve: { attempts: 2, initialDelayMs: 1 },
    }).queryGroupMessages(groupQuery());
    expect(ids(res.messages)).toEqual(["100:2", "100:1"]);
    expect(queries(net)).toHaveLength(3);
  });

  it("skips an undecodable envelope, a foreign group's and a non-MLS one, and delivers the rest", async () => {
    const net = await network();
    net.add(TOPIC, appMessage(), { originatorId: 100 });
    net.addEnvelope(
      TOPIC,
      () =>
        create(OriginatorEnvelopeSchema, {
          unsignedOriginatorEnvelope: Uint8Array.of(0xff, 0xff, 0xff),
        }),
      100,
    );
    net.add(TOPIC, groupPayload(privateMessage(OTHER_GROUP)), { originatorId: 100 });
    net.add(TOPIC, groupPayload(new Uint8Array(40).fill(0x5a)), { originatorId: 100 });
    net.add(TOPIC, welcomePayload(), { originatorId: 100 });
    net.add(TOPIC, appMessage(GROUP, 5), { originatorId: 100 });
    const skipped: [D14nApiError, unknown][] = [];
    const res = await clientOf(net, {
      onSkipped: (e, info) => skipped.push([e, info]),
    }).queryGroupMessages(groupQuery());
    expect(ids(res.messages)).toEqual(["100:1", "100:6"]);
    expect(skipped).toHaveLength(4);
    expect(
      skipped.every(([e]) => e.reason === "bad_envelope" && e.code === "api.bad_response"),
    ).toBe(true);
    expect(skipped[0]?.[0].message).toMatch(/does not decode/);
    expect(skipped[1]?.[0].message).toMatch(/belongs to group 6262/);
    expect(skipped[1]?.[1]).toMatchObject({ originatorId: 100, sequenceId: 3n });
    expect(skipped[3]?.[0].message).toMatch(/expected a group message/);
  });

  it("reads the newest message (DESCENDING, limit 1) with GetNewestEnvelope", async () => {
    const net = await network();
    net.add(TOPIC, appMessage(GROUP, 1), { originatorId: 100 });
    net.add(TOPIC, commit(), { originatorId: 0 });
    const res = await clientOf(net).queryGroupMessages(
      create(QueryGroupMessagesRequestSchema, {
        groupId: GROUP,
        pagingInfo: { direction: SortDirection.DESCENDING, limit: 1 },
      }),
    );
    expect(ids(res.messages)).toEqual(["0:1"]);
    expect(net.callsOf("getNewestEnvelope")).toHaveLength(1);
    expect(net.callsOf("queryEnvelopes")).toHaveLength(0);
  });
});

describe("queryWelcomeMessages", () => {
  it("maps v1 welcomes and pointers with their originator, in server order", async () => {
    const net = await network();
    const topic = welcomeMessagesTopic(INSTALLATION);
    net.add(topic, welcomePayload(INSTALLATION, Uint8Array.of(7)), { originatorId: 100, ns: 90n });
    net.add(
      topic,
      {
        case: "welcomeMessage",
        value: {
          version: {
            case: "welcomePointer",
            value: {
              installationKey: INSTALLATION,
              welcomePointer: Uint8Array.of(8),
              hpkePublicKey: Uint8Array.of(6),
              wrapperAlgorithm: 2,
            },
          },
        } as never,
      },
      { originatorId: 11, ns: 10n },
    );
    const res = await clientOf(net).queryWelcomeMessages(
      create(QueryWelcomeMessagesRequestSchema, { installationKey: INSTALLATION }),
      { lastSeen: new Map([[100, 0n]]) },
    );
    const [a, b] = res.messages;
    expect(a?.version.case).toBe("v1");
    expect(a?.version.value).toMatchObject({
      id: 1n,
      createdNs: 90n,
      installationKey: INSTALLATION,
      data: Uint8Array.of(7),
      hpkePublicKey: Uint8Array.of(9),
      wrapperAlgorithm: 2,
      welcomeMetadata: Uint8Array.of(4),
    });
    expect(b?.version.case).toBe("welcomePointer");
    expect(b?.version.value).toMatchObject({
      id: 1n,
      createdNs: 10n,
      welcomePointer: Uint8Array.of(8),
      hpkePublicKey: Uint8Array.of(6),
      wrapperAlgorithm: 2,
    });
    expect(res.messages.map(originatorOf)).toEqual([100, 11]);
  });
});

describe("getNewestGroupMessage", () => {
  it("answers one slot per group, in order, with content only when asked", async () => {
    const net = await network();
    const data = privateMessage(OTHER_GROUP);
    net.add(groupMessagesTopic(OTHER_GROUP), groupPayload(data, { senderHmac: Uint8Array.of(1) }), {
      originatorId: 100,
      ns: 77n,
    });
    const client = clientOf(net);
    const req = (includeContent: boolean) =>
      create(GetNewestGroupMessageRequestSchema, {
        groupIds: [GROUP, OTHER_GROUP],
        includeContent,
      });
    const bare = await client.getNewestGroupMessage(req(false));
    expect(bare.responses[0]?.groupMessage).toBeUndefined();
    const m = bare.responses[1]?.groupMessage as SequencedGroupMessage;
    expect(v1(m)).toMatchObject({
      id: 1n,
      createdNs: 77n,
      groupId: OTHER_GROUP,
      data: new Uint8Array(),
      senderHmac: new Uint8Array(),
    });
    expect(m.originatorId).toBe(100);
    const full = await client.getNewestGroupMessage(req(true));
    expect(v1(full.responses[1]!.groupMessage!).data).toEqual(data);
    const sent = net.callsOf("getNewestEnvelope")[0]?.request as { topics: Uint8Array[] };
    expect(sent.topics).toEqual([groupMessagesTopic(GROUP), groupMessagesTopic(OTHER_GROUP)]);
  });
});

describe("fetchKeyPackages", () => {
  it("answers one key package per installation, empty where there is none", async () => {
    const net = await network();
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    const kp = keyPackage(b);
    net.add(keyPackagesTopic(b), {
      case: "uploadKeyPackage",
      value: { keyPackage: { keyPackageTlsSerialized: kp } } as never,
    });
    const res = await clientOf(net).fetchKeyPackages(
      create(FetchKeyPackagesRequestSchema, { installationKeys: [a, b] }),
    );
    expect(res.keyPackages.map((k) => k.keyPackageTlsSerialized)).toEqual([new Uint8Array(), kp]);
  });
});

describe("getIdentityUpdates", () => {
  const inbox = (i: number) => i.toString(16).padStart(64, "0");

  it("queries ≤50 inboxes at a time from the lowest cursor, groups by inbox and drops what the caller has", async () => {
    const net = await network();
    for (let i = 0; i < 60; i++)
      net.add(identityUpdatesTopic(inbox(i)), identityPayload(inbox(i), BigInt(i)), {
        originatorId: 1,
      });
    // A second update for inbox 0 (seq 61) and inbox 55 (seq 62).
    net.add(identityUpdatesTopic(inbox(0)), identityPayload(inbox(0), 100n), {
      originatorId: 1,
      ns: 5_000_000n,
    });
    net.add(identityUpdatesTopic(inbox(55)), identityPayload(inbox(55), 101n), { originatorId: 1 });
    const requests = Array.from({ length: 60 }, (_, i) => ({ inboxId: inbox(i), sequenceId: 0n }));
    requests[0] = { inboxId: inbox(0), sequenceId: 1n }; // already has its first update
    requests[55] = { inboxId: inbox(55), sequenceId: 0n };
    const res = await clientOf(net).getIdentityUpdates(
      create(GetIdentityUpdatesRequestSchema, { requests }),
    );
    const qs = queries(net);
    expect(qs.map((q) => q.query?.topics.length)).toEqual([50, 10]);
    expect(qs.map((q) => q.limit)).toEqual([0, 0]);
    expect(qs[0]?.query?.lastSeen?.nodeIdToSequenceId).toEqual({ 1: 0n });
    expect(res.responses).toHaveLength(60);
    expect(res.responses[0]?.inboxId).toBe(inbox(0));
    expect(
      res.responses[0]?.updates.map((u) => [
        u.sequenceId,
        u.serverTimestampNs,
        u.update?.clientTimestampNs,
      ]),
    ).toEqual([[61n, 5_000_000n, 100n]]);
    expect(res.responses[55]?.updates.map((u) => u.sequenceId)).toEqual([56n, 62n]);
    expect(res.responses[7]?.updates.map((u) => u.update?.inboxId)).toEqual([inbox(7)]);
  });

  it("pages on while the node returns full pages of 1000", async () => {
    const net = await network();
    const id = inbox(1);
    for (let i = 0; i < 1_005; i++)
      net.add(identityUpdatesTopic(id), identityPayload(id, BigInt(i)), { originatorId: 1 });
    const res = await clientOf(net).getIdentityUpdates(
      create(GetIdentityUpdatesRequestSchema, { requests: [{ inboxId: id, sequenceId: 3n }] }),
    );
    expect(queries(net).map((q) => q.query?.lastSeen?.nodeIdToSequenceId)).toEqual([
      { 1: 3n },
      { 1: 1_003n },
    ]);
    expect(res.responses[0]?.updates).toHaveLength(1_002);
    expect(res.responses[0]?.updates.at(-1)?.sequenceId).toBe(1_005n);
  });
});

describe("getInboxIds", () => {
  it("asks the node and answers per request, echoing identifiers", async () => {
    const net = await network();
    net.inboxIds.set("0xabc", "inbox-abc");
    const res = await clientOf(net).getInboxIds(
      create(GetInboxIdsRequestSchema, {
        requests: [
          { identifier: "0xabc", identifierKind: 1 },
          { identifier: "0xdef", identifierKind: 1 },
        ],
      }),
    );
    expect(res.responses.map((r) => [r.identifier, r.inboxId, r.identifierKind])).toEqual([
      ["0xabc", "inbox-abc", 1],
      ["0xdef", undefined, 1],
    ]);
    expect(net.callsOf("getInboxIds")).toHaveLength(1);
  });
});

describe("verifySmartContractWalletSignatures", () => {
  it("is refused with a typed error: d14n has no such endpoint", async () => {
    const net = await network();
    const e = await clientOf(net)
      .verifySmartContractWalletSignatures({} as never)
      .catch((err) => err);
    expect([e.reason, e.code, e.retryable]).toEqual(["unsupported", "api.unimplemented", false]);
    expect(net.calls).toHaveLength(0);
  });
});

describe("call options", () => {
  it("gives up at the deadline with a retryable deadline_exceeded", async () => {
    const net = await network();
    net.delayMs.set("queryEnvelopes", 1_000);
    const started = Date.now();
    const e = await clientOf(net, { timeoutMs: 100 })
      .queryGroupMessages(groupQuery())
      .catch((err) => err);
    expect(Date.now() - started).toBeLessThan(800);
    expect([e.code, e.retryable]).toEqual(["api.deadline_exceeded", true]);
  });

  it("reports an unreachable node as a lost connection", async () => {
    const net = await network();
    const client = clientOf(net, { nodeUrl: "http://127.0.0.1:1" });
    const e = await client.queryGroupMessages(groupQuery()).catch((err) => err);
    expect([e.code, e.retryable]).toEqual(["api.connection_lost", true]);
  });

  it("rejects with api.cancelled when the caller aborts", async () => {
    const net = await network();
    const controller = new AbortController();
    controller.abort();
    const e = await clientOf(net)
      .queryGroupMessages(groupQuery(), { signal: controller.signal })
      .catch((err) => err);
    expect(e.code).toBe("api.cancelled");
  });
});

describe("under @x/api's XmtpApi", () => {
  it("pages a group by vector cursor across originators until a short page", async () => {
    const { XmtpApi } = await import("@x/api");
    const net = await network();
    for (let i = 0; i < 5; i++) {
      net.add(TOPIC, i % 2 === 0 ? appMessage(GROUP, i) : commit(), {
        originatorId: i % 2 === 0 ? 100 : 0,
      });
    }
    const api = new XmtpApi(clientOf(net), { pageSize: 2 });
    const all = await api.queryGroupMessages(GROUP, { lastSeen: new Map() });
    expect(ids(all)).toEqual(["100:1", "0:1", "100:2", "0:2", "100:3"]);
    expect(queries(net).map((q) => q.query?.lastSeen?.nodeIdToSequenceId)).toEqual([
      {},
      { 100: 1n, 0: 1n },
      { 100: 2n, 0: 2n },
    ]);
  });
});
