import { startPostgres } from "@x/testing";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startNode } from "../server/node.js";
import { type NewGroupMessage, NodeStore } from "./store.js";

const u8 = (...b: number[]) => Uint8Array.from(b);
const msg = (group: Uint8Array, n: number, isCommit = false): NewGroupMessage => ({
  groupId: group,
  data: u8(1, 2, n),
  senderHmac: u8(9),
  shouldPush: !isCommit,
  isCommit,
});

/** The store suite, run on SQLite and on Postgres: `url` gives a fresh empty database each time. */
function storeSuite(name: string, url: () => Promise<string> | string) {
  describe(`NodeStore on ${name}`, () => {
    let store: NodeStore;
    beforeEach(async () => {
      store = await NodeStore.open({ db: await url() });
    });
    afterEach(async () => {
      await store.close();
    });

    it("assigns increasing ids across groups and skips identical messages", async () => {
      const a = u8(0xa);
      const b = u8(0xb);
      const first = await store.insertGroupMessages([msg(a, 1), msg(b, 1), msg(a, 2, true)], 5n);
      expect(first.map((m) => m.id)).toEqual([1n, 2n, 3n]);
      const again = await store.insertGroupMessages([msg(a, 1), msg(a, 3)], 6n);
      // The duplicate is skipped; ids may have gaps (as on node-go) but only increase.
      expect(again).toHaveLength(1);
      expect(again[0]!.data).toEqual(u8(1, 2, 3));
      expect(again[0]!.id).toBeGreaterThan(3n);
      const page = await store.queryGroupMessages(a, { direction: "asc" });
      expect(page.rows.map((m) => m.id)).toEqual([1n, 3n, again[0]!.id]);
      expect(page.rows[1]).toEqual({
        id: 3n,
        createdNs: 5n,
        groupId: a,
        data: u8(1, 2, 2),
        senderHmac: u8(9),
        shouldPush: false,
        isCommit: true,
      });
      expect(page.nextCursor).toBe(0n);
    });

    it("pages with exclusive cursors in both directions and caps the limit at 100", async () => {
      const g = u8(1);
      await store.insertGroupMessages(
        Array.from({ length: 105 }, (_, i) => msg(g, i)),
        1n,
      );
      const asc = await store.queryGroupMessages(g, { direction: "asc", limit: 2, cursor: 3n });
      expect(asc.rows.map((m) => m.id)).toEqual([4n, 5n]);
      expect(asc.nextCursor).toBe(5n);
      const desc = await store.queryGroupMessages(g, { direction: "desc", limit: 2, cursor: 3n });
      expect(desc.rows.map((m) => m.id)).toEqual([2n, 1n]);
      const newest = await store.queryGroupMessages(g, { direction: "desc", limit: 1 });
      expect(newest.rows.map((m) => m.id)).toEqual([105n]);
      const big = await store.queryGroupMessages(g, { direction: "asc", limit: 1000 });
      expect(big.rows).toHaveLength(100);
      expect(big.limit).toBe(100);
      expect(big.nextCursor).toBe(100n);
      const rest = await store.queryGroupMessages(g, { direction: "asc", cursor: big.nextCursor });
      expect(rest.rows.map((m) => m.id)).toEqual([101n, 102n, 103n, 104n, 105n]);
      expect(rest.nextCursor).toBe(0n);
      expect((await store.newestGroupMessages([g, u8(2)])).map((m) => m?.id)).toEqual([
        105n,
        undefined,
      ]);
    });

    it("finds the newest message of many groups at once, in request order", async () => {
      const x = u8(31);
      const y = u8(32);
      const [x1] = await store.insertGroupMessages([msg(x, 1)], 1n);
      const [y1] = await store.insertGroupMessages([msg(y, 1)], 2n);
      const [x2] = await store.insertGroupMessages([msg(x, 2)], 3n);
      expect(x1!.id < y1!.id && y1!.id < x2!.id).toBe(true);
      const unknown = Array.from({ length: 600 }, (_, i) => u8(40, i % 256, i >> 8));
      const newest = await store.newestGroupMessages([y, ...unknown, x, y]);
      expect(newest).toHaveLength(603);
      expect(newest[0]).toEqual(y1);
      expect(newest.slice(1, 601).every((m) => m === undefined)).toBe(true);
      expect(newest[601]).toEqual(x2);
      expect(newest[602]).toEqual(y1);
    });

    it("stores welcomes and welcome pointers and dedupes them", async () => {
      const key = u8(7, 7);
      const w = {
        installationKey: key,
        data: u8(1),
        hpkePublicKey: u8(2),
        wrapperAlgorithm: 2,
        welcomeMetadata: u8(3),
      };
      const stored = await store.insertWelcomes(
        [
          { ...w, kind: "v1" },
          { ...w, kind: "pointer", data: u8(4), welcomeMetadata: new Uint8Array() },
          { ...w, kind: "v1" },
        ],
        10n,
      );
      expect(stored.map((s) => s.kind)).toEqual(["v1", "pointer"]);
      const page = await store.queryWelcomes(key, { direction: "asc" });
      expect(page.rows.map((r) => r.kind)).toEqual(["v1", "pointer"]);
      expect(page.rows[1]!.data).toEqual(u8(4));
      expect((await store.queryWelcomes(u8(1), { direction: "asc" })).rows).toEqual([]);
    });

    it("keeps the latest key package per installation", async () => {
      await store.upsertKeyPackage(u8(1), "a".repeat(64), u8(10), 1n);
      await store.upsertKeyPackage(u8(2), "b".repeat(64), u8(20), 1n);
      await store.upsertKeyPackage(u8(1), "a".repeat(64), u8(11), 2n);
      expect(await store.fetchKeyPackages([u8(2), u8(3), u8(1)])).toEqual([
        u8(20),
        undefined,
        u8(11),
      ]);
    });

    it("logs identity updates with global sequence ids and tracks addresses", async () => {
      const a = "a".repeat(64);
      const b = "b".repeat(64);
      const e1 = await store.appendIdentityUpdate(
        a,
        u8(1),
        { addedAddresses: ["0xaa"], removedAddresses: [] },
        100n,
      );
      await store.appendIdentityUpdate(
        b,
        u8(2),
        { addedAddresses: ["0xbb"], removedAddresses: [] },
        101n,
      );
      const e3 = await store.appendIdentityUpdate(
        a,
        u8(3),
        { addedAddresses: ["0xcc"], removedAddresses: [] },
        102n,
      );
      expect([e1.sequenceId, e3.sequenceId]).toEqual([1n, 3n]);
      expect((await store.inboxLog(a)).map((e) => e.sequenceId)).toEqual([1n, 3n]);
      expect((await store.inboxLog(a, 1n)).map((e) => e.update)).toEqual([u8(3)]);
      expect(await store.inboxLogCount(a)).toBe(2);
      expect(await store.inboxIdsFor(["0xcc", "0xzz", "0xaa", "0xbb"])).toEqual([
        a,
        undefined,
        a,
        b,
      ]);
      await store.appendIdentityUpdate(
        a,
        u8(4),
        { addedAddresses: [], removedAddresses: ["0xcc"] },
        103n,
      );
      expect(await store.inboxIdsFor(["0xcc", "0xaa"])).toEqual([undefined, a]);
      // A revoked address can join another inbox later.
      await store.appendIdentityUpdate(
        b,
        u8(5),
        { addedAddresses: ["0xcc"], removedAddresses: [] },
        104n,
      );
      expect(await store.inboxIdsFor(["0xcc"])).toEqual([b]);
    });

    it("pages the commit log ascending", async () => {
      const g = u8(5);
      await store.insertCommitLogEntries(
        [1, 2, 3].map((n) => ({ groupId: g, entry: u8(n), signature: u8(n, n) })),
        1n,
      );
      const page = await store.queryCommitLog(g, { limit: 2, cursor: 1n });
      expect(page.rows.map((r) => [r.id, r.entry])).toEqual([
        [2n, u8(2)],
        [3n, u8(3)],
      ]);
      expect(page.nextCursor).toBe(3n);
    });
  });
}

