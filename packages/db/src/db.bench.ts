// `pnpm bench` for @x/db: real database files in a temp dir, default settings (WAL, synchronous
// FULL), plain and encrypted. Prints a table and writes .bench/results.json.
//
// - insert 10,000 messages: in one transaction, and in transactions of 50 (a sync page);
// - latest 50 messages of one group out of 100,000 rows in 100 groups (target < 5 ms);
// - list 1,000 conversations ordered by last message.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { CompiledQuery } from "kysely";
import { openSqlite } from "./sqlite.js";
import {
  ContentType,
  ConversationType,
  DeliveryStatus,
  GroupMembershipState,
  MessageKind,
  type StoredGroup,
  type StoredMessage,
} from "./types.js";

const T0 = 1_750_000_000_000_000_000n;
const KEY = new Uint8Array(32).fill(0x5a);

function id(tag: number, n: number, length = 32): Uint8Array {
  const b = new Uint8Array(length);
  b[0] = tag;
  new DataView(b.buffer).setUint32(length - 4, n);
  return b;
}

function group(n: number, lastMessageNs: bigint | null = null): StoredGroup {
  return {
    id: id(0x47, n, 16),
    createdAtNs: T0 + BigInt(n),
    conversationType: ConversationType.Group,
    membershipState: GroupMembershipState.Allowed,
    addedByInboxId: "a".repeat(64),
    dmId: null,
    welcomeCursor: null,
    installationsLastCheckedNs: 0n,
    rotatedAtNs: 0n,
    lastMessageNs,
    messageDisappearFromNs: null,
    messageDisappearInNs: null,
    pausedForVersion: null,
    maybeForked: false,
    forkDetails: "",
    shouldPublishCommitLog: false,
    commitLogPublicKey: null,
    isCommitLogForked: null,
    hasPendingLeaveRequest: false,
  };
}

const body = new TextEncoder().encode("x".repeat(200));

function message(groupId: Uint8Array, n: number): StoredMessage {
  return {
    id: id(0x4d, n),
    groupId,
    decryptedMessageBytes: body,
    sentAtNs: T0 + BigInt(n) * 1_000_000n,
    kind: MessageKind.Application,
    senderInstallationId: id(0x49, 1),
    senderInboxId: "b".repeat(64),
    deliveryStatus: DeliveryStatus.Published,
    contentType: ContentType.Text,
    authorityId: "xmtp.org",
    versionMajor: 1,
    versionMinor: 0,
    referenceId: null,
    originatorId: 0,
    sequenceId: BigInt(n + 1),
    insertedAtNs: T0 + BigInt(n) * 1_000_000n,
    expireAtNs: null,
    shouldPush: true,
    idempotencyKey: String(n),
  };
}

interface Row {
  bench: string;
  driver: string;
  iterations: number;
  total_ms: number;
  mean_ms: number;
  p50_ms: number;
  p95_ms: number;
  note?: string;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function repeat(n: number, fn: () => Promise<unknown>) {
  await fn(); // warm up the statement and page cache
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await time(fn));
  samples.sort((a, b) => a - b);
  const total = samples.reduce((a, b) => a + b, 0);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { iterations: n, total_ms: total, mean_ms: total / n, p50_ms: at(0.5), p95_ms: at(0.95) };
}

function once(ms: number, iterations: number) {
  return { iterations, total_ms: ms, mean_ms: ms / iterations, p50_ms: NaN, p95_ms: NaN };
}

