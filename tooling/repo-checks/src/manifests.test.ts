// What the published manifests promise a user: no patched dependency, exact pins only where the
// wire depends on them, one version of each @noble/* and @hpke/* package (ts-mls's exact peers),
// one SQLite driver, Node 20.19+, and the metadata a registry page shows. The release test
// (tooling/release) proves the same on an npm install; this catches it before packing.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

interface Manifest {
  name: string;
  version?: string;
  private?: boolean;
  license?: string;
  homepage?: string;
  repository?: { type?: string; url?: string; directory?: string };
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const published = readdirSync(path.join(root, "packages"))
  .map((dir) => ({
    dir: `packages/${dir}`,
    manifest: JSON.parse(
      readFileSync(path.join(root, "packages", dir, "package.json"), "utf8"),
    ) as Manifest,
  }))
  .filter((p) => p.manifest.private !== true);

const runtimeDeps = (m: Manifest) => ({ ...m.dependencies, ...m.peerDependencies });
const isExact = (range: string) => /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(range);

/**
 * Exact pins a user must accept: what changes bytes on the wire or must match ts-mls's peers, and
 * fzstd, which reads libxmtp's device-sync archives.
 */
const WIRE = /^(ts-mls|@noble\/.+|@hpke\/(core|chacha20poly1305)|fzstd)$/;

describe("published manifests", () => {
  it("carry license, repository (with their folder), homepage and engines >=20.19.0", () => {
    const urls = new Set<string | undefined>();
    for (const { dir, manifest } of published) {
      expect(manifest.license, manifest.name).toBe("MIT");
      expect(manifest.repository?.directory, manifest.name).toBe(dir);
      expect(manifest.repository?.url, manifest.name).toMatch(/^git\+https:\/\/.+\.git$/);
      expect(manifest.homepage, manifest.name).toMatch(new RegExp(`/${dir}#readme$`));
      expect(manifest.engines?.node, manifest.name).toBe(">=20.19.0");
      urls.add(manifest.repository?.url);
    }
    expect(urls.size).toBe(1);
  });

  it("pin exactly only what the wire depends on; the rest are ranges", () => {
    const pinned = published.flatMap(({ manifest }) =>
      Object.entries(runtimeDeps(manifest))
        .filter(([name, range]) => isExact(range) && !WIRE.test(name))
        .map(([name, range]) => `${manifest.name}: ${name}@${range}`),
    );
    expect(pinned).toEqual([]);
  });

  it("agree on one version of each @noble/* and @hpke/* package, ts-mls's peers included", () => {
    // ts-mls exports no ./package.json; read it where pnpm links it for @x/mls.
    const tsMls = JSON.parse(
      readFileSync(path.join(root, "packages/mls/node_modules/ts-mls/package.json"), "utf8"),
    ) as Manifest;
    const wanted = new Map<string, Set<string>>();
    const add = (name: string, range: string) =>
      wanted.set(name, (wanted.get(name) ?? new Set()).add(range));
    for (const { manifest } of published) {
      for (const [name, range] of Object.entries(runtimeDeps(manifest))) {
        if (/^@(noble|hpke)\//.test(name) && isExact(range)) add(name, range);
      }
    }
    for (const [name, range] of Object.entries(tsMls.peerDependencies ?? {})) {
      if (wanted.has(name)) add(name, range);
    }
    expect([...wanted].filter(([, v]) => v.size > 1).map(([n, v]) => `${n}: ${[...v]}`)).toEqual(
      [],
    );
  });

  it("use one SQLite driver, the SQLCipher-capable build, at a version that runs on Node 20", () => {
    for (const { manifest } of published) {
      const deps = { ...runtimeDeps(manifest), ...manifest.devDependencies };
      expect(deps["better-sqlite3"], manifest.name).toBeUndefined();
      const driver = deps["better-sqlite3-multiple-ciphers"];
      if (driver !== undefined) expect(driver, manifest.name).toMatch(/^(\^|~)?12\./);
    }
  });

  it("report their own version: a src/version.ts constant equals package.json's", () => {
    const found: string[] = [];
    for (const { dir, manifest } of published) {
      const file = path.join(root, dir, "src/version.ts");
      if (!existsSync(file)) continue;
      const constant = /export const \w+_VERSION = "([^"]+)";/.exec(readFileSync(file, "utf8"));
      expect(constant?.[1], `${dir}/src/version.ts`).toBe(manifest.version);
      found.push(manifest.name);
    }
    expect(found.sort()).toEqual(["@x/agent", "@x/cli", "@x/mls"]);
  });

  it("have no patched dependency anywhere in the workspace", () => {
    const workspace = readFileSync(path.join(root, "pnpm-workspace.yaml"), "utf8");
    const rootManifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    expect(workspace).not.toMatch(/patchedDependencies/);
    expect(rootManifest.pnpm?.patchedDependencies).toBeUndefined();
    expect(existsSync(path.join(root, "patches"))).toBe(false);
  });
});
