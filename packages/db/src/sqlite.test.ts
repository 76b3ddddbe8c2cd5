// The SQLite drivers: encryption at rest, what a wrong or missing key does, the connection
// settings, and how concurrent writers are handled.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3-multiple-ciphers";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { XmtpDatabase } from "./db.js";
import { DatabaseKeyError, DbBusyError, DbInputError } from "./errors.js";
import { integrityCheck, openSqlite } from "./sqlite.js";
import { bytes, makeGroup, makeMessage } from "./test-utils/fixtures.js";
import { CursorKind } from "./types.js";

let dir: string;
let n = 0;
const file = () => path.join(dir, `db-${++n}.sqlite`);
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "x-db-sqlite-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MARKERS = ["PLAINTEXT-MARKER-message-body", "PLAINTEXT-MARKER-inbox-id"];

async function writeMarkers(db: XmtpDatabase) {
  const group = makeGroup(1, { addedByInboxId: MARKERS[1] });
  await db.groups.insert(group);
  for (let i = 0; i < 200; i++) {
    await db.messages.insert(
      makeMessage(group.id, i, {
        decryptedMessageBytes: new TextEncoder().encode(`${MARKERS[0]} ${i}`),
      }),
    );
  }
}

/** Every marker (and SQLite's plaintext header) found in the database file and its WAL. */
function plaintextIn(base: string): string[] {
  const found: string[] = [];
  for (const suffix of ["", "-wal", "-shm"]) {
    if (!existsSync(base + suffix)) continue;
    const content = readFileSync(base + suffix);
    for (const m of [...MARKERS, "SQLite format 3"]) {
      if (content.includes(Buffer.from(m))) found.push(`${m} in ${path.basename(base + suffix)}`);
    }
  }
  return found;
}

describe("encryption at rest", () => {
  it("leaves no plaintext in the file or the WAL (a plain file, written the same way, has it)", async () => {
    const plainFile = file();
    const plain = await openSqlite({ path: plainFile });
    await writeMarkers(plain);
    // The scan finds plaintext where there is some: in the WAL while open, in the file after.
    expect(plaintextIn(plainFile)).toContain(`${MARKERS[0]} in ${path.basename(plainFile)}-wal`);
    await plain.close();
    expect(plaintextIn(plainFile)).toContain(`${MARKERS[0]} in ${path.basename(plainFile)}`);

    const encFile = file();
    const key = randomBytes(32);
    const db = await openSqlite({ path: encFile, encryptionKey: key });
    await writeMarkers(db);
    expect(existsSync(`${encFile}-wal`)).toBe(true);
    expect(plaintextIn(encFile)).toEqual([]);
    await db.close();
    expect(plaintextIn(encFile)).toEqual([]);

    const reopened = await openSqlite({ path: encFile, encryptionKey: key });
    expect(await reopened.messages.count(bytes(0x47, 1))).toBe(200);
    expect((await reopened.groups.get(bytes(0x47, 1)))?.addedByInboxId).toBe(MARKERS[1]);
    expect(await integrityCheck(reopened)).toEqual([]);
    await reopened.close();
  });

  it("cannot be opened without the key, nor with a wrong one", async () => {
    const f = file();
    const key = randomBytes(32);
    const db = await openSqlite({ path: f, encryptionKey: key });
    await db.cursors.set(bytes(1), CursorKind.Welcome, 0, 42n);
    await db.close();

    const noKey = await openSqlite({ path: f }).catch((e) => e);
    expect(noKey).toBeInstanceOf(DatabaseKeyError);
    expect(noKey.code).toBe("db.key");

    const wrong = Uint8Array.from(key);
    wrong[0] = (wrong[0] ?? 0) ^ 1;
    const wrongKey = await openSqlite({ path: f, encryptionKey: wrong }).catch((e) => e);
    expect(wrongKey).toBeInstanceOf(DatabaseKeyError);
    expect(wrongKey.message).toMatch(/encryption key is wrong or missing/);
    expect(String(wrongKey.cause)).toMatch(/file is not a database/);

    // SQLite opened without a key cannot read it either.
    expect(() => new Database(f).prepare("select * from sqlite_master").all()).toThrow(
      /file is not a database/,
    );

    // Failed attempts did not damage it: the right key still opens it.
    const again = await openSqlite({ path: f, encryptionKey: key });
    expect(await again.cursors.get(bytes(1), CursorKind.Welcome, 0)).toBe(42n);
    await again.close();
  });

  it("refuses to open a plain database with a key, and rejects keys that are not 32 bytes", async () => {
    const f = file();
    await (await openSqlite({ path: f })).close();
    await expect(openSqlite({ path: f, encryptionKey: randomBytes(32) })).rejects.toThrow(
      DatabaseKeyError,
    );
    await expect(openSqlite({ path: ":memory:", encryptionKey: randomBytes(32) })).rejects.toThrow(
      DbInputError,
    );
    for (const bad of [new Uint8Array(16), new Uint8Array(33), "a".repeat(32)]) {
      await expect(
        openSqlite({ path: file(), encryptionKey: bad as unknown as Uint8Array }),
      ).rejects.toThrow(DbInputError);
    }
  });
});

