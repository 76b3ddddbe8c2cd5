// The paged queries an archive export walks (groups and messages in id order, consent in key
// order) and consent's strictly-newer insert, on SQLite and PostgreSQL alike.
import { type PostgresServer, startPostgres } from "@x/testing";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { XmtpDatabase } from "./db.js";
import { DbInputError } from "./errors.js";
import { openPostgres } from "./postgres.js";
import { openSqlite } from "./sqlite.js";
import { bytes, makeGroup, makeMessage, T0 } from "./test-utils/fixtures.js";
import {
  ConsentEntityType,
  type ConsentRecord,
  ConsentState,
  ConversationType,
  MessageKind,
} from "./types.js";

function archiveQueries(name: string, open: () => Promise<XmtpDatabase>) {
  describe(name, () => {
    let db: XmtpDatabase;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    it("pages groups in id order, by creation time and without excluded types", async () => {
      // Ids whose first byte differs, inserted out of order; byte 0x80+ must sort after 0x7f.
      const id = (first: number) => bytes(first, first);
      const firsts = [0x90, 0x01, 0x7f, 0xff, 0x10, 0x80];
      for (const [i, f] of firsts.entries()) {
        await db.groups.insert(
          makeGroup(i, {
            id: id(f),
            createdAtNs: T0 + BigInt(f),
            conversationType: f === 0x10 ? ConversationType.Sync : ConversationType.Group,
          }),
        );
      }
      const all: number[] = [];
      let afterId: Uint8Array | undefined;
      for (;;) {
        const page = await db.groups.listPage({ afterId, limit: 2 });
        if (page.length === 0) break;
        all.push(...page.map((g) => g.id[0] as number));
        afterId = page.at(-1)?.id;
      }
      expect(all).toEqual([0x01, 0x10, 0x7f, 0x80, 0x90, 0xff]);

      const filtered = await db.groups.listPage({
        limit: 100,
        createdAfterNs: T0 + 0x01n,
        createdBeforeNs: T0 + 0xffn,
        excludeConversationTypes: [ConversationType.Sync, ConversationType.Oneshot],
      });
      expect(filtered.map((g) => g.id[0])).toEqual([0x7f, 0x80, 0x90]);
      expect(await db.groups.listPage({ limit: 0 })).toEqual([]);
      expect((await db.groups.listPage({ limit: 1, excludeConversationTypes: [] }))[0]?.id).toEqual(
        id(0x01),
      );
      await expect(db.groups.listPage({ limit: -1 })).rejects.toThrow(DbInputError);
      await expect(
        db.groups.listPage({ limit: 1, excludeConversationTypes: [9 as ConversationType] }),
      ).rejects.toThrow(DbInputError);
    });

    it("pages messages of every group in id order with the export's filters", async () => {
      const g1 = bytes(0x47, 1);
      const g2 = bytes(0x47, 2);
      const sync = bytes(0x47, 3);
      await db.groups.insert(makeGroup(1));
      await db.groups.insert(
        makeGroup(2, { conversationType: ConversationType.Dm, dmId: "dm:a:b" }),
      );
      await db.groups.insert(makeGroup(3, { conversationType: ConversationType.Sync }));
      const msgId = (first: number) => bytes(first, first, 32);
      const rows = [
        { first: 0xa0, group: g1, n: 1 },
        { first: 0x05, group: g2, n: 2 },
        { first: 0x50, group: g1, n: 3, kind: MessageKind.MembershipChange },
        { first: 0xf0, group: sync, n: 4 },
        { first: 0x30, group: g2, n: 5, expireAtNs: T0 + 10n },
        { first: 0x31, group: g1, n: 6, expireAtNs: T0 + 10_000_000n },
        { first: 0x90, group: g2, n: 7 },
      ];
      for (const r of rows) {
        await db.messages.insert(
          makeMessage(r.group, r.n, {
            id: msgId(r.first),
            kind: r.kind ?? MessageKind.Application,
            expireAtNs: r.expireAtNs ?? null,
          }),
        );
      }
      const firsts = (ms: { id: Uint8Array }[]) => ms.map((m) => m.id[0]!);

      // Every message, two at a time.
      const all: number[] = [];
      let afterId: Uint8Array | undefined;
      for (;;) {
        const page = await db.messages.listForArchive({ afterId, limit: 2 });
        if (page.length === 0) break;
        all.push(...firsts(page));
        afterId = page.at(-1)?.id;
      }
      expect(all).toEqual([0x05, 0x30, 0x31, 0x50, 0x90, 0xa0, 0xf0]);

      const base = {
        limit: 100,
        kinds: [MessageKind.Application],
        excludeGroupTypes: [ConversationType.Sync, ConversationType.Oneshot],
      };
      // Application only, not in the sync group; 0x30 has expired by T0 + 11.
      expect(firsts(await db.messages.listForArchive({ ...base, unexpiredAt: T0 + 11n }))).toEqual([
        0x05, 0x31, 0x90, 0xa0,
      ]);
      // No message with an expiry at all.
      expect(
        firsts(
          await db.messages.listForArchive({ ...base, unexpiredAt: T0, excludeExpiring: true }),
        ),
      ).toEqual([0x05, 0x90, 0xa0]);
      // Sent strictly between message 2 and message 7.
      expect(
        firsts(
          await db.messages.listForArchive({
            ...base,
            sentAfterNs: T0 + 2000n,
            sentBeforeNs: T0 + 7000n,
          }),
        ),
      ).toEqual([0x30, 0x31]);
      expect(await db.messages.listForArchive({ ...base, kinds: [] })).toEqual([]);
      // The full row comes back.
      const [first] = await db.messages.listForArchive({ limit: 1 });
      expect(first).toEqual(await db.messages.get(msgId(0x05)));
      await expect(db.messages.listForArchive({ limit: 1.5 })).rejects.toThrow(DbInputError);
    });

    describe("consent", () => {
      const rec = (entity: string, state: ConsentState, at: bigint): ConsentRecord => ({
        entityType: ConsentEntityType.InboxId,
        entity,
        state,
        consentedAtNs: at,
      });

      it("insertNewer: inserts absent records, replaces only strictly newer ones", async () => {
        await db.consent.set([
          rec("a", ConsentState.Allowed, T0),
          rec("b", ConsentState.Denied, T0),
        ]);
        const written = await db.consent.insertNewer([
          rec("a", ConsentState.Denied, T0 - 1n), // older: kept
          rec("b", ConsentState.Allowed, T0), // equal time, other state: kept (set would replace)
          rec("c", ConsentState.Unknown, T0 - 5n), // absent: inserted
        ]);
        expect(written).toEqual([rec("c", ConsentState.Unknown, T0 - 5n)]);
        expect(await db.consent.insertNewer([rec("a", ConsentState.Denied, T0 + 1n)])).toEqual([
          rec("a", ConsentState.Denied, T0 + 1n),
        ]);
        expect(await db.consent.get(ConsentEntityType.InboxId, "a")).toEqual(
          rec("a", ConsentState.Denied, T0 + 1n),
        );
        expect(await db.consent.get(ConsentEntityType.InboxId, "b")).toEqual(
          rec("b", ConsentState.Denied, T0),
        );
        // A bad record writes nothing, not even the good ones before it.
        await expect(
          db.consent.insertNewer([
            rec("d", ConsentState.Allowed, T0),
            rec("", ConsentState.Allowed, T0),
          ]),
        ).rejects.toThrow(DbInputError);
        expect(await db.consent.get(ConsentEntityType.InboxId, "d")).toBeUndefined();
      });

      it("listPage walks (entityType, entity) order", async () => {
        await db.consent.set([
          rec("b2", ConsentState.Allowed, T0),
          { ...rec("ff", ConsentState.Denied, T0), entityType: ConsentEntityType.ConversationId },
          rec("a1", ConsentState.Denied, T0),
          { ...rec("00", ConsentState.Allowed, T0), entityType: ConsentEntityType.ConversationId },
          rec("c3", ConsentState.Unknown, T0),
        ]);
        const seen: string[] = [];
        let after: { entityType: ConsentEntityType; entity: string } | undefined;
        for (;;) {
          const page = await db.consent.listPage({ after, limit: 2 });
          if (page.length === 0) break;
          seen.push(...page.map((r) => `${r.entityType}:${r.entity}`));
          const last = page.at(-1);
          after = last && { entityType: last.entityType, entity: last.entity };
        }
        expect(seen).toEqual(["1:00", "1:ff", "2:a1", "2:b2", "2:c3"]);
        expect(seen).toEqual((await db.consent.list()).map((r) => `${r.entityType}:${r.entity}`));
        await expect(db.consent.listPage({ limit: -2 })).rejects.toThrow(DbInputError);
      });
    });
  });
}

archiveQueries("sqlite (in memory)", () => openSqlite({ path: ":memory:" }));

// Postgres: one private server for the file, a fresh database per test (as in stores.test.ts).
let server: PostgresServer | undefined;
let admin: pg.Client | undefined;
let databases = 0;
beforeAll(async () => {
  server = await startPostgres();
  admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
}, 60_000);
afterAll(async () => {
  await admin?.end();
  await server?.stop();
});
archiveQueries("postgres", async () => {
  if (!server || !admin) throw new Error("the test PostgreSQL server did not start");
  const name = `archive_${++databases}`;
  await admin.query(`create database ${name}`);
  return openPostgres({ connectionString: server.url.replace(/\/postgres$/, `/${name}`), max: 2 });
});
