// Bundles a page's entry as an application would, with esbuild and no configuration beyond
// "bundle for the browser": no plugins, no loaders, no aliases, no copied assets. A package that
// needs any of those to work in a page fails here. Also reports the minified, gzipped size.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export interface BundleResult {
  /** The output folder: entry.js and its chunks. */
  outdir: string;
  /** Bytes of all .js outputs, minified. */
  bytes: number;
  /** Bytes of all .js outputs, minified then gzipped (level 9), file by file. */
  gzipBytes: number;
  /** Minified gzipped bytes of the entry file alone (what a page loads first). */
  entryGzipBytes: number;
}

export async function bundleForBrowser(entry: string, outdir: string): Promise<BundleResult> {
  await build({
    entryPoints: { entry },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    minify: true,
    logLevel: "warning",
  });
  let bytes = 0;
  let gzipBytes = 0;
  let entryGzipBytes = 0;
  for (const name of await readdir(outdir)) {
    if (!name.endsWith(".js")) continue;
    const file = path.join(outdir, name);
    if (!(await stat(file)).isFile()) continue;
    const body = await readFile(file);
    const gz = gzipSync(body, { level: 9 }).length;
    bytes += body.length;
    gzipBytes += gz;
    if (name === "entry.js") entryGzipBytes = gz;
  }
  return { outdir, bytes, gzipBytes, entryGzipBytes };
}
