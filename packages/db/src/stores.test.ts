// The same store suite on every driver: SQLite in memory, an encrypted SQLite file, PostgreSQL.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type PostgresServer, startPostgres } from "@x/testing";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { openPostgres } from "./postgres.js";
import { openSqlite } from "./sqlite.js";
import { storeSuite } from "./test-utils/store-suite.js";

storeSuite("sqlite (in memory)", () => openSqlite({ path: ":memory:" }));

let dir: string;
let files = 0;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "x-db-suite-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
storeSuite("sqlite (encrypted file)", () =>
  openSqlite({
    path: path.join(dir, `suite-${++files}.sqlite`),
    encryptionKey: new Uint8Array(32).fill(7),
  }),
);

// Postgres: one private server for the file, a fresh database per test. When the server
// binaries are missing, startPostgres throws an error naming tooling/scripts/ensure-postgres.sh
// and every Postgres test fails with it.
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
storeSuite("postgres", async () => {
  if (!server || !admin) throw new Error("the test PostgreSQL server did not start");
  const name = `suite_${++databases}`;
  await admin.query(`create database ${name}`);
  return openPostgres({ connectionString: server.url.replace(/\/postgres$/, `/${name}`), max: 2 });
});
