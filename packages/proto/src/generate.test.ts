// The committed src/gen is exactly what `buf generate` makes from proto/
// today, so the generated code cannot drift from the schema. Runs offline:
// buf and protoc-gen-es come from node_modules and the module has no deps.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const buf = join(packageDir, "node_modules", ".bin", "buf");

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe("buf generate", () => {
  const outDir = mkdtempSync(join(tmpdir(), "x-proto-gen-"));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("reproduces src/gen byte for byte", () => {
    // --output prefixes the template's `out: src/gen`, so nothing in the
    // package is touched.
    execFileSync(buf, ["generate", "--output", outDir], { cwd: packageDir, stdio: "pipe" });
    const fresh = join(outDir, "src", "gen");
    const committed = join(packageDir, "src", "gen");

    const files = listFiles(committed);
    expect(files.length).toBeGreaterThan(40);
    expect(listFiles(fresh)).toEqual(files);
    for (const file of files) {
      const want = readFileSync(join(committed, file), "utf8");
      const got = readFileSync(join(fresh, file), "utf8");
      expect(got, file).toBe(want);
    }
  }, 120_000);
});
