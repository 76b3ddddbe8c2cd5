// An in-process d14n network for tests: one h2c server on 127.0.0.1:0 serving PayerApi
// (GetNodes, PublishClientEnvelopes), ReplicationApi (QueryEnvelopes, SubscribeEnvelopes,
// GetNewestEnvelope, GetInboxIds) and grpc.health.v1 from memory, with xmtpd's query semantics
// (reference/d14n.md §11). Envelopes are unsigned; the client does not verify signatures.
import http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import type { ConnectError, ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@x/proto/grpc/health/v1";
import {
  type ClientEnvelope,
  ClientEnvelopeSchema,
  type OriginatorEnvelope,
  OriginatorEnvelopeSchema,
  PayerEnvelopeSchema,
  UnsignedOriginatorEnvelopeSchema,
} from "@x/proto/xmtpv4/envelopes";
import { ReplicationApi, type SubscribeEnvelopesResponseSchema } from "@x/proto/xmtpv4/message_api";
import { PayerApi } from "@x/proto/xmtpv4/payer_api";
import { clientEnvelope, type Payload } from "../envelopes.js";
import { ContentType, mlsMessageHeader } from "../framing.js";

export interface Stored {
  topic: Uint8Array;
  originatorId: number;
  sequenceId: bigint;
  originatorNs: bigint;
  envelope: OriginatorEnvelope;
}

export interface Call {
  rpc: string;
  request: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** The OriginatorEnvelope a node would store for a ClientEnvelope (no signatures). */
export function wrap(
  client: ClientEnvelope,
  originatorId: number,
  sequenceId: bigint,
  originatorNs: bigint,
): OriginatorEnvelope {
  const payer = create(PayerEnvelopeSchema, {
    unsignedClientEnvelope: toBinary(ClientEnvelopeSchema, client),
    targetOriginator: originatorId,
  });
  const unsigned = create(UnsignedOriginatorEnvelopeSchema, {
    originatorNodeId: originatorId,
    originatorSequenceId: sequenceId,
    originatorNs,
    payerEnvelopeBytes: toBinary(PayerEnvelopeSchema, payer),
  });
  return create(OriginatorEnvelopeSchema, {
    unsignedOriginatorEnvelope: toBinary(UnsignedOriginatorEnvelopeSchema, unsigned),
  });
}

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

export interface FakeNetworkOptions {
  /** GetNodes' answer (default: this server as node 100). */
  nodes?: (self: string) => Record<number, string>;
  /** Serve grpc.health.v1 (default true). */
  health?: boolean;
  /** Delay before the health check answers. */
  healthDelayMs?: number;
  /** The originator a published envelope gets (default: identity updates 1, MLS commits 0, else 100). */
  originatorFor?: (client: ClientEnvelope) => number;
  /** Send the empty first frame on SubscribeEnvelopes (default true, as xmtpd). */
  emptyFirstFrame?: boolean;
}

function defaultOriginator(client: ClientEnvelope): number {
  const p = client.payload;
  if (p.case === "identityUpdate") return 1;
  if (p.case === "groupMessage" && p.value.version.case === "v1") {
    try {
      if (mlsMessageHeader(p.value.version.value.data).contentType === ContentType.Commit) return 0;
    } catch {
      // not MLS: stored under the node like anything else (xmtpd would refuse it)
    }
  }
  return 100;
}

export class FakeNetwork {
  readonly stored: Stored[] = [];
  readonly calls: Call[] = [];
  /** identifier → inbox id, for GetInboxIds. */
  readonly inboxIds = new Map<string, string>();
  nodes: (self: string) => Record<number, string>;
  /** Throw this from the next call of the named method (e.g. "queryEnvelopes"). */
  readonly failNext = new Map<string, ConnectError>();
  /** Answer calls of the named method only after this many milliseconds. */
  readonly delayMs = new Map<string, number>();
  private readonly seqs = new Map<number, bigint>();
  private ns = 1_000n;
  private readonly listeners = new Set<(s: Stored) => void>();
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly url: string,
    private readonly server: http2.Http2Server,
    readonly options: FakeNetworkOptions,
  ) {
    this.nodes = options.nodes ?? ((self) => ({ 100: self }));
    server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  callsOf(rpc: string): Call[] {
    return this.calls.filter((c) => c.rpc === rpc);
  }

  /** Stores an envelope as the node would, and pushes it to open subscriptions. */
  add(
    topic: Uint8Array,
    payload: Payload,
    o: {
      originatorId?: number;
      sequenceId?: bigint;
      ns?: bigint;
      dependsOn?: Map<number, bigint>;
    } = {},
  ): Stored {
    const client = clientEnvelope(topic, payload, o.dependsOn);
    const originatorId =
      o.originatorId ?? (this.options.originatorFor ?? defaultOriginator)(client);
    return this.addEnvelope(
      topic,
      (seq, ns) => wrap(client, originatorId, seq, ns),
      originatorId,
      o,
    );
  }

  /** Stores arbitrary OriginatorEnvelope bytes under a topic (e.g. undecodable ones). */
  addEnvelope(
    topic: Uint8Array,
    build: (sequenceId: bigint, ns: bigint) => OriginatorEnvelope,
    originatorId: number,
    o: { sequenceId?: bigint; ns?: bigint } = {},
  ): Stored {
    const sequenceId = o.sequenceId ?? (this.seqs.get(originatorId) ?? 0n) + 1n;
    if (sequenceId > (this.seqs.get(originatorId) ?? 0n)) this.seqs.set(originatorId, sequenceId);
    this.ns += 1_000n;
    const originatorNs = o.ns ?? this.ns;
    const s: Stored = {
      topic,
      originatorId,
      sequenceId,
      originatorNs,
      envelope: build(sequenceId, originatorNs),
    };
    this.stored.push(s);
    for (const l of this.listeners) l(s);
    return s;
  }

  /** Drops every open connection (the server keeps listening). */
  kill(): void {
    for (const s of this.sockets) s.destroy();
  }

  close(): Promise<void> {
    this.kill();
    return new Promise((r) => this.server.close(() => r()));
  }

  private matches(s: Stored, topics: Uint8Array[], lastSeen: { [k: number]: bigint }): boolean {
    return (
      topics.some((t) => sameBytes(t, s.topic)) && s.sequenceId > (lastSeen[s.originatorId] ?? 0n)
    );
  }

  private record(rpc: string, request: unknown, headers: Headers): void {
    const h: Record<string, string> = {};
    headers.forEach((v, k) => {
      h[k] = v;
    });
    this.calls.push({ rpc, request, headers: h });
    const failure = this.failNext.get(rpc);
    if (failure) {
      this.failNext.delete(rpc);
      throw failure;
    }
  }

  payer(): Partial<ServiceImpl<typeof PayerApi>> {
    return {
      getNodes: (req, ctx) => {
        this.record("getNodes", req, ctx.requestHeader);
        return { nodes: this.nodes(this.url) };
      },
      publishClientEnvelopes: (req, ctx) => {
        this.record("publishClientEnvelopes", req, ctx.requestHeader);
        return {
          originatorEnvelopes: req.envelopes.map((client) => {
            const originatorId = (this.options.originatorFor ?? defaultOriginator)(client);
            const topic = client.aad?.targetTopic ?? new Uint8Array();
            return this.addEnvelope(
              topic,
              (seq, ns) => wrap(client, originatorId, seq, ns),
              originatorId,
            ).envelope;
          }),
        };
      },
    };
  }

  replication(): Partial<ServiceImpl<typeof ReplicationApi>> {
    return {
      queryEnvelopes: async (req, ctx) => {
        this.record("queryEnvelopes", req, ctx.requestHeader);
        const delay = this.delayMs.get("queryEnvelopes");
        if (delay) await new Promise((r) => setTimeout(r, delay));
        ctx.signal.throwIfAborted();
        const topics = req.query?.topics ?? [];
        const lastSeen = req.query?.lastSeen?.nodeIdToSequenceId ?? {};
        const limit = req.limit === 0 || req.limit > 1000 ? 1000 : req.limit;
        return {
          envelopes: this.stored
            .filter((s) => this.matches(s, topics, lastSeen))
            .slice(0, limit)
            .map((s) => s.envelope),
        };
      },
      getNewestEnvelope: (req, ctx) => {
        this.record("getNewestEnvelope", req, ctx.requestHeader);
        return {
          results: req.topics.map((t) => {
            const newest = this.stored.filter((s) => sameBytes(s.topic, t)).at(-1);
            return newest ? { originatorEnvelope: newest.envelope } : {};
          }),
        };
      },
      getInboxIds: (req, ctx) => {
        this.record("getInboxIds", req, ctx.requestHeader);
        return {
          responses: req.requests.map((r) => {
            const inboxId = this.inboxIds.get(r.identifier);
            return { identifier: r.identifier, ...(inboxId ? { inboxId } : {}) };
          }),
        };
      },
      subscribeEnvelopes: (req, ctx) => {
        this.record("subscribeEnvelopes", req, ctx.requestHeader);
        return this.subscription(
          req.query?.topics ?? [],
          req.query?.lastSeen?.nodeIdToSequenceId,
          ctx.signal,
        );
      },
    };
  }

  private async *subscription(
    topics: Uint8Array[],
    lastSeen: { [k: number]: bigint } | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<MessageInitShape<typeof SubscribeEnvelopesResponseSchema>> {
    const queue: Stored[] = [];
    let wake: (() => void) | undefined;
    const listener = (s: Stored) => {
      if (!topics.some((t) => sameBytes(t, s.topic))) return;
      queue.push(s);
      wake?.();
    };
    this.listeners.add(listener);
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      if (this.options.emptyFirstFrame !== false) yield { envelopes: [] };
      if (lastSeen) {
        const catchUp = this.stored.filter((s) => this.matches(s, topics, lastSeen));
        const caughtUp = new Set(catchUp);
        for (let i = queue.length - 1; i >= 0; i--)
          if (caughtUp.has(queue[i] as Stored)) queue.splice(i, 1);
        if (catchUp.length > 0) yield { envelopes: catchUp.map((s) => s.envelope) };
      }
      while (!signal.aborted) {
        if (queue.length === 0) {
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = undefined;
          continue;
        }
        yield { envelopes: queue.splice(0).map((s) => s.envelope) };
      }
    } finally {
      this.listeners.delete(listener);
      signal.removeEventListener("abort", onAbort);
    }
  }
}

export async function startFakeNetwork(options: FakeNetworkOptions = {}): Promise<FakeNetwork> {
  let network: FakeNetwork | undefined;
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(PayerApi, {
        getNodes: (req, ctx) => network!.payer().getNodes!(req, ctx),
        publishClientEnvelopes: (req, ctx) => network!.payer().publishClientEnvelopes!(req, ctx),
      });
      const r = () => network!.replication();
      router.service(ReplicationApi, {
        queryEnvelopes: (req, ctx) => r().queryEnvelopes!(req, ctx),
        getNewestEnvelope: (req, ctx) => r().getNewestEnvelope!(req, ctx),
        getInboxIds: (req, ctx) => r().getInboxIds!(req, ctx),
        subscribeEnvelopes: (req, ctx) => r().subscribeEnvelopes!(req, ctx),
      });
      if (options.health !== false) {
        router.service(Health, {
          check: async (req, ctx) => {
            network!.calls.push({ rpc: "healthCheck", request: req, headers: {} });
            if (options.healthDelayMs)
              await new Promise((res) => setTimeout(res, options.healthDelayMs));
            ctx.signal.throwIfAborted();
            return { status: HealthCheckResponse_ServingStatus.SERVING };
          },
        });
      }
    },
  });
  const server = http2.createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  network = new FakeNetwork(`http://127.0.0.1:${port}`, server, options);
  return network;
}
