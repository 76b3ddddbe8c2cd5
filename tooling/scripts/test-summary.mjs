#!/usr/bin/env node
// Adds up the vitest JSON reports every package wrote (.test-results/vitest.json) and prints
// one closing line. Fails when a report is missing for a package that has tests, when any test
// failed, or when no test ran at all.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const group of ["packages", "tooling"]) {
  for (const name of readdirSync(path.join(root, group))) {
    const dir = path.join(root, group, name);
    const pkgFile = path.join(dir, "package.json");
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
    if (!pkg.scripts?.test) continue;
    const report = path.join(dir, ".test-results", "vitest.json");
    if (!existsSync(report)) {
      missing.push(pkg.name);
      continue;
    }
    const r = JSON.parse(readFileSync(report, "utf8"));
    const skippedHere = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(
      `${pkg.name.padEnd(24)} ${String(r.numPassedTests).padStart(5)} passed ${String(r.numFailedTests).padStart(3)} failed${skippedHere ? ` ${skippedHere} skipped` : ""}`,
    );
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += skippedHere;
  }
}
if (missing.length) console.log(`no test report from: ${missing.join(", ")}`);
console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 || missing.length > 0 ? 1 : 0);
