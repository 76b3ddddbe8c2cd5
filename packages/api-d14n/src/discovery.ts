// Choosing the node to read from (reference/d14n.md §2): GetNodes on the gateway, keep the
// nodes whose scheme matches the gateway's, health-check them all and take the fastest answer.
// The choice is kept until reads through it keep failing with lost connections; then the next
// read discovers again (libxmtp 1.9.1 never does).
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { type ApiError, toApiError } from "@x/api";
import { Health } from "@x/proto/grpc/health/v1";
import type { PayerApi } from "@x/proto/xmtpv4/payer_api";
import { noHealthyNode, noNodes, schemeMismatch } from "./errors.js";

/** libxmtp's MULTI_NODE_TIMEOUT_MS. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 30_000;
/** Consecutive lost connections to the chosen node before the next read discovers again. */
export const DEFAULT_REDISCOVER_AFTER = 3;

export interface ChosenNode {
  id: number | undefined;
  url: string;
  transport: Transport;
}

export interface NodeChooserOptions {
  gatewayUrl: string;
  gateway: Client<typeof PayerApi>;
  /** Builds the transport to one node. */
  transport: (url: string) => Transport;
  /** A fixed node: no GetNodes, no health check, no re-discovery. */
  nodeUrl?: string;
  healthTimeoutMs?: number;
  rediscoverAfter?: number;
  /** Deadline of the GetNodes call (0 = none). */
  timeoutMs?: number;
  /** Called with each node chosen (after discovery or re-discovery). */
  onChosen?: (node: { id: number | undefined; url: string; latencyMs: number }) => void;
}

const schemeOf = (url: string): string | undefined => {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
};

export class NodeChooser {
  private chosen: Promise<ChosenNode> | undefined;
  private failures = 0;
  private readonly transports = new Map<string, Transport>();

  constructor(private readonly o: NodeChooserOptions) {}

  private transportFor(url: string): Transport {
    let t = this.transports.get(url);
    if (!t) {
      t = this.o.transport(url);
      this.transports.set(url, t);
    }
    return t;
  }

  /** The node to read from, discovering it on first use (concurrent callers share one discovery). */
  node(signal?: AbortSignal): Promise<ChosenNode> {
    if (this.o.nodeUrl !== undefined) {
      const url = this.o.nodeUrl.replace(/\/$/, "");
      this.chosen ??= Promise.resolve({ id: undefined, url, transport: this.transportFor(url) });
      return this.chosen;
    }
    if (!this.chosen) {
      // Shared by every caller, so no caller's signal ends it.
      const attempt = this.discover();
      this.chosen = attempt;
      // A failed discovery is not kept: the next read tries again.
      attempt.catch(() => {
        if (this.chosen === attempt) this.chosen = undefined;
      });
    }
    return signal ? untilAborted(this.chosen, signal) : this.chosen;
  }

  /** Reports how a call to the chosen node ended. */
  report(error: ApiError | undefined): void {
    if (error === undefined || error.code !== "api.connection_lost") {
      if (error === undefined) this.failures = 0;
      return;
    }
    this.failures++;
    if (
      this.o.nodeUrl === undefined &&
      this.failures >= (this.o.rediscoverAfter ?? DEFAULT_REDISCOVER_AFTER)
    ) {
      this.failures = 0;
      this.chosen = undefined;
    }
  }

  private async discover(): Promise<ChosenNode> {
    const rpc = "xmtp.xmtpv4.payer_api.PayerApi/GetNodes";
    let nodes: { [id: number]: string };
    try {
      nodes = (await this.o.gateway.getNodes({}, { timeoutMs: this.o.timeoutMs || undefined }))
        .nodes;
    } catch (e) {
      throw toApiError(e, rpc, false);
    }
    const all = Object.entries(nodes).map(([id, url]) => ({ id: Number(id), url }));
    if (all.length === 0) throw noNodes(this.o.gatewayUrl);
    const want = schemeOf(this.o.gatewayUrl);
    const usable = all.filter((n) => schemeOf(n.url) === want);
    if (usable.length === 0) {
      throw schemeMismatch(
        this.o.gatewayUrl,
        all.map((n) => n.url),
      );
    }
    const timeoutMs = this.o.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    const race = new AbortController();
    const started = performance.now();
    try {
      const winner = await Promise.any(
        usable.map(async (n) => {
          const url = n.url.replace(/\/$/, "");
          const transport = this.transportFor(url);
          // Any decodable answer counts; the serving status is not inspected (as libxmtp).
          await createClient(Health, transport).check(
            { service: "" },
            { signal: race.signal, timeoutMs },
          );
          return { id: n.id, url, transport, latencyMs: performance.now() - started };
        }),
      ).catch((e: unknown) => {
        throw noHealthyNode(
          usable.map((n) => n.url),
          timeoutMs,
          e instanceof AggregateError ? e.errors[0] : e,
        );
      });
      this.o.onChosen?.({ id: winner.id, url: winner.url, latencyMs: winner.latencyMs });
      this.failures = 0;
      return { id: winner.id, url: winner.url, transport: winner.transport };
    } finally {
      race.abort();
    }
  }
}

/** `p`, or a cancellation as soon as `signal` aborts (`p` itself runs on). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(toApiError(signal.reason, "node discovery", true));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(toApiError(signal.reason, "node discovery", true));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
