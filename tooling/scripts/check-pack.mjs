#!/usr/bin/env node
// Checks the packed tarball of the package in the current directory:
// publint (package.json exports, files, types) and arethetypeswrong (type resolution).
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });

try {
  run(bin("publint"), ["--strict", "--pack", "pnpm"]);
  run(bin("attw"), ["--pack", ".", "--profile", "esm-only", "--format", "table-flipped"]);
} catch {
  console.error(`packaging check failed for ${process.cwd()}`);
  process.exit(1);
}
