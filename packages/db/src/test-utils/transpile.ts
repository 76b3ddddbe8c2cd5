// Compiles this package's sources to plain JavaScript in a temp dir under node_modules, so a
// test can run them in a child `node` process (which cannot load .ts) without a prior build.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkgDir = path.dirname(srcDir);

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (entry.endsWith(".ts") && !entry.endsWith(".test.ts") && !entry.endsWith(".d.ts")) {
      out.push(full);
    }
  }
  return out;
}

/** Returns the output dir (mirrors src/) and a function that deletes it. */
export function transpileSources(): { outDir: string; remove: () => void } {
  // Under node_modules so that bare imports (kysely, better-sqlite3) resolve from this package.
  const outDir = path.join(
    pkgDir,
    "node_modules",
    ".cache",
    `x-db-js-${process.pid}-${Date.now()}`,
  );
  for (const file of walk(srcDir)) {
    const out = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
      fileName: file,
    });
    const target = path.join(outDir, path.relative(srcDir, file)).replace(/\.ts$/, ".js");
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  return { outDir, remove: () => rmSync(outDir, { recursive: true, force: true }) };
}
