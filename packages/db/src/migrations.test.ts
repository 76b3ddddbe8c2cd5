// Migrations: run on open, only once, and a database built at the first migration (with data)
// migrates forward to the latest schema and keeps its data. On SQLite and on Postgres.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type PostgresServer, startPostgres } from "@x/testing";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { XmtpDatabase } from "./db.js";
import { DbMigrationError } from "./errors.js";
import {
  appliedMigrations,
  MIGRATION_NAMES,
  migrateTo,
  migrateToLatest,
} from "./migrations/index.js";
import { openPostgres } from "./postgres.js";
import { openSqlite } from "./sqlite.js";
import { bytes, makeGroup, makeMessage, T0 } from "./test-utils/fixtures.js";
import { ConsentEntityType, ConsentState, CursorKind } from "./types.js";

let dir: string;
let server: PostgresServer | undefined;
let admin: pg.Client | undefined;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "x-db-migrate-"));
  server = await startPostgres();
  admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
}, 60_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await admin?.end();
  await server?.stop();
});

/** Opens the same database again and again: a file, or a Postgres database. */
type Opener = (migrate: boolean) => Promise<XmtpDatabase>;

let count = 0;
const dialects: [string, () => Promise<Opener>][] = [
  [
    "sqlite",
    async () => {
      const f = path.join(dir, `m-${++count}.sqlite`);
      return (migrate) => openSqlite({ path: f, migrate });
    },
  ],
  [
    "postgres",
    async () => {
      if (!server || !admin) throw new Error("the test PostgreSQL server did not start");
      const name = `migrate_${++count}`;
      await admin.query(`create database ${name}`);
      const url = server.url.replace(/\/postgres$/, `/${name}`);
      return (migrate) => openPostgres({ connectionString: url, migrate, max: 2 });
    },
  ],
];

describe.each(dialects)("migrations on %s", (_name, makeOpener) => {
  it("a database built at the first migration migrates to the latest and keeps its data", async () => {
    const open = await makeOpener();
    const gid = bytes(0x47, 1);
    const message = makeMessage(gid, 1);

    // Build the database as the first release would have: schema 0001 only, with data.
    const old = await open(false);
    expect(await migrateTo(old.kysely, old.dialect, MIGRATION_NAMES[0] as string)).toEqual([
      MIGRATION_NAMES[0],
    ]);
    await old.groups.insert(makeGroup(1));
    const { expireAtNs: _, ...messageAt0001 } = message;
    await old.kysely
      .insertInto("group_messages")
      .values({
        id: message.id,
        group_id: gid,
        decrypted_message_bytes: message.decryptedMessageBytes,
        sent_at_ns: message.sentAtNs,
        kind: message.kind,
        sender_installation_id: message.senderInstallationId,
        sender_inbox_id: message.senderInboxId,
        delivery_status: message.deliveryStatus,
        content_type: message.contentType,
        authority_id: message.authorityId,
        version_major: message.versionMajor,
        version_minor: message.versionMinor,
        reference_id: null,
        originator_id: message.originatorId,
        sequence_id: message.sequenceId,
        inserted_at_ns: message.insertedAtNs,
        should_push: 1,
        idempotency_key: message.idempotencyKey,
      })
      .execute();
    await old.cursors.set(gid, CursorKind.ApplicationMessage, 0, 1n);
    await old.mls.putGroupState(gid, 4n, new Uint8Array([1, 2, 3]));
    // The later tables do not exist yet.
    await expect(sql`select count(*) from tasks`.execute(old.kysely)).rejects.toThrow();
    await old.close();

    // Opening with this build migrates forward, once.
    const db = await open(true);
    expect(await appliedMigrations(db.kysely, db.dialect)).toEqual([...MIGRATION_NAMES]);
    expect(await db.messages.get(message.id)).toEqual({ ...messageAt0001, expireAtNs: null });
    expect(await db.groups.get(gid)).toEqual(makeGroup(1));
    expect(await db.cursors.get(gid, CursorKind.ApplicationMessage, 0)).toBe(1n);
    expect(await db.mls.getGroupState(gid)).toMatchObject({
      epoch: 4n,
      state: new Uint8Array([1, 2, 3]),
    });
    // New columns and tables work.
    await db.messages.insert(makeMessage(gid, 2, { expireAtNs: T0 }));
    expect(await db.messages.deleteExpired(T0)).toBe(1);
    await db.consent.set([
      {
        entityType: ConsentEntityType.InboxId,
        entity: "x",
        state: ConsentState.Allowed,
        consentedAtNs: T0,
      },
    ]);
    expect(await migrateToLatest(db.kysely, db.dialect)).toEqual([]);
    await db.close();

    // Opening again runs nothing and keeps everything.
    const again = await open(true);
    expect(await migrateToLatest(again.kysely, again.dialect)).toEqual([]);
    const rows = await sql<{ n: unknown }>`select count(*) as n from x_migrations`.execute(
      again.kysely,
    );
    expect(Number(rows.rows[0]?.n)).toBe(MIGRATION_NAMES.length);
    expect(await again.messages.count(gid)).toBe(1);
    await again.close();
  }, 30_000);

  it("names unknown migrations with a typed error", async () => {
    const open = await makeOpener();
    const db = await open(false);
    await expect(migrateTo(db.kysely, db.dialect, "9999_nope")).rejects.toThrow(DbMigrationError);
    expect(await appliedMigrations(db.kysely, db.dialect)).toEqual([]);
    await db.close();
  });
});
