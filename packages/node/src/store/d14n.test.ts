// The d14n tables on SQLite and on Postgres: sequencing, the clock, cursors, newest envelopes,
// keys and the address index; and two stores sharing one Postgres database.
import { startPostgres } from "@x/testing";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { groupMessageEnvelope, groupTopic, startD14nNode } from "../test-utils/d14n.js";
import { privateMessage } from "../test-utils/mls-bytes.js";
import type { NewD14nEnvelope } from "./d14n.js";
import { NodeStore } from "./store.js";

const u8 = (...b: number[]) => Uint8Array.from(b);
const T1 = u8(0, 1);
const T2 = u8(0, 2);
const item = (originatorId: number, topic: Uint8Array, tag: number): NewD14nEnvelope => ({
  originatorId,
  topic,
  build: (seq, ns) => u8(tag, Number(seq), Number(ns % 256n)),
});
const ids = (rows: { originatorId: number; sequenceId: bigint }[]) =>
  rows.map((r) => `${r.originatorId}:${r.sequenceId}`);

function d14nSuite(name: string, url: () => Promise<string> | string) {
  describe(`D14nStore on ${name}`, () => {
    let store: NodeStore;
    beforeEach(async () => {
      store = await NodeStore.open({ db: await url() });
    });
    afterEach(async () => {
      await store.close();
    });

    it("numbers each originator from 1 and times every envelope max(now, last + 1)", async () => {
      const a = await store.d14n.append(
        [item(0, T1, 1), item(100, T1, 2), item(100, T2, 3)],
        1_000n,
      );
      expect(ids(a)).toEqual(["0:1", "100:1", "100:2"]);
      expect(a.map((r) => r.originatorNs)).toEqual([1_000n, 1_001n, 1_002n]);
      // The clock went back: still after the last.
      const b = await store.d14n.append([item(0, T2, 4)], 10n);
      expect(ids(b)).toEqual(["0:2"]);
      expect(b[0]!.originatorNs).toBe(1_003n);
      // The clock went far ahead: now.
      const c = await store.d14n.append([item(1, T2, 5)], 5_000n);
      expect([c[0]!.sequenceId, c[0]!.originatorNs]).toEqual([1n, 5_000n]);
      expect(await store.d14n.sequences()).toEqual(
        new Map([
          [0, 2n],
          [1, 1n],
          [100, 2n],
        ]),
      );
      expect(await store.d14n.lastNs()).toBe(5_000n);
      // The envelope bytes are what `build` made with the assigned values.
      expect(a[1]!.envelope).toEqual(u8(2, 1, Number(1_001n % 256n)));
    });

    it("stores nothing and hands out nothing when a batch fails part-way", async () => {
      await store.d14n.append([item(100, T1, 1)], 1n);
      const failing: NewD14nEnvelope = {
        originatorId: 100,
        topic: T1,
        build: () => {
          throw new Error("boom");
        },
      };
      await expect(store.d14n.append([item(0, T1, 2), failing], 2n)).rejects.toThrow("boom");
      expect(await store.d14n.sequences()).toEqual(new Map([[100, 1n]]));
      const next = await store.d14n.append([item(0, T1, 3), item(100, T1, 4)], 3n);
      expect(ids(next)).toEqual(["0:1", "100:2"]);
      expect(next[0]!.originatorNs).toBe(3n);
    });

    it("queries by topic, by originator or everything, after a vector cursor, in receive order", async () => {
      await store.d14n.append(
        [item(0, T1, 1), item(100, T1, 2), item(100, T2, 3), item(0, T1, 4), item(100, T1, 5)],
        1n,
      );
      const q = (
        lastSeen: [number, bigint][],
        more: { topics?: Uint8Array[]; originators?: number[]; limit?: number } = {},
      ) =>
        store.d14n
          .query({ lastSeen: new Map(lastSeen), limit: more.limit ?? 1000, ...more })
          .then(ids);
      expect(await q([], { topics: [T1] })).toEqual(["0:1", "100:1", "0:2", "100:3"]);
      expect(await q([[0, 1n]], { topics: [T1] })).toEqual(["100:1", "0:2", "100:3"]);
      expect(await q([[100, 1n]], { topics: [T1, T2] })).toEqual(["0:1", "100:2", "0:2", "100:3"]);
      expect(await q([[100, 1n]], { topics: [T1, T2], limit: 2 })).toEqual(["0:1", "100:2"]);
      expect(await q([], { originators: [100] })).toEqual(["100:1", "100:2", "100:3"]);
      expect(await q([[0, 1n]])).toEqual(["100:1", "100:2", "0:2", "100:3"]);
      expect(await q([], { topics: [u8(0, 9)] })).toEqual([]);
    });

    it("finds the newest envelope of each topic, in request order", async () => {
      await store.d14n.append([item(100, T1, 1), item(0, T1, 2), item(100, T2, 3)], 1n);
      const newest = await store.d14n.newest([T2, u8(0, 9), T1, T2]);
      expect(newest.map((r) => (r ? `${r.originatorId}:${r.sequenceId}` : "-"))).toEqual([
        "100:2",
        "-",
        "0:1",
        "100:2",
      ]);
      expect(await store.d14n.newest([])).toEqual([]);
    });

    it("makes its keys once and reads them back", async () => {
      let n = 0;
      const gen = () => new Uint8Array(32).fill(++n);
      const first = await store.d14n.keys(gen, 1n);
      const again = await store.d14n.keys(gen, 2n);
      expect(first.nodeKey).toEqual(new Uint8Array(32).fill(1));
      expect(first.payerKey).toEqual(new Uint8Array(32).fill(2));
      expect(again).toEqual(first);
    });

    it("indexes addresses from identity updates, revocations included, apart from v3", async () => {
      const inbox = "a".repeat(64);
      await store.d14n.append(
        [{ ...item(1, T1, 1), addresses: { inboxId: inbox, added: ["0x1", "0x2"], removed: [] } }],
        1n,
      );
      await store.d14n.append(
        [{ ...item(1, T1, 2), addresses: { inboxId: inbox, added: [], removed: ["0x2"] } }],
        2n,
      );
      expect(await store.d14n.inboxIdsFor(["0x2", "0x1", "0x3"])).toEqual([
        undefined,
        inbox,
        undefined,
      ]);
      expect(await store.inboxIdsFor(["0x1"])).toEqual([undefined]);
      await store.appendIdentityUpdate(
        "b".repeat(64),
        u8(1),
        { addedAddresses: ["0x3"], removedAddresses: [] },
        3n,
      );
      expect(await store.d14n.inboxIdsFor(["0x3"])).toEqual([undefined]);
    });
  });
}

