import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkPackages, importsOf, LAYERS, packageOf, readWorkspace } from "./layers.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("layer map", () => {
  it("every published package in the repository is in the layer map", () => {
    const names = readWorkspace(root)
      .filter((p) => !p.tooling)
      .map((p) => p.name);
    expect(names.sort()).toEqual(Object.keys(LAYERS).sort());
  });

  it("the repository has no violations", () => {
    const violations = checkPackages(readWorkspace(root));
    expect(violations.map((v) => v.message)).toEqual([]);
  });

  it("catches @x/mls importing a transport and a driver", () => {
    const violations = checkPackages([
      {
        name: "@x/mls",
        dependencies: ["@x/api", "@x/api-grpc"],
        devDependencies: [],
        files: [
          {
            path: "packages/mls/src/client.ts",
            imports: ["@x/api", "@x/api-grpc", "better-sqlite3", "./local.js", "node:fs"],
            isTest: false,
          },
        ],
      },
    ]);
    expect(violations.map((v) => [v.reason, v.specifier])).toEqual([
      ["layer", "@x/api-grpc"], // declared in package.json but above its layer
      ["layer", "@x/api-grpc"], // imported
      ["undeclared", "better-sqlite3"],
    ]);
  });

  it('allows "#" imports only when package.json "imports" maps them', () => {
    const violations = checkPackages([
      {
        name: "@x/crypto",
        dependencies: [],
        devDependencies: [],
        subpathImports: ["#chacha", "#internal/*.js"],
        files: [
          {
            path: "packages/crypto/src/a.ts",
            imports: ["#chacha", "#internal/x.js", "#missing", "#internal/x.ts"],
            isTest: false,
          },
        ],
      },
    ]);
    expect(violations.map((v) => [v.reason, v.specifier])).toEqual([
      ["undeclared", "#missing"],
      ["undeclared", "#internal/x.ts"],
    ]);
  });

  it("holds a package that is missing from the layer map to no workspace package", () => {
    const violations = checkPackages([
      {
        name: "@x/newcomer",
        dependencies: ["@x/proto"],
        devDependencies: [],
        files: [{ path: "packages/newcomer/src/a.ts", imports: ["@x/proto"], isTest: false }],
      },
    ]);
    expect(violations.map((v) => v.reason)).toEqual(["layer", "layer"]);
  });

  it("catches a lower package importing a higher one, even when declared", () => {
    const violations = checkPackages([
      {
        name: "@x/proto",
        dependencies: ["@x/mls"],
        devDependencies: [],
        files: [{ path: "packages/proto/src/x.ts", imports: ["@x/mls/client"], isTest: false }],
      },
    ]);
    expect(violations.filter((v) => v.reason === "layer")).toHaveLength(2);
  });

  it("allows dev dependencies only in test files", () => {
    const pkg = {
      name: "@x/id",
      dependencies: ["@x/proto"],
      devDependencies: ["viem"],
      files: [
        { path: "packages/id/src/a.test.ts", imports: ["viem"], isTest: true },
        { path: "packages/id/src/a.ts", imports: ["viem"], isTest: false },
      ],
    };
    const violations = checkPackages([pkg]);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.file).toBe("packages/id/src/a.ts");
  });
});

describe("import scanning", () => {
  it("finds static, dynamic, re-export and type imports", () => {
    const src = `
      import a from "alpha";
      import type { B } from "@scope/beta/sub";
      export * from "./local.js";
      export { c } from "gamma";
      const d = await import("delta");
      import "node:fs";
    `;
    expect(importsOf(src).sort()).toEqual(
      ["./local.js", "@scope/beta/sub", "alpha", "delta", "gamma", "node:fs"].sort(),
    );
  });

  it("maps specifiers to package names", () => {
    expect(packageOf("@x/proto/gen")).toBe("@x/proto");
    expect(packageOf("viem/accounts")).toBe("viem");
    expect(packageOf("fs")).toBeUndefined();
    expect(packageOf("node:crypto")).toBeUndefined();
    expect(packageOf("./x.js")).toBeUndefined();
  });
});
