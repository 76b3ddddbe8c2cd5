// Durable tasks across kill -9 (our built @x/mls, a real process, a real SQLite file): a task that
// fell due while the process was dead runs after the restart, once; and under repeated kills of
// the running worker, every task runs, and at most the one a kill interrupted runs again.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { TempDir } from "./test-utils/libxmtp.js";

const script = fileURLToPath(new URL("./test-utils/task-child.mjs", import.meta.url));

/** Runs the child until it prints a line matching `until` (then kills it with SIGKILL). */
function runUntil(args: string[], until: (line: string, lines: string[]) => boolean, ms = 30_000) {
  return new Promise<string[]>((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let stderr = "";
    let buffer = "";
    let done = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the child did not print what was awaited in ${ms} ms: ${stderr}`));
    }, ms);
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        if (!done && until(line, lines)) {
          done = true;
          child.kill("SIGKILL");
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("exit", (_code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL" && done) resolve(lines);
      else reject(new Error(`the child exited on its own (${signal ?? _code}): ${stderr}`));
    });
  });
}

const logOf = (path: string) =>
  existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).map(Number) : [];

describe("durable tasks across kill -9", () => {
  const dir = new TempDir();
  afterAll(() => dir.remove());

  it("a task that fell due while the process was dead runs after the restart, once", async () => {
    const db = dir.file("due.sqlite");
    const log = dir.file("due.log");
    await runUntil([db, log, "queue", "1", "300"], (l) => l === "queued");
    await new Promise((r) => setTimeout(r, 500)); // due now, nobody running
    expect(logOf(log)).toEqual([]);
    await runUntil([db, log, "run", "0"], (l, lines) => l === "idle" && lines.includes("ran 0"));
    expect(logOf(log)).toEqual([0]);
    // Killed again and restarted: it does not run a second time.
    await runUntil([db, log, "run", "0"], (l) => l === "idle");
    expect(logOf(log)).toEqual([0]);
  });

  it("under repeated kills of the running worker, every task runs; only an interrupted one repeats", async () => {
    const db = dir.file("kills.sqlite");
    const log = dir.file("kills.log");
    const count = 8;
    await runUntil([db, log, "queue", String(count), "0"], (l) => l === "queued");
    let kills = 0;
    for (let round = 0; round < 20 && new Set(logOf(log)).size < count; round++) {
      // Killed at once after its first or second task, mid-way through the next one's handler.
      const after = 1 + (round % 2);
      await runUntil([db, log, "run", "30"], (_l, lines) => {
        return lines.filter((x) => x.startsWith("ran ")).length >= after;
      });
      kills++;
    }
    await runUntil([db, log, "run", "0"], (l) => l === "idle");
    const ran = logOf(log);
    expect(new Set(ran).size).toBe(count);
    const repeats = ran.length - count;
    // A kill can land between a handler's effect and the row's deletion: that task runs again
    // (handlers are idempotent). Never more than one per kill.
    expect(repeats).toBeLessThanOrEqual(kills);
    expect(kills).toBeGreaterThanOrEqual(3);
    // The database is sound after all that.
    const integrity = execFileSync(process.execPath, [
      "-e",
      `import("@x/db/sqlite").then(async ({ openSqlite, integrityCheck }) => { const d = await openSqlite({ path: ${JSON.stringify(db)} }); console.log(JSON.stringify(await integrityCheck(d))); })`,
    ]).toString();
    expect(JSON.parse(integrity)).toEqual([]);
  });
});
