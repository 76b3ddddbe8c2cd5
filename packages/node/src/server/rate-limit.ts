// Optional per-client rate limiting with token buckets, after xmtp-node-go (pkg/ratelimiter):
// one bucket per client address and kind. Publishing RPCs draw from a smaller bucket; an empty
// bucket answers ResourceExhausted.
import { Code, ConnectError } from "@connectrpc/connect";

export type LimitKind = "default" | "publish";

export interface RateLimitOptions {
  /** Tokens added per minute and bucket size for ordinary calls (node-go: 4000 / 20000). */
  defaultPerMinute?: number;
  defaultBurst?: number;
  /** The same for publishing calls (node-go: 600 / 3000). */
  publishPerMinute?: number;
  publishBurst?: number;
  /** Milliseconds since the epoch (replaceable in tests). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

const IDLE_EXPIRY_MS = 60 * 60 * 1000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly limits: Record<LimitKind, { perMs: number; burst: number }>;
  private readonly now: () => number;
  private lastSweepMs = 0;

  constructor(options: RateLimitOptions = {}) {
    this.limits = {
      default: {
        perMs: (options.defaultPerMinute ?? 4000) / 60_000,
        burst: options.defaultBurst ?? 20_000,
      },
      publish: {
        perMs: (options.publishPerMinute ?? 600) / 60_000,
        burst: options.publishBurst ?? 3_000,
      },
    };
    this.now = options.now ?? Date.now;
  }

  /** Takes `cost` tokens for `client`, or throws ResourceExhausted. */
  take(client: string, kind: LimitKind, cost = 1): void {
    const now = this.now();
    this.sweep(now);
    const { perMs, burst } = this.limits[kind];
    const key = `${kind}:${client}`;
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedMs: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.updatedMs) * perMs);
    bucket.updatedMs = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < cost) {
      throw new ConnectError(
        `rate limit exceeded for ${client} (${kind} calls); slow down and retry later`,
        Code.ResourceExhausted,
      );
    }
    bucket.tokens -= cost;
  }

  private sweep(now: number): void {
    if (now - this.lastSweepMs < 60_000) return;
    this.lastSweepMs = now;
    for (const [key, b] of this.buckets) {
      if (now - b.updatedMs > IDLE_EXPIRY_MS) this.buckets.delete(key);
    }
  }
}

/** The client's address: the first `x-forwarded-for` entry, else the socket's peer address. */
export function clientAddress(
  headers: Record<string, string | string[] | undefined>,
  remoteAddress: string | undefined,
): string {
  const fwd = headers["x-forwarded-for"];
  const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(",")[0]?.trim();
  return first || remoteAddress || "ip_unknown";
}

/** What each RPC costs (node-go: sends cost one token per message, from the publish bucket). */
export function rpcCost(method: string, message: unknown): { kind: LimitKind; cost: number } {
  const m = message as { messages?: unknown[]; envelopes?: unknown[] } | undefined;
  switch (method) {
    case "PublishClientEnvelopes":
      return { kind: "publish", cost: Math.max(1, m?.envelopes?.length ?? 1) };
    case "SendGroupMessages":
    case "SendWelcomeMessages":
      return { kind: "publish", cost: Math.max(1, m?.messages?.length ?? 1) };
    case "UploadKeyPackage":
    case "RegisterInstallation":
    case "PublishIdentityUpdate":
      return { kind: "publish", cost: 1 };
    default:
      return { kind: "default", cost: 1 };
  }
}
