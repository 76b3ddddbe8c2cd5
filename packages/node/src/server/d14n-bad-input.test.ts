// Bad input at the d14n listener: every refusal is InvalidArgument (or the size/decoding status
// gRPC uses), names the envelope and the reason, stores nothing (no envelope, no sequence id, no
// address), and the node keeps serving.
import net from "node:net";
import { clone, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { IdentifierKind, IdentityUpdateSchema } from "@x/proto/identity/associations";
import {
  AuthenticatedDataSchema,
  type ClientEnvelope,
  ClientEnvelopeSchema,
} from "@x/proto/xmtpv4/envelopes";
import { PublishClientEnvelopesRequestSchema } from "@x/proto/xmtpv4/payer_api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEnvelope, TopicKind, topic } from "../d14n/envelopes.js";
import { parseKeyPackage } from "../mls/key-package.js";
import {
  type D14nTestNode,
  groupMessageEnvelope,
  groupTopic,
  identityTopic,
  identityUpdateEnvelope,
  keyPackageEnvelope,
  keyPackageTopic,
  startD14nNode,
  welcomeEnvelope,
  welcomePointerEnvelope,
  welcomeTopic,
} from "../test-utils/d14n.js";
import { fixtureKeyPackage } from "../test-utils/fixtures.js";
import { addWallet, createInbox, randomWallet } from "../test-utils/identities.js";
import { privateMessage } from "../test-utils/mls-bytes.js";
import { grpcFrame, rawCall, within } from "../test-utils/raw-grpc.js";

const G = new Uint8Array(16).fill(0x51);
const G2 = new Uint8Array(16).fill(0x52);
const INSTALLATION = new Uint8Array(32).fill(0x31);
const LIMIT = 256 * 1024;
const PUBLISH = "/xmtp.xmtpv4.payer_api.PayerApi/PublishClientEnvelopes";
const SUBSCRIBE = "/xmtp.xmtpv4.message_api.ReplicationApi/SubscribeEnvelopes";
const app = (n: number) => groupMessageEnvelope(G, privateMessage(G, 1, Uint8Array.of(n)));
const kp = fixtureKeyPackage("003-UploadKeyPackage.bin");
const kpKey = parseKeyPackage(kp).signatureKey;

const withTopic = (e: ClientEnvelope, targetTopic: Uint8Array) => {
  const copy = clone(ClientEnvelopeSchema, e);
  copy.aad = create(AuthenticatedDataSchema, { targetTopic, dependsOn: e.aad?.dependsOn });
  return copy;
};

describe("bad input at the d14n listener", () => {
  let t: D14nTestNode;
  let snapshot: () => Promise<string>;
  beforeAll(async () => {
    t = await startD14nNode({ maxMessageBytes: LIMIT });
    // Stored: 0:1 (commit), 100:1 (application message).
    await t.payer.publishClientEnvelopes({
      envelopes: [groupMessageEnvelope(G, privateMessage(G, 3)), app(1)],
    });
    snapshot = async () => {
      const db = t.node.store.db;
      const envelopes = await db
        .selectFrom("d14n_envelopes")
        .select(["originator_id", "sequence_id"])
        .orderBy("originator_ns")
        .execute();
      const counters = await db.selectFrom("d14n_counters").selectAll().orderBy("name").execute();
      const addresses = await db.selectFrom("d14n_address_log").selectAll().execute();
      return JSON.stringify([envelopes, counters, addresses], (_k, v) =>
        typeof v === "bigint" ? v.toString() : v,
      );
    };
  });
  afterAll(async () => {
    await t.stop();
  });

  const refused = async (call: Promise<unknown>, code = Code.InvalidArgument) => {
    const e = await call.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e, "the call should have been refused").toBeInstanceOf(ConnectError);
    expect((e as ConnectError).code).toBe(code);
    return (e as ConnectError).rawMessage;
  };

  const forgedUpdate = async () => {
    const { update } = await createInbox(randomWallet());
    const forged = create(IdentityUpdateSchema, update);
    forged.clientTimestampNs += 1_000_000_000n; // the signed text no longer matches
    return forged;
  };

  const cases: [string, () => Promise<ClientEnvelope[]> | ClientEnvelope[], string][] = [
    [
      "a group message on an identity-update topic",
      () => [withTopic(app(2), identityTopic("ab".repeat(32)))],
      "topic does not match payload",
    ],
    [
      "a welcome on a group topic",
      () => [withTopic(welcomeEnvelope(INSTALLATION), groupTopic(G))],
      "topic does not match payload",
    ],
    [
      "a key package on a welcome topic",
      () => [keyPackageEnvelope(kp, welcomeTopic(kpKey))],
      "topic does not match payload",
    ],
    [
      "random bytes as MLS data",
      () => [groupMessageEnvelope(G, crypto.getRandomValues(new Uint8Array(40)))],
      "invalid group message",
    ],
    [
      "plain text as MLS data",
      () => [groupMessageEnvelope(G, new TextEncoder().encode("hello, not MLS"))],
      "invalid group message",
    ],
    ["empty MLS data", () => [groupMessageEnvelope(G, new Uint8Array())], "no data"],
    [
      "a message of another group",
      () => [groupMessageEnvelope(G, privateMessage(G2, 1), undefined, groupTopic(G))],
      "is not the topic's",
    ],
    [
      "a dependency on the node's own originator (100)",
      () => [groupMessageEnvelope(G, privateMessage(G, 1, Uint8Array.of(7)), { 100: 1n })],
      "only depend on commits",
    ],
    [
      "a dependency on an unknown originator (200)",
      () => [groupMessageEnvelope(G, privateMessage(G, 1, Uint8Array.of(8)), { 200: 1n })],
      "only depend on commits",
    ],
    [
      "a dependency beyond the node's commits",
      () => [groupMessageEnvelope(G, privateMessage(G, 1, Uint8Array.of(9)), { 0: 2n })],
      "beyond the node's last sequence id for originator 0 (1)",
    ],
    [
      "a dependency on a commit later in the same batch",
      () => [
        groupMessageEnvelope(G, privateMessage(G, 1, Uint8Array.of(10)), { 0: 2n }),
        groupMessageEnvelope(G, privateMessage(G, 3, Uint8Array.of(11))),
      ],
      "envelope 0: depends_on {0: 2}",
    ],
    [
      "a payer-report topic",
      () => [withTopic(app(3), topic(TopicKind.PayerReports, G))],
      "reserved for the nodes",
    ],
    [
      "a payer-report-attestation topic",
      () => [withTopic(app(3), topic(TopicKind.PayerReportAttestations, G))],
      "reserved for the nodes",
    ],
    ["an unknown topic kind", () => [withTopic(app(3), topic(9, G))], "unknown topic kind 9"],
    ["a topic of one byte", () => [withTopic(app(3), Uint8Array.of(0))], "2..128 bytes"],
    [
      "a topic of 129 bytes",
      () => [withTopic(app(3), topic(0, new Uint8Array(128)))],
      "2..128 bytes",
    ],
    [
      "no authenticated data",
      () => [create(ClientEnvelopeSchema, { payload: app(3).payload })],
      "authenticated data is missing",
    ],
    [
      "no payload",
      () => [create(ClientEnvelopeSchema, { aad: { targetTopic: groupTopic(G) } })],
      "no payload",
    ],
    [
      "a payer report",
      () => [
        create(ClientEnvelopeSchema, {
          aad: { targetTopic: groupTopic(G) },
          payload: { case: "payerReport", value: { originatorNodeId: 100 } },
        }),
      ],
      "node-only",
    ],
    [
      "a welcome to a 31-byte installation key",
      () => [welcomeEnvelope(INSTALLATION.subarray(1))],
      "is 31 bytes, not 32",
    ],
    [
      "a welcome whose installation key is not the topic's",
      () => [
        welcomeEnvelope(INSTALLATION, { targetTopic: welcomeTopic(new Uint8Array(32).fill(7)) }),
      ],
      "is not the topic's",
    ],
    [
      "a welcome with wrapper algorithm 0",
      () => [welcomeEnvelope(INSTALLATION, { wrapperAlgorithm: 0 })],
      "not 1, 2 or 3",
    ],
    [
      "a welcome with wrapper algorithm 4",
      () => [welcomeEnvelope(INSTALLATION, { wrapperAlgorithm: 4 })],
      "not 1, 2 or 3",
    ],
    [
      "a welcome pointer wrapped with algorithm 1",
      () => [welcomePointerEnvelope(INSTALLATION, 1)],
      "not 2 (X-Wing)",
    ],
    [
      "a key package that does not parse",
      () => [
        keyPackageEnvelope(crypto.getRandomValues(new Uint8Array(80)), keyPackageTopic(kpKey)),
      ],
      "invalid key package",
    ],
    [
      "a key package on another installation's topic",
      () => [keyPackageEnvelope(kp, keyPackageTopic(INSTALLATION))],
      "signature key",
    ],
    [
      "an identity update on another inbox's topic",
      async () => {
        const { update } = await createInbox(randomWallet());
        return [identityUpdateEnvelope(update, identityTopic("cd".repeat(32)))];
      },
      "but the topic is",
    ],
    [
      "an identity update with an inbox id that is not hex",
      async () => {
        const { update } = await createInbox(randomWallet());
        const bad = create(IdentityUpdateSchema, { ...update, inboxId: "z".repeat(64) });
        return [identityUpdateEnvelope(bad, topic(TopicKind.IdentityUpdates, new Uint8Array(32)))];
      },
      "not 64 lowercase hex",
    ],
    [
      "an identity update whose signature does not verify",
      async () => [identityUpdateEnvelope(await forgedUpdate())],
      "envelope 0: invalid identity update",
    ],
    [
      "an identity update for an inbox d14n has never seen (it exists on v3 only)",
      async () => {
        const wallet = randomWallet();
        const { inboxId, update } = await createInbox(wallet);
        await t.identity.publishIdentityUpdate({ identityUpdate: update });
        return [identityUpdateEnvelope(await addWallet(inboxId, wallet, randomWallet()))];
      },
      "invalid identity update",
    ],
    [
      "one bad envelope after good ones",
      () => [app(20), welcomeEnvelope(INSTALLATION), groupMessageEnvelope(G, Uint8Array.of(0, 1))],
      "envelope 2: invalid group message",
    ],
    ["no envelopes", () => [], "no envelopes"],
    [
      "more than 1000 envelopes",
      () => Array.from({ length: 1001 }, (_, i) => app(i & 0xff)),
      "at most 1000 envelopes per request, got 1001",
    ],
  ];

  for (const [what, envelopes, reason] of cases) {
    it(`refuses ${what}, stores nothing`, async () => {
      const before = await snapshot();
      const message = await refused(
        t.payer.publishClientEnvelopes({ envelopes: await envelopes() }),
      );
      expect(message).toContain(reason);
      expect(await snapshot()).toBe(before);
    });
  }

  it("names every bad envelope of a batch", async () => {
    const message = await refused(
      t.payer.publishClientEnvelopes({
        envelopes: [
          withTopic(app(30), topic(TopicKind.PayerReports, G)),
          app(31),
          groupMessageEnvelope(G, Uint8Array.of(1)),
        ],
      }),
    );
    expect(message).toMatch(/envelope 0: .*reserved.*; envelope 2: invalid group message/);
    expect(message).not.toContain("envelope 1:");
  });

  it("refuses bad queries", async () => {
    const before = await snapshot();
    expect(
      await refused(
        t.replication.queryEnvelopes({
          query: { topics: [groupTopic(G)], originatorNodeIds: [0] },
        }),
      ),
    ).toContain("cannot filter by both topic and originator");
    const many = Array.from({ length: 10_001 }, (_, i) =>
      topic(0, Uint8Array.of(i >> 8, i & 0xff)),
    );
    expect(await refused(t.replication.queryEnvelopes({ query: { topics: many } }))).toContain(
      "at most 10000",
    );
    const cursor = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [i, 1n]));
    expect(
      await refused(
        t.replication.queryEnvelopes({
          query: { topics: [groupTopic(G)], lastSeen: { nodeIdToSequenceId: cursor } },
        }),
      ),
    ).toContain("at most 100 originators");
    await refused(t.replication.getNewestEnvelope({ topics: many }));
    await refused(
      t.replication.getInboxIds({
        requests: Array.from({ length: 5_001 }, (_, i) => ({
          identifier: `0x${i}`,
          identifierKind: IdentifierKind.ETHEREUM,
        })),
      }),
    );
    // At the bounds, they are served.
    const cursor100 = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [i, 0n]));
    const ok = await t.replication.queryEnvelopes({
      query: { topics: many.slice(0, 10_000), lastSeen: { nodeIdToSequenceId: cursor100 } },
    });
    expect(ok.envelopes).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it("answers a publish over the size limit with ResourceExhausted, and undecodable bodies with Internal", async () => {
    const before = await snapshot();
    const big = groupMessageEnvelope(G, privateMessage(G, 1, new Uint8Array(LIMIT)));
    await refused(t.payer.publishClientEnvelopes({ envelopes: [big] }), Code.ResourceExhausted);
    for (const [path, body] of [
      [PUBLISH, grpcFrame(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f))],
      [SUBSCRIBE, grpcFrame(Uint8Array.of(0x0a, 0x05, 1))],
    ] as const) {
      const end = await within(rawCall(t.node.d14nUrl!, path, body).end, 5_000, path);
      expect(end["grpc-status"]).toBe(String(Code.Internal));
    }
    expect(await snapshot()).toBe(before);
  });

  it("survives connections that reset, or send garbage, before they are told HTTP/2 from HTTP/1.1", async () => {
    const port = t.node.d14nPort!;
    const open = () =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => resolve(s));
        s.on("error", () => {});
      });
    (await open()).resetAndDestroy();
    const partial = await open();
    partial.write("PRI * HT");
    await new Promise((r) => setTimeout(r, 20));
    partial.resetAndDestroy();
    // Not HTTP at all: the HTTP/1.1 side answers 400.
    const garbage = await open();
    const answer = new Promise<string>((resolve) =>
      garbage.once("data", (d: Buffer) => resolve(d.toString())),
    );
    garbage.write(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(await within(answer, 2_000, "answer to garbage")).toMatch(/^HTTP\/1\.1 400/);
    garbage.destroy();
    await new Promise((r) => setTimeout(r, 20));
    expect((await t.payer.getNodes({})).nodes[100]).toBe(t.node.d14nUrl);
  });

  it("still serves after all of that, with no sequence id burnt", async () => {
    const res = await t.payer.publishClientEnvelopes({
      envelopes: [
        groupMessageEnvelope(G, privateMessage(G, 1, Uint8Array.of(99)), { 0: 1n }),
        groupMessageEnvelope(G, privateMessage(G, 3, Uint8Array.of(98))),
      ],
    });
    expect(
      res.originatorEnvelopes.map((e) => {
        const u = openEnvelope(e).unsigned;
        return `${u.originatorNodeId}:${u.originatorSequenceId}`;
      }),
    ).toEqual(["100:2", "0:2"]);
    // The request encodes to what it was built from (sanity for the raw cases above).
    const body = toBinary(
      PublishClientEnvelopesRequestSchema,
      create(PublishClientEnvelopesRequestSchema, { envelopes: [app(40)] }),
    );
    expect(fromBinary(PublishClientEnvelopesRequestSchema, body).envelopes).toHaveLength(1);
    const raw = rawCall(t.node.d14nUrl!, PUBLISH, grpcFrame(body));
    expect((await within(raw.end, 5_000, "raw publish"))["grpc-status"]).toBe("0");
    expect((await t.payer.getNodes({})).nodes[100]).toBe(t.node.d14nUrl);
  });
});
