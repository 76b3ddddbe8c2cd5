// One @x/node for the whole run, with a call counter, and `measure` to time one operation and
// count the network calls and request bytes it caused at the node.
import { performance } from "node:perf_hooks";
import { type RunningNode, startNode } from "@x/node";

export interface Counts {
  calls: number;
  bytes: number;
  byMethod: Record<string, number>;
}

export class CountingNode {
  private counts: Counts = { calls: 0, bytes: 0, byMethod: {} };
  private constructor(readonly node: RunningNode) {}

  static async start(): Promise<CountingNode> {
    let self: CountingNode | undefined;
    const node = await startNode({
      port: 0,
      webPort: null,
      db: ":memory:",
      onCall: (method, bytes) => self?.record(method, bytes),
    });
    self = new CountingNode(node);
    return self;
  }

  get url(): string {
    return this.node.url;
  }

  private record(method: string, bytes: number): void {
    this.counts.calls++;
    this.counts.bytes += bytes;
    this.counts.byMethod[method] = (this.counts.byMethod[method] ?? 0) + 1;
  }

  /** Counts since the last reset, and resets. */
  take(): Counts {
    const c = this.counts;
    this.counts = { calls: 0, bytes: 0, byMethod: {} };
    return c;
  }
}

export interface Measured<T> extends Counts {
  ms: number;
  value: T;
}

export async function measure<T>(node: CountingNode, fn: () => Promise<T>): Promise<Measured<T>> {
  node.take();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  return { ms, value, ...node.take() };
}
