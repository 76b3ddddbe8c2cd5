// Only the driver the application uses is loaded: "@x/db" loads no native module or pg, and
// "@x/db/sqlite" loads one native driver (the SQLCipher-capable build) for plain and encrypted
// files alike.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { transpileSources } from "./test-utils/transpile.js";

const run = promisify(execFile);
let build: ReturnType<typeof transpileSources>;
beforeAll(() => {
  build = transpileSources();
});
afterAll(() => build?.remove());

/** Runs `body` as an ES module in a fresh node; it prints the loaded driver modules. */
async function loadedAfter(body: string): Promise<string[]> {
  const script = `
    import { createRequire } from "node:module";
    const url = (f) => new URL(f, ${JSON.stringify(`file://${build.outDir}/`)}).href;
    ${body}
    const names = ["better-sqlite3-multiple-ciphers", "better-sqlite3", "pg"];
    const loaded = new Set();
    for (const k of Object.keys(createRequire(import.meta.url).cache)) {
      const m = k.match(/node_modules\\/(better-sqlite3-multiple-ciphers|better-sqlite3|pg)\\//);
      if (m) loaded.add(m[1]);
    }
    console.log(JSON.stringify([...loaded].sort()));
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    cwd: path.dirname(build.outDir),
  });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "[]");
}

it("the main entry and the sqlite entry load no driver until one is opened", async () => {
  expect(await loadedAfter(`await import(url("index.js"));`)).toEqual([]);
  expect(await loadedAfter(`await import(url("sqlite.js"));`)).toEqual([]);
}, 30_000);

it("opening with or without a key loads the one cipher-capable driver", async () => {
  expect(
    await loadedAfter(`
      const { openSqlite } = await import(url("sqlite.js"));
      await (await openSqlite({ path: ":memory:" })).close();`),
  ).toEqual(["better-sqlite3-multiple-ciphers"]);
  expect(
    await loadedAfter(`
      const { openSqlite } = await import(url("sqlite.js"));
      const { mkdtempSync, rmSync } = await import("node:fs");
      const dir = mkdtempSync("/tmp/x-db-entry-");
      await (await openSqlite({ path: dir + "/e.sqlite", encryptionKey: new Uint8Array(32) })).close();
      rmSync(dir, { recursive: true });`),
  ).toEqual(["better-sqlite3-multiple-ciphers"]);
  expect(await loadedAfter(`await import(url("postgres.js"));`)).toEqual(["pg"]);
}, 30_000);
