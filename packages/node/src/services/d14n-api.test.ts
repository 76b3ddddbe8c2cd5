// The d14n listener over the wire (h2c gRPC): discovery, publish → sequence → store → query,
// originators, cursors, newest envelopes, and the envelopes' signatures.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { concatBytes, keccak256, recoverSecp256k1PublicKey, sha256, toHex } from "@x/crypto";
import { HealthCheckResponse_ServingStatus } from "@x/proto/grpc/health/v1";
import { ClientEnvelopeSchema, type OriginatorEnvelope } from "@x/proto/xmtpv4/envelopes";
import { PayerApi } from "@x/proto/xmtpv4/payer_api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openEnvelope } from "../d14n/envelopes.js";
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
import { createInbox, randomWallet } from "../test-utils/identities.js";
import { privateMessage, publicMessage } from "../test-utils/mls-bytes.js";
import { FIXTURE_TIME_NS } from "../test-utils/node.js";

const G = new Uint8Array(16).fill(0x61);
const G2 = new Uint8Array(16).fill(0x62);
const INSTALLATION = new Uint8Array(32).fill(0x21);
const app = (n: number, g = G) => privateMessage(g, 1, Uint8Array.of(n));
const commit = (n: number, g = G) => privateMessage(g, 3, Uint8Array.of(n));

/** originator:sequence of each envelope. */
const ids = (envs: OriginatorEnvelope[]) =>
  envs.map((e) => {
    const u = openEnvelope(e).unsigned;
    return `${u.originatorNodeId}:${u.originatorSequenceId}`;
  });
const nsOf = (envs: OriginatorEnvelope[]) => envs.map((e) => openEnvelope(e).unsigned.originatorNs);