describe("connection settings", () => {
  it("uses WAL, the busy timeout and normal sync on files (full on request)", async () => {
    const pragmaOf = (db: XmtpDatabase) => async (name: string) =>
      Object.values((await sql.raw(`pragma ${name}`).execute(db.kysely)).rows[0] as object)[0];
    const db = await openSqlite({ path: file(), busyTimeoutMs: 1234 });
    const pragma = pragmaOf(db);
    expect(await pragma("journal_mode")).toBe("wal");
    expect(await pragma("busy_timeout")).toBe(1234n);
    expect(await pragma("synchronous")).toBe(1n); // NORMAL, as libxmtp
    await db.close();
    const full = await openSqlite({ path: file(), synchronous: "full" });
    expect(await pragmaOf(full)("synchronous")).toBe(2n);
    await full.close();
  });

  it("reuses compiled statements without serving stale results", async () => {
    const db = await openSqlite({ path: ":memory:" });
    const count = async () =>
      (await sql<{ n: bigint }>`select count(*) as n from consent_records`.execute(db.kysely))
        .rows[0]?.n;
    expect(await count()).toBe(0n);
    for (let i = 0; i < 300; i++) {
      // 300 distinct statements: more than are kept, so old ones are dropped and made again.
      await sql
        .raw(
          `insert into consent_records (entity_type, state, entity, consented_at_ns) values (1, 1, 'e${i}', ${i})`,
        )
        .execute(db.kysely);
      expect(await count()).toBe(BigInt(i + 1));
    }
    await db.close();
  });

  it("rejects bad options", async () => {
    await expect(openSqlite({ path: "" })).rejects.toThrow(DbInputError);
    await expect(openSqlite({ path: ":memory:", busyTimeoutMs: -1 })).rejects.toThrow(DbInputError);
    await expect(openSqlite({ path: ":memory:", synchronous: "off" as "full" })).rejects.toThrow(
      DbInputError,
    );
  });
});

describe("concurrent writers", () => {
  it("serialises transactions on one connection (no lost updates)", async () => {
    const db = await openSqlite({ path: file() });
    const id = bytes(2);
    await Promise.all(
      Array.from({ length: 25 }, () =>
        db.transaction(async (tx) => {
          const current = await tx.cursors.get(id, CursorKind.Welcome, 0);
          await new Promise((r) => setTimeout(r, 1));
          await tx.cursors.set(id, CursorKind.Welcome, 0, current + 1n);
        }),
      ),
    );
    expect(await db.cursors.get(id, CursorKind.Welcome, 0)).toBe(25n);
    await db.close();
  });

  it("gives a retryable DbBusyError when another connection holds the write lock too long", async () => {
    const f = file();
    const a = await openSqlite({ path: f });
    const b = await openSqlite({ path: f, busyTimeoutMs: 50 });
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let started!: () => void;
    const inside = new Promise<void>((r) => {
      started = r;
    });
    const holder = a.transaction(async (tx) => {
      await tx.cursors.set(bytes(3), CursorKind.Welcome, 0, 1n);
      started();
      await held;
    });
    await inside;
    const err = await b.cursors.set(bytes(3), CursorKind.Welcome, 0, 2n).catch((e) => e);
    expect(err).toBeInstanceOf(DbBusyError);
    expect(err.retryable).toBe(true);
    release();
    await holder;
    // After the lock is released the same write succeeds.
    await b.cursors.set(bytes(3), CursorKind.Welcome, 0, 2n);
    expect(await a.cursors.get(bytes(3), CursorKind.Welcome, 0)).toBe(2n);
    await a.close();
    await b.close();
  });
});