async function benchDriver(dir: string, driver: "plain" | "sqlcipher"): Promise<Row[]> {
  const rows: Row[] = [];
  const open = (name: string) =>
    openSqlite({
      path: path.join(dir, `${driver}-${name}.sqlite`),
      encryptionKey: driver === "sqlcipher" ? KEY : undefined,
    });

  // 1. Insert 10,000 messages.
  {
    const db = await open("insert-one-tx");
    const g = group(1);
    await db.groups.insert(g);
    const ms = await time(() =>
      db.transaction(async (tx) => {
        for (let i = 0; i < 10_000; i++) await tx.messages.insert(message(g.id, i));
      }),
    );
    rows.push({ bench: "insert 10,000 messages (1 transaction)", driver, ...once(ms, 10_000) });
    await db.close();
  }
  {
    const db = await open("insert-pages");
    const g = group(1);
    await db.groups.insert(g);
    const ms = await time(async () => {
      for (let page = 0; page < 200; page++) {
        await db.transaction(async (tx) => {
          for (let i = 0; i < 50; i++) await tx.messages.insert(message(g.id, page * 50 + i));
        });
      }
    });
    rows.push({
      bench: "insert 10,000 messages (200 transactions of 50)",
      driver,
      ...once(ms, 10_000),
      note: "one fsync per transaction",
    });
    await db.close();
  }

  // 2. Latest 50 of one group out of 100,000 rows (100 groups, interleaved in time).
  {
    const db = await open("latest");
    const groups = Array.from({ length: 100 }, (_, i) => group(i));
    await db.transaction(async (tx) => {
      for (const g of groups) await tx.groups.insert(g);
      for (let i = 0; i < 100_000; i++) {
        await tx.messages.insert(message((groups[i % 100] as StoredGroup).id, i));
      }
    });
    const target = (groups[42] as StoredGroup).id;
    let got = 0;
    const stats = await repeat(500, async () => {
      got = (await db.messages.latest(target, 50)).length;
    });
    if (got !== 50) throw new Error(`latest returned ${got} rows`);
    const compiled = db.kysely
      .selectFrom("group_messages")
      .selectAll()
      .where("group_id", "=", target)
      .orderBy("sent_at_ns", "desc")
      .limit(50)
      .compile();
    const plan = await db.kysely.executeQuery(
      CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
    );
    const detail = (plan.rows as { detail?: string }[]).map((r) => r.detail).join("; ");
    rows.push({
      bench: "latest 50 of one group / 100,000 rows",
      driver,
      ...stats,
      note: `target < 5 ms; plan: ${detail || "n/a"}`,
    });
    await db.close();
  }

  // 3. 1,000 conversations ordered by last message.
  {
    const db = await open("groups");
    await db.transaction(async (tx) => {
      for (let i = 0; i < 1_000; i++) {
        // Scrambled order, some without messages.
        const last = i % 10 === 0 ? null : T0 + BigInt((i * 7919) % 1_000) * 1_000n;
        await tx.groups.insert(group(i, last));
      }
    });
    let got = 0;
    const stats = await repeat(100, async () => {
      got = (await db.groups.list()).length;
    });
    if (got !== 1_000) throw new Error(`list returned ${got} groups`);
    rows.push({ bench: "list 1,000 conversations by last message", driver, ...stats });
    await db.close();
  }
  return rows;
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "x-db-bench-"));
  const rows: Row[] = [];
  try {
    for (const driver of ["plain", "sqlcipher"] as const)
      rows.push(...(await benchDriver(dir, driver)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const fmt = (v: number) => (Number.isNaN(v) ? "-" : v < 10 ? v.toFixed(3) : v.toFixed(1));
  console.log(
    "\n@x/db bench (better-sqlite3 12.9.0 / multiple-ciphers 12.11.1, files in tmp, WAL, synchronous=FULL)\n",
  );
  console.log(
    [
      "bench".padEnd(48),
      "driver".padEnd(10),
      "n".padStart(6),
      "total ms".padStart(10),
      "mean ms".padStart(9),
      "p50 ms".padStart(8),
      "p95 ms".padStart(8),
    ].join(" "),
  );
  for (const r of rows) {
    console.log(
      [
        r.bench.padEnd(48),
        r.driver.padEnd(10),
        String(r.iterations).padStart(6),
        fmt(r.total_ms).padStart(10),
        fmt(r.mean_ms).padStart(9),
        fmt(r.p50_ms).padStart(8),
        fmt(r.p95_ms).padStart(8),
      ].join(" "),
    );
  }
  for (const r of rows.filter((r) => r.note)) console.log(`  ${r.bench} [${r.driver}]: ${r.note}`);

  // Output lands in packages/db/.bench/ (this file runs from node_modules/.bench-build/).
  const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const outDir = path.join(pkgDir, ".bench");
  mkdirSync(outDir, { recursive: true });
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    results: rows.map((r) => ({
      ...r,
      p50_ms: Number.isNaN(r.p50_ms) ? null : r.p50_ms,
      p95_ms: Number.isNaN(r.p95_ms) ? null : r.p95_ms,
    })),
  };
  writeFileSync(path.join(outDir, "results.json"), `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwrote ${path.join(outDir, "results.json")}`);
}

await main();