storeSuite("SQLite (in memory)", () => ":memory:");

describe("on Postgres", () => {
  let server: Awaited<ReturnType<typeof startPostgres>>;
  let admin: pg.Client;
  let n = 0;
  beforeAll(async () => {
    server = await startPostgres();
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });
  storeSuite("Postgres", async () => {
    const name = `store_${++n}`;
    await admin.query(`create database ${name}`);
    return server.url.replace(/\/postgres$/, `/${name}`);
  });

  it("a node on Postgres (a scale-out deployment) limits each client by default", async () => {
    const name = `store_${++n}`;
    await admin.query(`create database ${name}`);
    const url = server.url.replace(/\/postgres$/, `/${name}`);
    const limited = await startNode({ port: 0, webPort: null, db: url });
    const unlimited = await startNode({ port: 0, webPort: null, db: url, rateLimit: false });
    const sqlite = await startNode({ port: 0, webPort: null, db: ":memory:" });
    try {
      expect(limited.rateLimited).toBe(true);
      expect(unlimited.rateLimited).toBe(false);
      expect(sqlite.rateLimited).toBe(false);
    } finally {
      await Promise.all([limited.stop(), unlimited.stop(), sqlite.stop()]);
    }
  });

  // Two nodes (stores) on one database, writing to one group at once: ids come from one sequence,
  // and a transaction may commit after a later one. A reader paging by id cursor must never see
  // an id appear below a cursor it already passed (it would skip that message for good).
  it("commits a topic's rows in id order across stores, so a reader's cursor never skips one", async () => {
    const name = `store_${++n}`;
    await admin.query(`create database ${name}`);
    const url = server.url.replace(/\/postgres$/, `/${name}`);
    const stores = await Promise.all([NodeStore.open({ db: url }), NodeStore.open({ db: url })]);
    const group = u8(7, 7);
    try {
      let done = false;
      const writers = stores.flatMap((store, s) =>
        Array.from({ length: 4 }, async (_, w) => {
          for (let i = 0; i < 25; i++) {
            const k = s * 1_000 + w * 100 + i;
            const unique = (g: Uint8Array) => ({ ...msg(g, 0), data: u8(1, k >> 8, k & 0xff) });
            await store.insertGroupMessages([unique(group), unique(u8(8))], 1n);
          }
        }),
      );
      const seen: bigint[][] = [];
      const reader = (async () => {
        while (!done) {
          const page = await stores[0]!.queryGroupMessages(group, { direction: "asc", limit: 100 });
          const all = [...page.rows];
          let cursor = all.at(-1)?.id;
          while (cursor !== undefined && page.rows.length === 100) {
            const next = await stores[0]!.queryGroupMessages(group, {
              direction: "asc",
              limit: 100,
              cursor,
            });
            all.push(...next.rows);
            if (next.rows.length < 100) break;
            cursor = next.rows.at(-1)?.id;
          }
          seen.push(all.map((r) => r.id));
        }
      })();
      await Promise.all(writers);
      done = true;
      await reader;
      const final = (await stores[0]!.queryGroupMessages(group, { direction: "asc", limit: 100 }))
        .rows;
      expect(final.length).toBe(100);
      const every: bigint[] = [];
      let cursor: bigint | undefined;
      for (;;) {
        const page = await stores[1]!.queryGroupMessages(group, {
          direction: "asc",
          limit: 100,
          ...(cursor === undefined ? {} : { cursor }),
        });
        every.push(...page.rows.map((r) => r.id));
        if (page.rows.length < 100) break;
        cursor = page.rows.at(-1)!.id;
      }
      expect(every).toHaveLength(200);
      const skipped = seen.filter((ids) => {
        const max = ids.at(-1);
        if (max === undefined) return false;
        return every.filter((id) => id <= max).length !== ids.length;
      });
      expect(seen.length).toBeGreaterThan(3);
      expect(skipped).toEqual([]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 60_000);
});

describe("on a SQLite file", () => {
  it("keeps data across reopening", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(`${tmpdir()}/x-node-store-`);
    try {
      const file = `${dir}/node.sqlite`;
      const a = await NodeStore.open({ db: file });
      await a.insertGroupMessages([msg(u8(1), 1)], 1n);
      await a.close();
      const b = await NodeStore.open({ db: file });
      const page = await b.queryGroupMessages(u8(1), { direction: "asc" });
      expect(page.rows.map((r) => r.id)).toEqual([1n]);
      await b.insertGroupMessages([msg(u8(1), 2)], 2n);
      expect(
        (await b.queryGroupMessages(u8(1), { direction: "asc" })).rows.map((r) => r.id),
      ).toEqual([1n, 2n]);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
