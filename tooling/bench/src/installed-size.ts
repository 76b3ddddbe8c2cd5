// Installed size of what a user adds to a project: our client, gRPC API and SQLite storage
// (packed from this workspace, dependencies from the npm registry) against @xmtp/node-sdk.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The packages a user installs, and the workspace packages they pull in. */
const OURS = ["mls", "api-grpc", "db", "api", "content-types", "crypto", "id", "proto"];

function du(dir: string): number {
  return Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
}

function npmInstall(dir: string, pkg: object): void {
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2));
  // --ignore-scripts: nothing may download or build at install time here (see the note on
  // the SQLite driver's native module below).
  execFileSync(
    "npm",
    ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", "--omit=dev"],
    { cwd: dir, stdio: ["ignore", "ignore", "inherit"] },
  );
}

export interface SizeResult {
  oursBytes: number;
  sdkBytes: number;
  oursPackages: number;
  sdkPackages: number;
  note: string;
}

function countPackages(nodeModules: string): number {
  let n = 0;
  for (const e of readdirSync(nodeModules)) {
    if (e.startsWith(".")) continue;
    if (e.startsWith("@")) n += readdirSync(path.join(nodeModules, e)).length;
    else n++;
  }
  return n;
}

export function installedSizes(tmp: string): SizeResult {
  const tarballs = path.join(tmp, "tarballs");
  const oursDir = path.join(tmp, "ours");
  const sdkDir = path.join(tmp, "sdk");
  for (const d of [tarballs, oursDir, sdkDir]) mkdirSync(d, { recursive: true });
  const files: Record<string, string> = {};
  for (const name of OURS) {
    const out = execFileSync("pnpm", ["pack", "--pack-destination", tarballs], {
      cwd: path.join(ROOT, "packages", name),
      encoding: "utf8",
    });
    const tgz = out.trim().split("\n").pop()!.trim();
    files[`@x/${name}`] =
      `file:${path.isAbsolute(tgz) ? tgz : path.join(tarballs, path.basename(tgz))}`;
  }
  npmInstall(oursDir, {
    name: "size-ours",
    private: true,
    dependencies: {
      "@x/mls": files["@x/mls"],
      "@x/api-grpc": files["@x/api-grpc"],
      "@x/db": files["@x/db"],
      "better-sqlite3-multiple-ciphers": "^12.11.1",
      viem: "^2.21.0",
    },
    overrides: files,
  });
  npmInstall(sdkDir, {
    name: "size-sdk",
    private: true,
    dependencies: { "@xmtp/node-sdk": "5.5.0" },
  });
  // The SQLite driver builds its native module at install time (skipped above); count the module
  // built in this workspace, which is what a prebuilt download would add.
  const require = createRequire(import.meta.url);
  const bs3 = path.dirname(require.resolve("better-sqlite3-multiple-ciphers/package.json"));
  const native = statSync(path.join(bs3, "build/Release/better_sqlite3.node")).size;
  return {
    oursBytes: du(path.join(oursDir, "node_modules")) + native,
    sdkBytes: du(path.join(sdkDir, "node_modules")),
    oursPackages: countPackages(path.join(oursDir, "node_modules")),
    sdkPackages: countPackages(path.join(sdkDir, "node_modules")),
    note: `npm install --ignore-scripts; ours + viem + better-sqlite3-multiple-ciphers's better_sqlite3.node (${(native / 1e6).toFixed(1)} MB) built here; du -sb of node_modules`,
  };
}
