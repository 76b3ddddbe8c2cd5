// What an application that bundles its code (as most deploy) loads: our client, gRPC API and
// SQLite storage bundled by rolldown into a few files, the native drivers left outside. Node 20
// has no compile cache, and unbundled our client is ~750 ES modules (kysely alone is ~260), so
// most of a plain import is the module loader, not our code; the bundled row shows that.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { rolldown } from "rolldown";

/** Bundles into `dir` (which must see tooling/bench's node_modules); returns the entry file. */
export async function bundleOurClient(dir: string): Promise<string> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, "entry.mjs");
  writeFileSync(
    entry,
    [
      'export { Client } from "@x/mls";',
      'export { createGrpcApiClient } from "@x/api-grpc";',
      'export { openSqlite } from "@x/db/sqlite";',
    ].join("\n"),
  );
  const build = await rolldown({
    input: entry,
    cwd: path.resolve(dir, ".."),
    platform: "node",
    external: [/^node:/, "better-sqlite3", "better-sqlite3-multiple-ciphers", "pg", /^viem(\/|$)/],
    logLevel: "silent",
  });
  const out = path.join(dir, "out");
  await build.write({ dir: out, format: "esm", entryFileNames: "[name].mjs" });
  await build.close();
  return path.join(out, "entry.mjs");
}
