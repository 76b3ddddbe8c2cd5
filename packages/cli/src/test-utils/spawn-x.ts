// Drives the built `x` (dist/bin.js) as a user would: separate processes, a temp home.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

/** The test's environment without the user's own x settings. */
function envFor(home: string): NodeJS.ProcessEnv {
  const { X_PROFILE: _p, X_HOME: _h, ...rest } = process.env;
  return { ...rest, X_HOME: home };
}

export interface XResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `x` with `args`; `env` adds variables to the test's environment. */
export function x(
  home: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<XResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...envFor(home), ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: unknown }).code as number) : 0;
        resolve({ code: typeof code === "number" ? code : -1, stdout, stderr });
      },
    );
  });
}

/** Runs `x ... --json` and parses stdout, failing with stderr when the command failed. */
export async function xJson<T = Record<string, unknown>>(
  home: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<T> {
  const r = await x(home, [...args, "--json"], env);
  if (r.code !== 0) throw new Error(`x ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A long-running `x` (node, stream): its JSON lines as they come, and a way to stop it. */
export class XProcess {
  readonly child: ChildProcess;
  readonly lines: unknown[] = [];
  stderr = "";
  private buffer = "";
  readonly exited: Promise<number | null>;

  constructor(home: string, args: readonly string[]) {
    this.child = spawn(process.execPath, [BIN, ...args, "--json"], {
      env: envFor(home),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      this.buffer += chunk;
      let at = this.buffer.indexOf("\n");
      while (at >= 0) {
        const line = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 1);
        if (line.trim() !== "") this.lines.push(JSON.parse(line));
        at = this.buffer.indexOf("\n");
      }
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Waits for a JSON line that `match` accepts. */
  async waitFor<T>(match: (line: T) => boolean, what: string, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = (this.lines as T[]).find(match);
      if (found !== undefined) return found;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${what} from x (exit ${this.child.exitCode}): ${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGINT (Ctrl-C), then the exit code. */
  async interrupt(): Promise<number | null> {
    this.child.kill("SIGINT");
    return this.exited;
  }
}
