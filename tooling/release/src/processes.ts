// Processes of the release project: the installed x-node, our installed client (app/ours.mjs)
// driven over JSON lines, and the README's example.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { cleanEnv } from "./project.js";

/** A child process whose stdout lines can be awaited; `stop()` kills it and waits. */
export class Child {
  readonly lines: string[] = [];
  private waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  stderr = "";
  private readonly exited: Promise<number | null>;

  constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        if (w.test(line)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
    proc.stderr!.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-20_000);
    });
    this.exited = new Promise((resolve) => proc.on("exit", (code) => resolve(code)));
  }

  /** The first stdout line (seen or to come) that passes `test`. */
  line(test: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no such line within ${timeoutMs} ms; stderr:\n${this.stderr}`)),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited (${code}) first; stderr:\n${this.stderr}`));
      });
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGTERM");
    await this.exited;
  }
}

export function run(project: string, file: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Child(
    spawn(process.execPath, [file, ...args], {
      cwd: project,
      env: { ...cleanEnv(), ...env },
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
}

/** The installed x-node (its bin from @x/node) on ephemeral ports: gRPC and d14n, no gRPC-web. */
export async function startInstalledNode(project: string, db: string) {
  const child = run(project, path.join(project, "node_modules/@x/node/dist/bin.js"), [
    "--db",
    db,
    "--port",
    "0",
    "--no-web",
  ]);
  const url = await child.line((l) => l.startsWith("http://"));
  const d14n = await child.line((l) => l.startsWith("d14n: http://"));
  const d14nUrl = /^d14n: (\S+)/.exec(d14n)![1]!;
  return { url, d14nUrl, child };
}

/** Our installed client in its own process, one JSON command at a time. */
export class OursProcess {
  private seq = 0;
  private constructor(private readonly child: Child) {}

  static async start(project: string, url: string, db: string): Promise<OursProcess> {
    const child = run(project, "ours.mjs", [url, db]);
    await child.line((l) => l.includes('"ready"'));
    return new OursProcess(child);
  }

  async call<T = unknown>(op: string, args: object = {}): Promise<T> {
    const seq = ++this.seq;
    this.child.proc.stdin!.write(`${JSON.stringify({ seq, op, args })}\n`);
    const line = await this.child.line((l) => l.startsWith(`{"seq":${seq},`));
    const answer = JSON.parse(line) as { ok: boolean; result?: T; error?: string };
    if (!answer.ok) throw new Error(`ours ${op} failed: ${answer.error}`);
    return answer.result as T;
  }

  stop(): Promise<void> {
    this.child.proc.stdin!.end();
    return this.child.stop();
  }
}
