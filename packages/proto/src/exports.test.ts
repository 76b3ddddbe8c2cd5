// Every generated file is reachable through exactly one subpath export, each
// subpath is one proto package, and no export is lost to a name clash.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GenFile } from "@bufbuild/protobuf/codegenv2";
import { describe, expect, it } from "vitest";
import * as root from "./index.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
const subpaths = Object.keys(pkg.exports).filter((k) => k !== "." && k !== "./package.json");
const genDir = join(packageDir, "src", "gen");
const generated = readdirSync(genDir, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith("_pb.ts"))
  .map((f) => f.replace(/\.ts$/, ".js"))
  .sort();

// Imports a module of this package by path at run time (vitest transforms .ts).
const load = (path: string): Promise<Record<string, unknown>> =>
  import(/* @vite-ignore */ new URL(path, import.meta.url).href);

const indexSource = (subpath: string) =>
  readFileSync(join(packageDir, "src", subpath.slice(2), "index.ts"), "utf8");
const reExports = (subpath: string) =>
  [...indexSource(subpath).matchAll(/export \* from "(?:\.\.\/)+gen\/(.+)";/g)].map((m) => m[1]!);

describe("package exports", () => {
  it("map each subpath to its built index module and types", () => {
    expect(subpaths.length).toBe(21);
    for (const subpath of subpaths) {
      const dir = subpath.slice(2);
      expect(pkg.exports[subpath]).toEqual({
        types: `./dist/${dir}/index.d.ts`,
        default: `./dist/${dir}/index.js`,
      });
      expect(existsSync(join(packageDir, "src", dir, "index.ts")), subpath).toBe(true);
    }
    expect(pkg.files).toContain("dist");
    expect(pkg.files).toContain("proto");
  });

  it("re-export every generated file exactly once", () => {
    const used = subpaths.flatMap(reExports).sort();
    expect(used).toEqual(generated);
  });

  it.each(subpaths)("%s is one proto package and loses no export", async (subpath) => {
    const dir = subpath.slice(2);
    const index = await load(`./${dir}/index.ts`);
    const modules = await Promise.all(
      reExports(subpath).map((f) => load(`./gen/${f.replace(/\.js$/, ".ts")}`)),
    );
    const names = modules.flatMap((m) => Object.keys(m));
    // A name exported by two modules would be silently dropped by `export *`.
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(index).sort()).toEqual([...names].sort());

    const packages = new Set(
      modules.flatMap((m) =>
        Object.entries(m)
          .filter(([name]) => name.startsWith("file_"))
          .map(([, file]) => (file as GenFile).proto.package),
      ),
    );
    expect(packages.size).toBe(1);
    // The subpath mirrors the package name: xmtp.mls.api.v1 -> mls/api/v1.
    const [pkgName] = [...packages];
    expect(pkgName?.replace(/^xmtp\./, "").replaceAll(".", "/")).toBe(dir);
  });

  it("the root exposes the protobuf-es helpers and the common namespaces", () => {
    expect(typeof root.create).toBe("function");
    expect(typeof root.toBinary).toBe("function");
    expect(typeof root.fromBinary).toBe("function");
    expect(typeof root.decodeMessage).toBe("function");
    expect(root.mlsApi.MlsApi.typeName).toBe("xmtp.mls.api.v1.MlsApi");
    expect(root.identityApi.IdentityApi.typeName).toBe("xmtp.identity.api.v1.IdentityApi");
    expect(root.associations.IdentityUpdateSchema.typeName).toBe(
      "xmtp.identity.associations.IdentityUpdate",
    );
    expect(root.identity.MlsCredentialSchema.typeName).toBe("xmtp.identity.MlsCredential");
    expect(root.mlsContents.EncodedContentSchema.typeName).toBe(
      "xmtp.mls.message_contents.EncodedContent",
    );
    const bytes = root.toBinary(
      root.identity.MlsCredentialSchema,
      root.create(root.identity.MlsCredentialSchema, { inboxId: "ab" }),
    );
    expect([...bytes]).toEqual([0x0a, 0x02, 0x61, 0x62]);
  });
});
