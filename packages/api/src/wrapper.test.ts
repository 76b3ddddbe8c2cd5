import { create } from "@bufbuild/protobuf";
import { IdentifierKind } from "@x/proto/identity/associations";
import {
  type GroupMessageInput,
  GroupMessageInputSchema,
  GroupMessageSchema,
  PublishCommitLogRequestSchema,
  QueryCommitLogRequestSchema,
  SortDirection,
  WelcomeMessageInputSchema,
} from "@x/proto/mls/api/v1";
import { describe, expect, it } from "vitest";
import { originatorOf, type XmtpApiClient } from "./client.js";
import { ApiError, GrpcStatus } from "./errors.js";
import { FakeClient } from "./test-utils/fake-client.js";
import { XmtpApi } from "./wrapper.js";

const G = Uint8Array.of(1, 2, 3);
const noWait = { sleep: async () => {}, random: () => 0 };
const api = (client: FakeClient, opts = {}) => new XmtpApi(client, { ...noWait, ...opts });

describe("XmtpApi paging", () => {
  it("pages ascending, 100 at a time, from the cursor, until a short page", async () => {
    const client = new FakeClient();
    client.addGroupMessages(G, 250);
    client.addGroupMessages(Uint8Array.of(9), 5);
    const messages = await api(client).queryGroupMessages(G, { cursor: 20n });
    expect(messages.map((m) => m.version.value!.id)).toEqual(
      Array.from({ length: 230 }, (_, i) => BigInt(i + 21)),
    );
    const requests = client.callsTo("queryGroupMessages");
    expect(
      requests.map((r) => [r.pagingInfo!.direction, r.pagingInfo!.limit, r.pagingInfo!.idCursor]),
    ).toEqual([
      [SortDirection.ASCENDING, 100, 20n],
      [SortDirection.ASCENDING, 100, 120n],
      [SortDirection.ASCENDING, 100, 220n],
    ]);
  });

  it("puts a v3 node's out-of-order page back in id order, each message once, nothing old", async () => {
    const client = new FakeClient();
    client.addGroupMessages(G, 150);
    const honest = client.queryGroupMessages.bind(client);
    // A node that answers each page reversed, repeats its first message and one before the cursor.
    client.queryGroupMessages = async (request) => {
      const res = await honest(request);
      const cursor = request.pagingInfo!.idCursor;
      const old = client.groupMessages.find((m) => m.version.value!.id === cursor);
      res.messages = [...res.messages.slice().reverse(), res.messages[0]!, ...(old ? [old] : [])];
      return res;
    };
    const messages = await api(client).queryGroupMessages(G, { cursor: 10n });
    expect(messages.map((m) => m.version.value!.id)).toEqual(
      Array.from({ length: 140 }, (_, i) => BigInt(i + 11)),
    );
  });

  it("pages an installation's welcomes the same way", async () => {
    const client = new FakeClient();
    const key = Uint8Array.of(7, 7);
    client.addWelcomes(key, 130);
    client.addWelcomes(Uint8Array.of(8), 3);
    const welcomes = await api(client).queryWelcomeMessages(key, { cursor: 5n });
    expect(welcomes.map((m) => m.version.value!.id)).toEqual(
      Array.from({ length: 125 }, (_, i) => BigInt(i + 6)),
    );
    expect(
      client
        .callsTo("queryWelcomeMessages")
        .map((r) => [r.pagingInfo!.direction, r.pagingInfo!.limit, r.pagingInfo!.idCursor]),
    ).toEqual([
      [SortDirection.ASCENDING, 100, 5n],
      [SortDirection.ASCENDING, 100, 105n],
    ]);
  });

  it("asks once more after an exactly full page and stops on the empty one", async () => {
    const client = new FakeClient();
    client.addGroupMessages(G, 40);
    const messages = await api(client, { pageSize: 20 }).queryGroupMessages(G);
    expect(messages).toHaveLength(40);
    expect(client.callsTo("queryGroupMessages").map((r) => r.pagingInfo!.idCursor)).toEqual([
      0n,
      20n,
      40n,
    ]);
  });

  it("reads the latest message with one descending request of limit 1", async () => {
    const client = new FakeClient();
    client.addGroupMessages(G, 7);
    const latest = await api(client).queryLatestGroupMessage(G);
    expect(latest?.version.value?.id).toBe(7n);
    const [req] = client.callsTo("queryGroupMessages");
    expect([req!.pagingInfo!.direction, req!.pagingInfo!.limit]).toEqual([
      SortDirection.DESCENDING,
      1,
    ]);
    expect(await api(new FakeClient()).queryLatestGroupMessage(G)).toBeUndefined();
  });

  it("retries a failed page and continues from the same cursor", async () => {
    const client = new FakeClient();
    client.addGroupMessages(G, 150);
    const wrapper = api(client);
    const pages = wrapper.groupMessagePages(G);
    const first = await pages.next();
    expect(first.value).toHaveLength(100);
    client.failures.push(ApiError.fromStatus(GrpcStatus.UNAVAILABLE, "blip"));
    const second = await pages.next();
    expect(second.value).toHaveLength(50);
    expect(client.callsTo("queryGroupMessages").map((r) => r.pagingInfo!.idCursor)).toEqual([
      0n,
      100n,
      100n,
    ]);
  });

  it("rejects page sizes the node would not honour", () => {
    expect(() => new XmtpApi(new FakeClient(), { pageSize: 101 })).toThrow(RangeError);
    expect(() => new XmtpApi(new FakeClient(), { pageSize: 0 })).toThrow(RangeError);
  });
});