describe("the d14n listener", () => {
  let t: D14nTestNode;
  beforeEach(async () => {
    t = await startD14nNode();
  });
  afterEach(async () => {
    await t.stop();
  });

  it("advertises itself as node 100 and answers Health SERVING", async () => {
    expect(t.node.d14nUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.node.d14nUrl).toBe(`http://127.0.0.1:${t.node.d14nPort}`);
    expect(t.node.d14nPort).not.toBe(t.node.port);
    const nodes = await t.payer.getNodes({});
    expect(nodes.nodes).toEqual({ 100: t.node.d14nUrl });
    expect((await t.gateway.getNodes({})).nodes).toEqual({ 100: t.node.d14nUrl });
    for (const service of ["", "xmtp.xmtpv4.message_api.ReplicationApi"]) {
      const h = await t.health.check({ service });
      expect(h.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    }
    // The v3 API is not on this port.
    const e = await t.health.check({ service: "xmtp.mls.api.v1.MlsApi" }).catch((x) => x);
    expect(ConnectError.from(e).code).toBe(Code.NotFound);
  });

  it("serves gRPC-web over HTTP/1.1 on the same port, with CORS", async () => {
    const web = createClient(
      PayerApi,
      createGrpcWebTransport({ baseUrl: t.node.d14nUrl!, httpVersion: "1.1" }),
    );
    expect((await web.getNodes({})).nodes).toEqual({ 100: t.node.d14nUrl });
    const preflight = await fetch(`${t.node.d14nUrl}/xmtp.xmtpv4.payer_api.PayerApi/GetNodes`, {
      method: "OPTIONS",
      headers: { origin: "http://app.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("sequences each payload kind under its originator, contiguous per originator, and stores the exact client envelope", async () => {
    const kp = fixtureKeyPackage("003-UploadKeyPackage.bin");
    const kpKey = parseKeyPackage(kp).signatureKey;
    const { update } = await createInbox(randomWallet());
    const envelopes = [
      groupMessageEnvelope(G, commit(1)), // commit (PrivateMessage) → 0
      groupMessageEnvelope(G, app(2), { 0: 1n }), // application → 100
      groupMessageEnvelope(G, privateMessage(G, 2)), // proposal → 100
      groupMessageEnvelope(G, publicMessage(G, 3, 0, 4)), // external-join commit → 0
      welcomeEnvelope(INSTALLATION),
      welcomePointerEnvelope(INSTALLATION),
      keyPackageEnvelope(kp, keyPackageTopic(kpKey)),
      identityUpdateEnvelope(update), // → 1
      groupMessageEnvelope(G, publicMessage(G, 2)), // proposal (PublicMessage) → 100
    ];
    const res = await t.payer.publishClientEnvelopes({ envelopes });
    expect(ids(res.originatorEnvelopes)).toEqual([
      "0:1",
      "100:1",
      "100:2",
      "0:2",
      "100:3",
      "100:4",
      "100:5",
      "1:1",
      "100:6",
    ]);
    res.originatorEnvelopes.forEach((e, i) => {
      const client = openEnvelope(e).client;
      expect(toHex(toBinary(ClientEnvelopeSchema, client))).toBe(
        toHex(toBinary(ClientEnvelopeSchema, envelopes[i]!)),
      );
    });

    // Each topic reads back what was stored on it, in receive order.
    const q = async (topic: Uint8Array) =>
      (await t.replication.queryEnvelopes({ query: { topics: [topic] }, limit: 0 })).envelopes;
    expect(ids(await q(groupTopic(G)))).toEqual(["0:1", "100:1", "100:2", "0:2", "100:6"]);
    expect(ids(await q(welcomeTopic(INSTALLATION)))).toEqual(["100:3", "100:4"]);
    expect(ids(await q(keyPackageTopic(kpKey)))).toEqual(["100:5"]);
    expect(ids(await q(identityTopic(update.inboxId)))).toEqual(["1:1"]);
    // What a query returns is what the publish answered, byte for byte.
    const stored = await q(groupTopic(G));
    expect(stored.map((e) => toHex(e.unsignedOriginatorEnvelope))).toEqual(
      [0, 1, 2, 3, 8].map((i) => toHex(res.originatorEnvelopes[i]!.unsignedOriginatorEnvelope)),
    );

    // A second publish continues every originator's sequence.
    const more = await t.payer.publishClientEnvelopes({
      envelopes: [groupMessageEnvelope(G2, commit(3, G2)), groupMessageEnvelope(G2, app(4, G2))],
    });
    expect(ids(more.originatorEnvelopes)).toEqual(["0:3", "100:7"]);
  });

  it("gives every envelope a strictly increasing originator_ns, from one clock, even when the wall clock stands still or goes back", async () => {
    await t.stop();
    // Each read of the clock: still, then back 5 µs, then a little ahead, then still.
    const T = FIXTURE_TIME_NS;
    const times = [T, T, T, T - 5_000n, T - 5_000n, T + 10n];
    let reads = 0;
    t = await startD14nNode({ now: () => times[Math.min(reads++, times.length - 1)]! });
    const all: OriginatorEnvelope[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await t.payer.publishClientEnvelopes({
        envelopes: [
          groupMessageEnvelope(G, i % 2 ? app(i) : commit(i)),
          welcomeEnvelope(INSTALLATION),
        ],
      });
      all.push(...r.originatorEnvelopes);
    }
    const ns = nsOf(all);
    for (let i = 1; i < ns.length; i++) expect(ns[i]!).toBeGreaterThan(ns[i - 1]!);
    expect(ns[0]).toBeGreaterThanOrEqual(FIXTURE_TIME_NS - 5_000n);
    // The query order is that time: interleaved originators come back in publish order.
    const q = await t.replication.queryEnvelopes({ query: {}, limit: 0 });
    expect(ids(q.envelopes)).toEqual(ids(all));
  });

  it("answers GetNewestEnvelope with one result per topic, in request order, empty where none", async () => {
    await t.payer.publishClientEnvelopes({
      envelopes: [
        groupMessageEnvelope(G, app(1)),
        groupMessageEnvelope(G2, app(2, G2)),
        groupMessageEnvelope(G, commit(3)), // newest on G, though under another originator
        groupMessageEnvelope(G2, app(4, G2)),
      ],
    });
    const empty = groupTopic(new Uint8Array(16).fill(0x63));
    const res = await t.replication.getNewestEnvelope({
      topics: [groupTopic(G2), empty, groupTopic(G), groupTopic(G2)],
    });
    expect(res.results).toHaveLength(4);
    expect(res.results[1]!.originatorEnvelope).toBeUndefined();
    const got = res.results.map((r) =>
      r.originatorEnvelope ? ids([r.originatorEnvelope])[0] : "-",
    );
    expect(got).toEqual(["100:3", "-", "0:1", "100:3"]);
    expect(openEnvelope(res.results[0]!.originatorEnvelope!).client.payload.value).toMatchObject({
      version: { value: { data: app(4, G2) } },
    });
    // QueryApi serves the same handler.
    const viaQueryApi = await t.query.getNewestEnvelope({ topics: [empty, groupTopic(G)] });
    expect(viaQueryApi.results.map((r) => r.originatorEnvelope !== undefined)).toEqual([
      false,
      true,
    ]);
    expect((await t.replication.getNewestEnvelope({ topics: [] })).results).toEqual([]);
  });

  it("applies vector cursors: an envelope comes back when its sequence id is above last_seen for its originator (missing = 0)", async () => {
    await t.payer.publishClientEnvelopes({
      envelopes: [
        groupMessageEnvelope(G, commit(1)), // 0:1
        groupMessageEnvelope(G, app(2)), // 100:1
        groupMessageEnvelope(G, app(3)), // 100:2
        groupMessageEnvelope(G, commit(4)), // 0:2
        groupMessageEnvelope(G2, commit(5, G2)), // 0:3
        welcomeEnvelope(INSTALLATION), // 100:3
      ],
    });
    const query = async (lastSeen: Record<number, bigint> | undefined, limit = 0) =>
      ids(
        (
          await t.replication.queryEnvelopes({
            query: {
              topics: [groupTopic(G)],
              ...(lastSeen ? { lastSeen: { nodeIdToSequenceId: lastSeen } } : {}),
            },
            limit,
          })
        ).envelopes,
      );
    expect(await query(undefined)).toEqual(["0:1", "100:1", "100:2", "0:2"]);
    expect(await query({})).toEqual(["0:1", "100:1", "100:2", "0:2"]);
    expect(await query({ 0: 1n })).toEqual(["100:1", "100:2", "0:2"]);
    expect(await query({ 0: 2n, 100: 1n })).toEqual(["100:2"]);
    expect(await query({ 0: 9n, 100: 9n })).toEqual([]);
    expect(await query({ 7: 9n })).toEqual(["0:1", "100:1", "100:2", "0:2"]);
    expect(await query({ 0: 1n }, 2)).toEqual(["100:1", "100:2"]);

    // Several topics at once: one order over all of them.
    const both = await t.query.queryEnvelopes({
      query: {
        topics: [groupTopic(G2), groupTopic(G)],
        lastSeen: { nodeIdToSequenceId: { 0: 1n } },
      },
      limit: 0,
    });
    expect(ids(both.envelopes)).toEqual(["100:1", "100:2", "0:2", "0:3"]);
    // By originator instead of topic, and everything with an empty query.
    const commits = await t.replication.queryEnvelopes({ query: { originatorNodeIds: [0] } });
    expect(ids(commits.envelopes)).toEqual(["0:1", "0:2", "0:3"]);
    const everything = await t.replication.queryEnvelopes({});
    expect(everything.envelopes).toHaveLength(6);
  });

  it("caps a page at 1000 envelopes, for limit 0 and for larger limits", async () => {
    const batch = (from: number) =>
      Array.from({ length: 1000 }, (_, i) =>
        groupMessageEnvelope(G, privateMessage(G, 1, Uint8Array.of(from, i >> 8, i & 0xff))),
      );
    await t.payer.publishClientEnvelopes({ envelopes: batch(1) });
    await t.payer.publishClientEnvelopes({ envelopes: batch(2).slice(0, 5) });
    const q = (limit: number) =>
      t.replication.queryEnvelopes({ query: { topics: [groupTopic(G)] }, limit });
    expect((await q(0)).envelopes).toHaveLength(1000);
    expect((await q(5000)).envelopes).toHaveLength(1000);
    expect(ids((await q(1)).envelopes)).toEqual(["100:1"]);
    const rest = await t.replication.queryEnvelopes({
      query: { topics: [groupTopic(G)], lastSeen: { nodeIdToSequenceId: { 100: 1000n } } },
    });
    expect(ids(rest.envelopes)).toEqual([
      "100:1001",
      "100:1002",
      "100:1003",
      "100:1004",
      "100:1005",
    ]);
  }, 30_000);

  it("wraps node envelopes in payer and originator signatures that recover the node's keys", async () => {
    const res = await t.gateway.publishClientEnvelopes({
      envelopes: [groupMessageEnvelope(G, app(1)), groupMessageEnvelope(G, commit(2))],
    });
    const [node, chain] = res.originatorEnvelopes as [OriginatorEnvelope, OriginatorEnvelope];
    const text = (s: string) => new TextEncoder().encode(s);
    const compressed = (uncompressed: Uint8Array) =>
      toHex(concatBytes(Uint8Array.of(2 + (uncompressed[64]! & 1)), uncompressed.subarray(1, 33)));

    // Node path (originator 100).
    const n = openEnvelope(node);
    expect(n.payer.targetOriginator).toBe(100);
    expect(n.payer.messageRetentionDays).toBe(60);
    const payerSig = n.payer.payerSignature!.bytes;
    expect(payerSig).toHaveLength(65);
    expect([0, 1]).toContain(payerSig[64]);
    const payerDigest = keccak256(
      concatBytes(
        text("target|"),
        Uint8Array.of(0, 0, 0, 100),
        text("payer|"),
        n.payer.unsignedClientEnvelope,
      ),
    );
    expect(compressed(recoverSecp256k1PublicKey(payerDigest, payerSig))).toBe(
      toHex(t.node.d14nPayerPublicKey!),
    );
    expect(node.proof.case).toBe("originatorSignature");
    const nodeSig =
      node.proof.case === "originatorSignature" ? node.proof.value.bytes : new Uint8Array();
    expect(nodeSig).toHaveLength(65);
    expect([0, 1]).toContain(nodeSig[64]);
    const nodeDigest = keccak256(concatBytes(text("originator|"), node.unsignedOriginatorEnvelope));
    expect(compressed(recoverSecp256k1PublicKey(nodeDigest, nodeSig))).toBe(
      toHex(t.node.d14nNodePublicKey!),
    );
    expect(toHex(t.node.d14nNodePublicKey!)).not.toBe(toHex(t.node.d14nPayerPublicKey!));
    expect(n.unsigned).toMatchObject({
      originatorNodeId: 100,
      originatorSequenceId: 1n,
      baseFeePicodollars: 0n,
      congestionFeePicodollars: 0n,
      expiryUnixtime: n.unsigned.originatorNs / 1_000_000_000n + 60n * 86_400n,
    });

    // Chain path (originator 0): the client envelope only, and a blockchain proof.
    const c = openEnvelope(chain);
    expect(c.payer.payerSignature).toBeUndefined();
    expect([c.payer.targetOriginator, c.payer.messageRetentionDays]).toEqual([0, 0]);
    expect(c.unsigned).toMatchObject({
      originatorNodeId: 0,
      originatorSequenceId: 1n,
      baseFeePicodollars: 0n,
      congestionFeePicodollars: 0n,
      expiryUnixtime: 0n,
    });
    expect(chain.proof.case).toBe("blockchainProof");
    expect(
      toHex(
        chain.proof.case === "blockchainProof"
          ? chain.proof.value.transactionHash
          : new Uint8Array(),
      ),
    ).toBe(toHex(sha256(c.payer.unsignedClientEnvelope)));
    // The unsigned envelope decodes to the same fields the query serves.
    const again = await t.replication.queryEnvelopes({ query: { topics: [groupTopic(G)] } });
    expect(ids(again.envelopes)).toEqual(["100:1", "0:1"]);
  });

  it("counts d14n calls in onCall and draws publishes from the rate limiter's publish bucket", async () => {
    await t.stop();
    const calls: string[] = [];
    t = await startD14nNode({
      onCall: (method, bytes) => calls.push(`${method}:${bytes > 0}`),
      rateLimit: { publishBurst: 3, publishPerMinute: 0.0001 },
    });
    await t.payer.publishClientEnvelopes({
      envelopes: [groupMessageEnvelope(G, app(1)), groupMessageEnvelope(G, app(2))],
    });
    await t.replication.queryEnvelopes({ query: { topics: [groupTopic(G)] } });
    expect(calls).toEqual(["PublishClientEnvelopes:true", "QueryEnvelopes:true"]);
    // Two tokens spent, one left: a batch of two is refused, reads still pass.
    const e = await t.payer
      .publishClientEnvelopes({
        envelopes: [groupMessageEnvelope(G, app(3)), groupMessageEnvelope(G, app(4))],
      })
      .catch((x) => x);
    expect(ConnectError.from(e).code).toBe(Code.ResourceExhausted);
    const q = await t.replication.queryEnvelopes({ query: { topics: [groupTopic(G)] } });
    expect(q.envelopes).toHaveLength(2);
  });
});

describe("the d14n listener on a SQLite file", () => {
  it("keeps its keys, envelopes, sequences and clock across a restart", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "x-node-d14n-"));
    const db = path.join(dir, "node.sqlite");
    const lines: string[] = [];
    try {
      let t = await startD14nNode({ db, log: (l) => lines.push(l) });
      const nodeKey = toHex(t.node.d14nNodePublicKey!);
      const payerKey = toHex(t.node.d14nPayerPublicKey!);
      expect(nodeKey).toMatch(/^0[23][0-9a-f]{64}$/);
      expect(lines.join("\n")).toContain(nodeKey);
      const first = await t.payer.publishClientEnvelopes({
        envelopes: [groupMessageEnvelope(G, commit(1)), groupMessageEnvelope(G, app(2))],
      });
      const lastNs = nsOf(first.originatorEnvelopes).at(-1)!;
      await t.stop();

      // Restarted with a clock that went back an hour.
      t = await startD14nNode({ db, now: () => FIXTURE_TIME_NS - 3_600_000_000_000n });
      expect(toHex(t.node.d14nNodePublicKey!)).toBe(nodeKey);
      expect(toHex(t.node.d14nPayerPublicKey!)).toBe(payerKey);
      const next = await t.payer.publishClientEnvelopes({
        envelopes: [groupMessageEnvelope(G, app(3)), groupMessageEnvelope(G, commit(4))],
      });
      expect(ids(next.originatorEnvelopes)).toEqual(["100:2", "0:2"]);
      expect(nsOf(next.originatorEnvelopes)[0]).toBe(lastNs + 1n);
      const all = await t.replication.queryEnvelopes({ query: { topics: [groupTopic(G)] } });
      expect(ids(all.envelopes)).toEqual(["0:1", "100:1", "100:2", "0:2"]);
      // The new envelopes are signed by the same node key.
      const env = next.originatorEnvelopes[0]!;
      const sig =
        env.proof.case === "originatorSignature" ? env.proof.value.bytes : new Uint8Array();
      const digest = keccak256(
        concatBytes(new TextEncoder().encode("originator|"), env.unsignedOriginatorEnvelope),
      );
      const recovered = recoverSecp256k1PublicKey(digest, sig);
      expect(toHex(recovered.subarray(1, 33))).toBe(nodeKey.slice(2));
      await t.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves no d14n listener with d14nPort null, and v3 alone still works", async () => {
    const t = await startD14nNode({ d14nPort: null });
    try {
      expect([t.node.d14nUrl, t.node.d14nPort, t.node.d14nNodePublicKey]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      const kp = fixtureKeyPackage("003-UploadKeyPackage.bin");
      await t.mls.uploadKeyPackage({ keyPackage: { keyPackageTlsSerialized: kp } });
      // No keys were made either.
      const keys = await t.node.store.db.selectFrom("d14n_keys").selectAll().execute();
      expect(keys).toEqual([]);
    } finally {
      await t.stop();
    }
  });
});
