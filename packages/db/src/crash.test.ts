// Crash safety: a child process writes batches (messages + cursor + MLS state, one transaction
// each) in a loop; we SIGKILL it at random moments, many times, and after every kill check that
// the database is intact and every transaction is all-or-nothing, and that nothing the child saw
// committed is lost.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { integrityCheck, openSqlite } from "./sqlite.js";
import { BATCH, GROUP_ID, messageForSequence, stateForEpoch } from "./test-utils/crash-shared.js";
import { transpileSources } from "./test-utils/transpile.js";
import { CursorKind } from "./types.js";

let build: ReturnType<typeof transpileSources>;
let dir: string;
beforeAll(() => {
  build = transpileSources();
  dir = mkdtempSync(path.join(tmpdir(), "x-db-crash-"));
});
afterAll(() => {
  build?.remove();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  lastBegun: bigint;
  lastCommitted: bigint;
  stderr: string;
}

/** Starts the child, lets it write for `ms` after it is ready, then SIGKILLs it. */
function runAndKill(file: string, keyHex: string, ms: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [path.join(build.outDir, "test-utils", "crash-child.js"), file, keyHex],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const run: Run = { lastBegun: 0n, lastCommitted: 0n, stderr: "" };
    let buffer = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "ready") timer = setTimeout(() => child.kill("SIGKILL"), ms);
        else if (line.startsWith("B")) run.lastBegun = BigInt(line.slice(1));
        else if (line.startsWith("C")) run.lastCommitted = BigInt(line.slice(1));
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      run.stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL") {
        reject(new Error(`child exited on its own (code ${code}): ${run.stderr}`));
      } else resolve(run);
    });
  });
}

/** Opens the database after a kill and checks it; returns the epoch it holds. */
async function checkConsistent(
  file: string,
  key: Uint8Array | undefined,
  run: Run,
): Promise<bigint> {
  const db = await openSqlite({ path: file, encryptionKey: key });
  try {
    expect(await integrityCheck(db)).toEqual([]);
    return await db.transaction(async (tx) => {
      const state = await tx.mls.getGroupState(GROUP_ID);
      const epoch = state?.epoch ?? 0n;
      const cursor = await tx.cursors.get(GROUP_ID, CursorKind.ApplicationMessage, 0);
      const count = await tx.messages.count(GROUP_ID);
      // All-or-nothing: the state, the cursor and the messages all stop at the same batch.
      expect(cursor).toBe(epoch * BigInt(BATCH));
      expect(BigInt(count)).toBe(cursor);
      if (state) expect(state.state).toEqual(stateForEpoch(epoch));
      if (count > 0) {
        const [newest] = await tx.messages.latest(GROUP_ID, 1);
        expect(newest?.sequenceId).toBe(cursor);
        expect(newest?.decryptedMessageBytes).toEqual(
          messageForSequence(cursor).decryptedMessageBytes,
        );
      }
      // Durable: whatever the child saw committed is there; at most the batch it had begun more.
      expect(epoch >= run.lastCommitted).toBe(true);
      expect(epoch <= run.lastBegun).toBe(true);
      return epoch;
    });
  } finally {
    await db.close();
  }
}

async function killManyTimes(name: string, kills: number, key: Uint8Array | undefined) {
  const file = path.join(dir, `${name}.sqlite`);
  const keyHex = key ? Buffer.from(key).toString("hex") : "";
  let killedMidTransaction = 0;
  let epoch = 0n;
  for (let i = 0; i < kills; i++) {
    const ms = 10 + Math.floor(Math.random() * 150);
    const run = await runAndKill(file, keyHex, ms);
    const stored = await checkConsistent(file, key, run);
    expect(stored >= epoch).toBe(true);
    epoch = stored;
    if (run.lastBegun > run.lastCommitted) killedMidTransaction++;
  }
  // The test means something only if the child made progress and was often killed mid-write.
  expect(epoch >= BigInt(kills / 2)).toBe(true);
  expect(killedMidTransaction).toBeGreaterThan(kills / 2);
  console.info(
    `${name}: ${kills} kills, ${killedMidTransaction} inside a transaction, ${epoch} batches stored`,
  );
}

describe("crash safety (SIGKILL during writes)", () => {
  it("leaves a consistent plain SQLite database after every kill", async () => {
    await killManyTimes("plain", 40, undefined);
  }, 90_000);

  it("leaves a consistent encrypted database after every kill", async () => {
    await killManyTimes("encrypted", 20, randomBytes(32));
  }, 90_000);
});