describe("XmtpApi batching and chunking", () => {
  it("fetches key packages in order, with undefined for unknown installations", async () => {
    const client = new FakeClient();
    const keys = Array.from({ length: 830 }, (_, i) => Uint8Array.of(i >> 8, i & 0xff));
    client.keyPackages.set("0001", Uint8Array.of(0xaa));
    client.keyPackages.set("033d", Uint8Array.of(0xbb));
    const result = await api(client).fetchKeyPackages(keys);
    expect(result).toHaveLength(830);
    expect(result[1]).toEqual(Uint8Array.of(0xaa));
    expect(result[829]).toEqual(Uint8Array.of(0xbb));
    expect(result.filter((r) => r !== undefined)).toHaveLength(2);
    // One request for any group libxmtp allows (up to 400 installations), as libxmtp does.
    expect(client.callsTo("fetchKeyPackages").map((r) => r.installationKeys.length)).toEqual([
      400, 400, 30,
    ]);
  });

  it("fails with a typed error when the node returns the wrong number of key packages", async () => {
    const client = new FakeClient();
    client.keyPackageCountOverride = 1;
    const error = await api(client)
      .fetchKeyPackages([Uint8Array.of(1), Uint8Array.of(2)])
      .catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe("api.bad_response");
    expect(client.callsTo("fetchKeyPackages")).toHaveLength(1);
  });

  it("asks for identity updates in chunks of 50 and keeps the order", async () => {
    const client = new FakeClient();
    const filters = Array.from({ length: 120 }, (_, i) => ({
      inboxId: `inbox-${i}`,
      sequenceId: BigInt(i),
    }));
    const responses = await api(client).getIdentityUpdates(filters);
    expect(responses.map((r) => r.inboxId)).toEqual(filters.map((f) => f.inboxId));
    const requests = client.callsTo("getIdentityUpdates");
    expect(requests.map((r) => r.requests.length)).toEqual([50, 50, 20]);
    expect(requests[1]!.requests[0]).toMatchObject({ inboxId: "inbox-50", sequenceId: 50n });
  });

  it("sends welcomes in chunks that fit 25 MiB, at most 400 each", async () => {
    const client = new FakeClient();
    const small = Array.from({ length: 820 }, (_, i) =>
      create(WelcomeMessageInputSchema, {
        version: {
          case: "v1",
          value: { installationKey: Uint8Array.of(i >> 8, i & 0xff), data: new Uint8Array(100) },
        },
      }),
    );
    await api(client).sendWelcomeMessages(small);
    expect(client.callsTo("sendWelcomeMessages").map((r) => r.messages.length)).toEqual([
      400, 400, 20,
    ]);

    const big = new FakeClient();
    const huge = Array.from({ length: 5 }, (_, i) =>
      create(WelcomeMessageInputSchema, {
        version: {
          case: "v1",
          value: { installationKey: Uint8Array.of(i), data: new Uint8Array(10 * 1024 * 1024) },
        },
      }),
    );
    await api(big).sendWelcomeMessages(huge);
    expect(big.callsTo("sendWelcomeMessages").map((r) => r.messages.length)).toEqual([2, 2, 1]);
  });

  it("retries a send on Unavailable and surfaces InvalidArgument at once", async () => {
    const client = new FakeClient();
    const retries: number[] = [];
    const msg: GroupMessageInput = create(GroupMessageInputSchema, {
      version: { case: "v1", value: { data: Uint8Array.of(1) } },
    });
    client.failures.push(ApiError.fromStatus(GrpcStatus.UNAVAILABLE, "down"));
    await api(client, {
      onRetry: (i: { attempt: number }) => retries.push(i.attempt),
    }).sendGroupMessages([msg]);
    expect(client.callsTo("sendGroupMessages")).toHaveLength(2);
    expect(retries).toEqual([1]);

    client.failures.push(ApiError.fromStatus(GrpcStatus.INVALID_ARGUMENT, "not mls"));
    const error = await api(client)
      .sendGroupMessages([msg])
      .catch((e) => e);
    expect(error.code).toBe("api.invalid_argument");
    expect(client.callsTo("sendGroupMessages")).toHaveLength(3);
  });

  it("publishes commit-log entries in batches of 10 and queries in batches of 20", async () => {
    const client = new FakeClient();
    const entries = Array.from({ length: 25 }, () =>
      create(PublishCommitLogRequestSchema, { groupId: G }),
    );
    await api(client).publishCommitLog(entries);
    expect(client.callsTo("batchPublishCommitLog").map((r) => r.requests.length)).toEqual([
      10, 10, 5,
    ]);
    const queries = Array.from({ length: 45 }, (_, i) =>
      create(QueryCommitLogRequestSchema, { groupId: Uint8Array.of(i) }),
    );
    const responses = await api(client).queryCommitLog(queries);
    expect(responses.map((r) => r.groupId[0])).toEqual(queries.map((_, i) => i));
    expect(client.callsTo("batchQueryCommitLog").map((r) => r.requests.length)).toEqual([
      20, 20, 5,
    ]);
  });

  it("asks for the newest message of up to 1000 groups per request", async () => {
    const client = new FakeClient();
    client.addGroupMessages(G, 3);
    const groups = [
      G,
      ...Array.from({ length: 1500 }, (_, i) => Uint8Array.of(0xf0, i >> 8, i & 0xff)),
    ];
    const newest = await api(client).getNewestGroupMessages(groups);
    expect(newest).toHaveLength(1501);
    expect(newest[0]?.version.value?.id).toBe(3n);
    expect(newest[1]).toBeUndefined();
    const requests = client.callsTo("getNewestGroupMessage");
    expect(requests.map((r) => [r.groupIds.length, r.includeContent])).toEqual([
      [1000, false],
      [501, false],
    ]);
  });

  it("maps inbox-id lookups back in order and reads UNSPECIFIED as Ethereum", async () => {
    const client = new FakeClient();
    client.inboxes.set("0xbb", "inbox-b");
    const result = await api(client).getInboxIds([
      { identifier: "0xaa", kind: IdentifierKind.ETHEREUM },
      { identifier: "0xbb", kind: IdentifierKind.UNSPECIFIED },
    ]);
    expect(result).toEqual([
      { identifier: "0xaa", kind: IdentifierKind.ETHEREUM, inboxId: undefined },
      { identifier: "0xbb", kind: IdentifierKind.ETHEREUM, inboxId: "inbox-b" },
    ]);
  });

  it("uploads key packages with the inbox-id credential flag", async () => {
    const client = new FakeClient();
    await api(client).uploadKeyPackage(Uint8Array.of(5, 6));
    const [req] = client.callsTo("uploadKeyPackage");
    expect(req!.isInboxIdCredential).toBe(true);
    expect(req!.keyPackage!.keyPackageTlsSerialized).toEqual(Uint8Array.of(5, 6));
  });

  it("builds subscription filters with cursors", async () => {
    const client = new FakeClient();
    client.addGroupMessages(G, 2);
    const seen: bigint[] = [];
    for await (const m of api(client).subscribeGroupMessages([
      { groupId: G, cursor: 5n },
      { groupId: G },
    ])) {
      seen.push(m.version.value!.id);
    }
    expect(seen).toEqual([1n, 2n]);
    const [req] = client.callsTo("subscribeGroupMessages");
    expect(req!.filters.map((f: { idCursor: bigint }) => f.idCursor)).toEqual([5n, 0n]);
  });
});

