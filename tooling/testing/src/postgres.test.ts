import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { findPostgresBin, PostgresUnavailableError, startPostgres } from "./index.js";

const run = promisify(execFile);

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

describe("findPostgresBin", () => {
  it("picks the newest version that has the server binaries", () => {
    const root = mkdtempSync(path.join(tmpdir(), "x-pgbin-"));
    try {
      for (const v of ["13", "15", "16"]) {
        mkdirSync(path.join(root, v, "bin"), { recursive: true });
      }
      // 16 is incomplete (no postgres binary), so 15 wins.
      for (const v of ["13", "15"]) {
        for (const b of ["initdb", "pg_ctl", "postgres"]) {
          writeFileSync(path.join(root, v, "bin", b), "");
        }
      }
      writeFileSync(path.join(root, "16", "bin", "initdb"), "");
      expect(findPostgresBin(root)).toBe(path.join(root, "15", "bin"));
      expect(findPostgresBin(path.join(root, "missing"))).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("names the install script when the binaries are missing", () => {
    const err = new PostgresUnavailableError("nothing there");
    expect(err.message).toContain("tooling/scripts/ensure-postgres.sh");
    expect(err.code).toBe("testing.postgres_unavailable");
  });
});

describe("startPostgres", () => {
  it("starts a server on 127.0.0.1 that answers queries, and stop() removes it", async () => {
    const bin = findPostgresBin();
    if (!bin) throw new PostgresUnavailableError("run the install script");
    const pg = await startPostgres();
    try {
      expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/postgres`);
      expect(await canConnect(pg.port)).toBe(true);
      const { stdout } = await run(path.join(bin, "psql"), [pg.url, "-At", "-c", "select 40 + 2"]);
      expect(stdout.trim()).toBe("42");
    } finally {
      await pg.stop();
    }
    expect(await canConnect(pg.port)).toBe(false);
    await pg.stop(); // twice is fine
  }, 60_000);
});
