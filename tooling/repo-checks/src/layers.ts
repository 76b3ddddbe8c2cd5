// The package layer map from DESIGN.md, and a checker that holds every package to it.
//
// Two rules:
// 1. every bare import in a package's sources names a dependency the package declares
//    (dependencies or peerDependencies; devDependencies count only in test files);
// 2. a workspace dependency must be one the layer map allows for that package (a lower layer).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import ts from "typescript";

/** Which workspace packages each published package may depend on. */
export const LAYERS: Record<string, readonly string[]> = {
  "@x/proto": [],
  "@x/crypto": ["@x/proto"],
  "@x/id": ["@x/proto", "@x/crypto"],
  "@x/db": ["@x/proto"],
  "@x/api": ["@x/proto"],
  "@x/api-grpc": ["@x/api", "@x/proto"],
  "@x/api-d14n": ["@x/api", "@x/proto", "@x/crypto"],
  "@x/content-types": ["@x/proto"],
  "@x/mls": ["@x/api", "@x/db", "@x/id", "@x/content-types", "@x/crypto", "@x/proto"],
  "@x/node": ["@x/proto", "@x/crypto", "@x/id"],
  "@x/sdk": [
    "@x/mls",
    "@x/api",
    "@x/api-grpc",
    "@x/api-d14n",
    "@x/db",
    "@x/id",
    "@x/content-types",
    "@x/crypto",
    "@x/proto",
  ],
  "@x/agent": ["@x/sdk"],
  "@x/cli": [
    "@x/mls",
    "@x/api",
    "@x/api-grpc",
    "@x/api-d14n",
    "@x/db",
    "@x/id",
    "@x/content-types",
    "@x/crypto",
    "@x/proto",
    "@x/node",
  ],
};

const WORKSPACE_PREFIX = "@x/";

export interface SourceFile {
  path: string;
  imports: string[];
  isTest: boolean;
}

export interface PackageInfo {
  name: string;
  /** Packages under tooling/ (tests, benchmarks, interop, demo) sit above every layer. */
  tooling?: boolean;
  dependencies: string[];
  devDependencies: string[];
  /** Keys of package.json "imports" ("#name" specifiers the package maps for itself). */
  subpathImports?: string[];
  files: SourceFile[];
}

export interface Violation {
  package: string;
  file: string;
  specifier: string;
  reason: "undeclared" | "layer";
  message: string;
}

const BUILTINS = new Set(builtinModules);

/** The package name a bare specifier refers to, or undefined for relative and builtin imports. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
  if (specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
  if (BUILTINS.has(name)) return undefined;
  return name;
}

/** Whether package.json "imports" keys (exact, or with one "*") cover a "#" specifier. */
function declaresSubpathImport(keys: readonly string[], specifier: string): boolean {
  return keys.some((key) => {
    const star = key.indexOf("*");
    if (star < 0) return key === specifier;
    return specifier.startsWith(key.slice(0, star)) && specifier.endsWith(key.slice(star + 1));
  });
}

export function checkPackages(packages: PackageInfo[], layers = LAYERS): Violation[] {
  const violations: Violation[] = [];
  for (const pkg of packages) {
    const allowedWorkspace = layers[pkg.name];
    const isTooling = pkg.tooling === true;
    for (const dep of pkg.dependencies) {
      if (!isTooling && dep.startsWith(WORKSPACE_PREFIX) && !allowedWorkspace?.includes(dep)) {
        violations.push({
          package: pkg.name,
          file: "package.json",
          specifier: dep,
          reason: "layer",
          message: `${pkg.name} declares ${dep}, which is not below it in the layer map`,
        });
      }
    }
    for (const file of pkg.files) {
      for (const specifier of file.imports) {
        if (specifier.startsWith("#")) {
          if (!declaresSubpathImport(pkg.subpathImports ?? [], specifier)) {
            violations.push({
              package: pkg.name,
              file: file.path,
              specifier,
              reason: "undeclared",
              message: `${file.path} imports ${specifier}, but ${pkg.name} has no "imports" entry for it in package.json`,
            });
          }
          continue;
        }
        const name = packageOf(specifier);
        if (name === undefined || name === pkg.name) continue;
        const declared =
          pkg.dependencies.includes(name) || (file.isTest && pkg.devDependencies.includes(name));
        if (!declared) {
          violations.push({
            package: pkg.name,
            file: file.path,
            specifier,
            reason: "undeclared",
            message: `${file.path} imports ${specifier}, but ${pkg.name} does not declare ${name}`,
          });
        }
        if (!isTooling && name.startsWith(WORKSPACE_PREFIX) && layers[name] !== undefined) {
          if (!allowedWorkspace?.includes(name)) {
            violations.push({
              package: pkg.name,
              file: file.path,
              specifier,
              reason: "layer",
              message: `${file.path} imports ${name}, which is not below ${pkg.name} in the layer map`,
            });
          }
        }
      }
    }
  }
  return violations;
}

export function importsOf(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist" || entry.startsWith(".")) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.(ts|mts|tsx|js|mjs)$/.test(entry) && !entry.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

const isTestFile = (file: string) =>
  /\.(test|bench)\.[mc]?[tj]s$/.test(file) || /[/\\](test-utils|bench|test)[/\\]/.test(file);

/** Reads every workspace package under `packages/` and `tooling/` of the repository at `root`. */
export function readWorkspace(root: string): PackageInfo[] {
  const result: PackageInfo[] = [];
  for (const group of ["packages", "tooling"]) {
    for (const name of readdirSync(path.join(root, group))) {
      const dir = path.join(root, group, name);
      let pkg: {
        name: string;
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
        optionalDependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
        imports?: Record<string, unknown>;
      };
      try {
        pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
      } catch {
        continue;
      }
      const srcDirs = ["src", "bin", "bench"].map((d) => path.join(dir, d));
      const files = srcDirs
        .filter((d) => {
          try {
            return statSync(d).isDirectory();
          } catch {
            return false;
          }
        })
        .flatMap((d) => walk(d))
        .map((f) => ({
          path: path.relative(root, f),
          imports: importsOf(readFileSync(f, "utf8")),
          isTest: isTestFile(path.relative(dir, f)),
        }));
      result.push({
        name: pkg.name,
        tooling: group === "tooling",
        dependencies: Object.keys({
          ...pkg.dependencies,
          ...pkg.peerDependencies,
          ...pkg.optionalDependencies,
        }),
        devDependencies: Object.keys(pkg.devDependencies ?? {}),
        subpathImports: Object.keys(pkg.imports ?? {}),
        files,
      });
    }
  }
  return result;
}