describe("XmtpApi on an originator-aware API (d14n)", () => {
  // 250 messages of one topic, alternately sequenced under originators 0 and 100.
  const all = Array.from({ length: 250 }, (_, i) => ({
    originatorId: i % 2 === 0 ? 0 : 100,
    id: BigInt(Math.floor(i / 2) + 1),
  }));
  const seenBy = (v: ReadonlyMap<number, bigint>, m: { originatorId: number; id: bigint }) =>
    m.id <= (v.get(m.originatorId) ?? 0n);

  function d14nLike() {
    const asked: { lastSeen: Map<number, bigint>; idCursor: bigint }[] = [];
    const client = {
      originatorAware: true,
      async queryGroupMessages(
        request: { pagingInfo?: { limit: number; idCursor: bigint } },
        options?: { lastSeen?: ReadonlyMap<number, bigint> },
      ) {
        const lastSeen = new Map(options?.lastSeen ?? []);
        asked.push({ lastSeen, idCursor: request.pagingInfo?.idCursor ?? 0n });
        const limit = request.pagingInfo?.limit ?? 100;
        const rows = all.filter((m) => !seenBy(lastSeen, m)).slice(0, limit);
        return {
          messages: rows.map((m) =>
            Object.assign(
              create(GroupMessageSchema, {
                version: { case: "v1", value: { id: m.id, groupId: G } },
              }),
              { originatorId: m.originatorId },
            ),
          ),
          pagingInfo: { idCursor: rows.length === limit ? rows.at(-1)!.id : 0n },
        };
      },
    };
    return { client: client as unknown as XmtpApiClient, asked };
  }

  it("pages by vector cursor: every message once, the cursor advanced per originator", async () => {
    const { client, asked } = d14nLike();
    const start = new Map([
      [0, 10n],
      [100, 3n],
    ]);
    const got = await new XmtpApi(client, noWait).queryGroupMessages(G, { lastSeen: start });
    const expected = all.filter((m) => !seenBy(start, m));
    expect(got.map((m) => [originatorOf(m), m.version.value!.id])).toEqual(
      expected.map((m) => [m.originatorId, m.id]),
    );
    // Each next page starts after the highest id per originator received so far.
    const upTo = (n: number) => {
      const v = new Map(start);
      for (const m of expected.slice(0, n))
        if (m.id > v.get(m.originatorId)!) v.set(m.originatorId, m.id);
      return Object.fromEntries(v);
    };
    expect(asked.map((a) => Object.fromEntries(a.lastSeen))).toEqual([
      { 0: 10n, 100: 3n },
      upTo(100),
      upTo(200),
    ]);
    expect(upTo(100)).toEqual({ 0: 57n, 100: 56n });
    // v3 nodes would read originator 0's entry as the id cursor
    expect(asked[0]!.idCursor).toBe(10n);
  });

  it("sends each filter's vector cursor with a subscription, and originator 0's as the v3 id", () => {
    const seen: unknown[] = [];
    const client = {
      subscribeGroupMessages(request: unknown, options: unknown) {
        seen.push(request, options);
        return (async function* () {})();
      },
    } as unknown as XmtpApiClient;
    const a = new Map([
      [0, 4n],
      [100, 9n],
    ]);
    new XmtpApi(client, noWait).subscribeGroupMessages([
      { groupId: G, lastSeen: a },
      { groupId: Uint8Array.of(9), cursor: 7n },
    ]);
    const [request, options] = seen as [
      { filters: { idCursor: bigint }[] },
      { lastSeen: ReadonlyMap<number, bigint>[] },
    ];
    expect(request.filters.map((f) => f.idCursor)).toEqual([4n, 7n]);
    expect(options.lastSeen.map((v) => Object.fromEntries(v))).toEqual([
      { 0: 4n, 100: 9n },
      { 0: 7n },
    ]);
  });
});
