// A private PostgreSQL server for tests: Debian's server binaries, a fresh data directory in a
// temp dir, listening on 127.0.0.1 on a free port, stopped and deleted by stop().
//
// PostgreSQL refuses to run as root, so when we are root the binaries run as the `postgres`
// user (runuser) and the temp dir is handed to that user.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const ENSURE_POSTGRES_SCRIPT = "tooling/scripts/ensure-postgres.sh";

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication, local only). */
  url: string;
  port: number;
  /** Stops the server and deletes its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** The server binaries are not installed. */
export class PostgresUnavailableError extends Error {
  readonly code = "testing.postgres_unavailable";
  constructor(detail: string) {
    super(
      `PostgreSQL server binaries not found (${detail}). Run ${ENSURE_POSTGRES_SCRIPT} ` +
        "(as root it installs Debian's postgresql package), then run the tests again",
    );
    this.name = "PostgresUnavailableError";
  }
}

/** The newest /usr/lib/postgresql/<version>/bin that has initdb, pg_ctl and postgres. */
export function findPostgresBin(root = "/usr/lib/postgresql"): string | undefined {
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, "bin");
    if (["initdb", "pg_ctl", "postgres"].every((b) => existsSync(path.join(bin, b)))) return bin;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    return { uid, gid };
  } catch (err) {
    throw new PostgresUnavailableError(`no "postgres" user to run the server as: ${String(err)}`);
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) throw new PostgresUnavailableError("no /usr/lib/postgresql/<version>/bin/initdb");
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(path.join(tmpdir(), "x-pg-"));
  const data = path.join(dir, "data");
  const log = path.join(dir, "server.log");
  const exec = (file: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", path.join(bin, file), ...args])
      : run(path.join(bin, file), args);

  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      await exec("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w"]).catch(() => {});
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    if (asRoot) {
      const { uid, gid } = await postgresUser();
      await chown(dir, uid, gid);
      await chmod(dir, 0o700);
    }
    await exec("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    // A free port can be taken by someone else before the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      // -k: the unix socket lives in our temp dir; -F: no fsync (test data is thrown away).
      const opts = `-h 127.0.0.1 -p ${port} -k ${dir} -F -c max_connections=50`;
      try {
        await exec("pg_ctl", ["start", "-D", data, "-l", log, "-o", opts, "-w", "-t", "30"]);
        started = true;
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop };
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await stop();
    if (err instanceof PostgresUnavailableError) throw err;
    throw new Error(`could not start a test PostgreSQL server: ${String(err)}`, { cause: err });
  }
}