d14nSuite("SQLite (in memory)", () => ":memory:");

describe("on Postgres", () => {
  let server: Awaited<ReturnType<typeof startPostgres>>;
  let admin: pg.Client;
  let n = 0;
  const fresh = async () => {
    const name = `d14n_${++n}`;
    await admin.query(`create database ${name}`);
    return server.url.replace(/\/postgres$/, `/${name}`);
  };
  beforeAll(async () => {
    server = await startPostgres();
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });
  d14nSuite("Postgres", fresh);

  it("two stores on one database (two processes) hand out contiguous sequence ids and distinct times", async () => {
    const url = await fresh();
    const a = await NodeStore.open({ db: url });
    const b = await NodeStore.open({ db: url });
    try {
      // Batches that take the originators in opposite orders, from both stores at once.
      const batches = Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).d14n.append(
          Array.from({ length: 6 }, (_, j) => item((i + j) % 2 ? 100 : 0, T1, i * 6 + j)),
          1_000n,
        ),
      );
      await Promise.all(batches);
      const rows = await a.d14n.query({ topics: [T1], lastSeen: new Map(), limit: 1000 });
      for (const originator of [0, 100]) {
        expect(rows.filter((r) => r.originatorId === originator).map((r) => r.sequenceId)).toEqual(
          Array.from({ length: 30 }, (_, i) => BigInt(i + 1)),
        );
      }
      const ns = rows.map((r) => r.originatorNs);
      expect(new Set(ns).size).toBe(60);
      for (let i = 1; i < ns.length; i++) expect(ns[i]!).toBeGreaterThan(ns[i - 1]!);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("serves the d14n API from a Postgres store", async () => {
    const t = await startD14nNode({ db: await fresh() });
    try {
      const G = new Uint8Array(16).fill(7);
      await t.payer.publishClientEnvelopes({
        envelopes: [
          groupMessageEnvelope(G, privateMessage(G, 3)),
          groupMessageEnvelope(G, privateMessage(G, 1), { 0: 1n }),
        ],
      });
      const q = await t.replication.queryEnvelopes({ query: { topics: [groupTopic(G)] } });
      expect(q.envelopes).toHaveLength(2);
      const newest = await t.replication.getNewestEnvelope({ topics: [groupTopic(G)] });
      expect(newest.results[0]!.originatorEnvelope).toBeDefined();
    } finally {
      await t.stop();
    }
  });
});
