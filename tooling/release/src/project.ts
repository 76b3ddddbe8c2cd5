// A user's project, made the way a user makes one: every publishable package of the workspace
// packed with `pnpm pack` (which turns workspace ranges into versions), then installed with npm
// from the tarballs into a directory outside the workspace, with the npm registry for the rest.
// No workspace links, no patches, no overrides, no hoisting settings.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** What the app installs besides our packages: the SQLite driver @x/db names as its peer, and
 * viem at the lowest version @x/id's peer range admits (so the floor is what we test). */
export const APP_DEPENDENCIES = {
  "better-sqlite3-multiple-ciphers": "^12.11.1",
  viem: "2.21.0",
};
/** Only for type-checking the consumer file. */
export const APP_DEV_DEPENDENCIES = { "@types/node": "^20.19.0" };

export interface PublishablePackage {
  name: string;
  dir: string;
}

export function publishablePackages(): PublishablePackage[] {
  const packages = path.join(ROOT, "packages");
  return readdirSync(packages)
    .flatMap((name) => {
      const dir = path.join(packages, name);
      const file = path.join(dir, "package.json");
      if (!existsSync(file)) return [];
      const manifest = JSON.parse(readFileSync(file, "utf8")) as {
        name: string;
        private?: boolean;
      };
      return manifest.private === true ? [] : [{ name: manifest.name, dir }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** npm must not inherit pnpm's or turbo's npm_config_* settings from the test run. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|PNPM_|TURBO_|INIT_CWD$|NODE_PATH$)/i.test(k)) env[k] = v;
  }
  return env;
}

export interface ReleaseProject {
  /** The directory holding the tarballs and the app; `removeReleaseProject` deletes it. */
  base: string;
  dir: string;
  /** package name → tarball path */
  tarballs: Record<string, string>;
  /** Everything npm printed (stdout and stderr) while installing. */
  installLog: string;
}

/** Packs every publishable package and installs the tarballs into a new project. */
export function makeReleaseProject(): ReleaseProject {
  const base = mkdtempSync(path.join(tmpdir(), "x-release-"));
  const tarballDir = path.join(base, "tarballs");
  const dir = path.join(base, "app");
  mkdirSync(tarballDir);
  mkdirSync(dir);
  const tarballs: Record<string, string> = {};
  for (const pkg of publishablePackages()) {
    const out = execFileSync("pnpm", ["pack", "--pack-destination", tarballDir], {
      cwd: pkg.dir,
      encoding: "utf8",
    });
    const file = out.trim().split("\n").pop()?.trim() ?? "";
    tarballs[pkg.name] = path.isAbsolute(file) ? file : path.join(tarballDir, path.basename(file));
  }
  writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify(
      {
        name: "x-release-app",
        private: true,
        type: "module",
        dependencies: {
          ...Object.fromEntries(Object.entries(tarballs).map(([n, f]) => [n, `file:${f}`])),
          ...APP_DEPENDENCIES,
        },
        devDependencies: APP_DEV_DEPENDENCIES,
      },
      null,
      2,
    )}\n`,
  );
  const projectFiles = path.join(ROOT, "tooling/release/app");
  for (const f of readdirSync(projectFiles))
    copyFileSync(path.join(projectFiles, f), path.join(dir, f));
  let installLog: string;
  try {
    installLog = execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=warn"], {
      cwd: dir,
      env: cleanEnv(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`npm install failed in ${dir}:\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  }
  return { base, dir, tarballs, installLog };
}

export function removeReleaseProject(project: ReleaseProject): void {
  rmSync(project.base, { recursive: true, force: true });
}

export interface InstalledPackage {
  name: string;
  version: string;
  /** Where it is installed, relative to the project. */
  location: string;
  engines?: { node?: string };
  dependencies: Record<string, string>;
  /** Installed only as the app's dev dependency (not something our packages pull in). */
  dev: boolean;
}

/** Every package npm installed, from its lockfile (npm records each one's engines there). */
export function installedPackages(project: string): InstalledPackage[] {
  const lock = JSON.parse(readFileSync(path.join(project, "package-lock.json"), "utf8")) as {
    packages: Record<
      string,
      {
        version?: string;
        engines?: { node?: string } | string[];
        dependencies?: Record<string, string>;
        dev?: boolean;
        link?: boolean;
      }
    >;
  };
  const out: InstalledPackage[] = [];
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (location === "" || entry.link === true) continue;
    const name = location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length);
    const manifest = JSON.parse(
      readFileSync(path.join(project, location, "package.json"), "utf8"),
    ) as { engines?: { node?: string } };
    out.push({
      name,
      version: entry.version ?? "",
      location,
      engines: manifest.engines,
      dependencies: entry.dependencies ?? {},
      dev: entry.dev === true,
    });
  }
  return out;
}
