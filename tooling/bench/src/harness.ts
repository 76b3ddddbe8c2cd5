// One @x/node for the whole run, in a child process (node-process.ts), with a call counter, and
// `measure` to time one operation and count the network calls and request bytes it caused.
import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

export interface Counts {
  calls: number;
  bytes: number;
  byMethod: Record<string, number>;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

export class CountingNode {
  private waiting: ((c: Counts) => void)[] = [];
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    /** The same node's d14n listener (gateway + replication API). */
    readonly d14nUrl: string,
  ) {
    child.on("message", (m: { counts?: Counts }) => {
      if (m.counts !== undefined) this.waiting.shift()?.(m.counts);
    });
  }

  static async start(): Promise<CountingNode> {
    const child = fork(path.join(HERE, "node-process.js"), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const { url, d14nUrl } = await new Promise<{ url: string; d14nUrl: string }>(
      (resolve, reject) => {
        child.once("message", (m: { url?: string; d14nUrl?: string }) =>
          m.url === undefined || m.d14nUrl === undefined
            ? reject(new Error("node process: no url"))
            : resolve({ url: m.url, d14nUrl: m.d14nUrl }),
        );
        child.once("exit", (code) => reject(new Error(`node process exited (${code})`)));
      },
    );
    return new CountingNode(child, url, d14nUrl);
  }

  /** Counts since the last reset, and resets. Calls are counted when the node receives them. */
  take(): Promise<Counts> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send("take");
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.send("stop");
    await exited;
  }
}

export interface Measured<T> extends Counts {
  ms: number;
  value: T;
}

export async function measure<T>(node: CountingNode, fn: () => Promise<T>): Promise<Measured<T>> {
  await node.take();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  return { ms, value, ...(await node.take()) };
}
