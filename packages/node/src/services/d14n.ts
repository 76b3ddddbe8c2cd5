// The d14n (decentralized network) API of the node: gateway (PayerApi/GatewayApi) and node
// (ReplicationApi/QueryApi) in one, as libxmtp 1.9.1 uses them (reference/d14n.md §3, §11, §13).
// Its data lives in the d14n tables only: v3 and d14n clients never see each other's messages.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type IdentityUpdate, IdentityUpdateSchema } from "@x/proto/identity/associations";
import { type OriginatorEnvelope, OriginatorEnvelopeSchema } from "@x/proto/xmtpv4/envelopes";
import {
  type EnvelopesQuery,
  type GetInboxIdsRequest,
  GetInboxIdsResponseSchema,
  type GetNewestEnvelopeRequest,
  GetNewestEnvelopeResponseSchema,
  type QueryEnvelopesRequest,
  QueryEnvelopesResponseSchema,
  type SubscribeEnvelopesRequest,
  type SubscribeEnvelopesResponse,
  SubscribeEnvelopesResponseSchema,
} from "@x/proto/xmtpv4/message_api";
import {
  GetNodesResponseSchema,
  type PublishClientEnvelopesRequest,
  type PublishClientEnvelopesResponse,
  PublishClientEnvelopesResponseSchema,
} from "@x/proto/xmtpv4/payer_api";
import { Broker } from "../broker.js";
import {
  chainPayerEnvelope,
  D14N_NODE_ID,
  IDENTITY_ORIGINATOR,
  nodePayerEnvelope,
  openEnvelope,
  originatorEnvelope,
} from "../d14n/envelopes.js";
import { InvalidEnvelopeError, type PreparedEnvelope, prepareEnvelope } from "../d14n/validate.js";
import {
  type IdentityUpdateEffect,
  type IdentityUpdateValidator,
  IdentityValidatorUnavailableError,
  InvalidIdentityUpdateError,
} from "../identity/validator.js";
import type { D14nEnvelopeRow, D14nKeys } from "../store/d14n.js";
import type { NodeStore } from "../store/store.js";
import { AsyncQueue, KeyedMutex, Mutex, QueueOverflowError } from "../sync.js";
import { hex } from "./convert.js";
import { MAX_INBOX_UPDATES } from "./identity.js";
import { checkCount, REQUEST_LIMITS, yieldToOthers } from "./limits.js";
import { SUBSCRIPTION_BUFFER, SUBSCRIPTION_BUFFER_BYTES } from "./mls.js";

export const D14N_LIMITS = {
  /** PublishClientEnvelopes: envelopes per request. */
  publishEnvelopes: 1_000,
  /** QueryEnvelopes / SubscribeEnvelopes: topics or originators per query (xmtpd's bound). */
  queryFilters: 10_000,
  /** Originators in a last_seen cursor (xmtpd's bound). */
  cursorEntries: 100,
  /** QueryEnvelopes: the largest page; a limit of 0 or above it means this. */
  queryLimit: 1_000,
  /** GetNewestEnvelope: topics per request. */
  newestTopics: 10_000,
  /** GetInboxIds: identifiers per request. */
  inboxIdRequests: REQUEST_LIMITS.inboxIdRequests,
} as const;

/** An empty SubscribeEnvelopesResponse goes out this often on an idle stream (xmtpd's default). */
export const D14N_KEEPALIVE_MS = 30_000;
/** Catch-up frames of a subscription hold at most about this many bytes of envelopes. */
const FRAME_BYTES = 4 * 1024 * 1024;

const invalid = (message: string) => new ConnectError(message, Code.InvalidArgument);

export interface D14nServiceDeps {
  store: NodeStore;
  validator: IdentityUpdateValidator;
  keys: D14nKeys;
  /** Nanoseconds since the Unix epoch. */
  now: () => bigint;
  /** The d14n listener's own URL (what GetNodes answers). */
  nodeUrl: () => string;
  keepaliveMs?: number;
}

interface Query {
  topics: Uint8Array[];
  originators: number[];
  lastSeen: Map<number, bigint>;
  /** Whether the request carried a last_seen cursor at all (then a subscription catches up). */
  hasCursor: boolean;
}

function readQuery(q: EnvelopesQuery | undefined, rpc: string): Query {
  const topics = q?.topics ?? [];
  const originators = q?.originatorNodeIds ?? [];
  if (topics.length > 0 && originators.length > 0) {
    throw invalid("cannot filter by both topic and originator in same subscription request");
  }
  checkCount(
    `${rpc} topics and originators`,
    topics.length + originators.length,
    D14N_LIMITS.queryFilters,
  );
  const entries = Object.entries(q?.lastSeen?.nodeIdToSequenceId ?? {});
  if (entries.length > D14N_LIMITS.cursorEntries) {
    throw invalid(
      `${rpc}: a last_seen cursor holds at most ${D14N_LIMITS.cursorEntries} originators, got ${entries.length}`,
    );
  }
  return {
    topics,
    originators,
    lastSeen: new Map(entries.map(([k, v]) => [Number(k), v])),
    hasCursor: q?.lastSeen !== undefined,
  };
}

const decode = (row: D14nEnvelopeRow) => fromBinary(OriginatorEnvelopeSchema, row.envelope);

function identityUpdateOf(row: D14nEnvelopeRow): IdentityUpdate {
  const payload = openEnvelope(row.envelope).client.payload;
  if (payload.case !== "identityUpdate") {
    throw new Error(
      `d14n envelope ${row.originatorId}:${row.sequenceId} is not an identity update`,
    );
  }
  // Re-encoded and decoded, so the history holds exactly what was stored.
  return fromBinary(IdentityUpdateSchema, toBinary(IdentityUpdateSchema, payload.value));
}

/** Broker keys an envelope is delivered under: its topic, its originator, and "everything". */
const topicKey = (topic: Uint8Array) => `t:${hex(topic)}`;
const originatorKey = (id: number) => `o:${id}`;
const ALL = "*";

export class D14nService {
  // Sequence ids are assigned at insert; storing and publishing under one lock keeps live
  // delivery in sequence order.
  private readonly writes = new Mutex();
  // Identity updates of one inbox are validated against its log and stored one at a time.
  private readonly inboxLocks = new KeyedMutex();
  private readonly broker = new Broker<D14nEnvelopeRow>();

  constructor(private readonly deps: D14nServiceDeps) {}

  /** Number of broker keys with a live subscriber (tests, metrics). */
  get liveKeys(): number {
    return this.broker.topicCount;
  }

  getNodes() {
    return create(GetNodesResponseSchema, { nodes: { [D14N_NODE_ID]: this.deps.nodeUrl() } });
  }

  /**
   * Validates every envelope, then sequences, wraps, stores and delivers them, in order, and
   * answers one OriginatorEnvelope per input. One invalid envelope refuses the whole batch.
   */
  async publishClientEnvelopes(
    req: PublishClientEnvelopesRequest,
  ): Promise<PublishClientEnvelopesResponse> {
    const n = req.envelopes.length;
    if (n === 0) throw invalid("PublishClientEnvelopes: no envelopes to publish");
    if (n > D14N_LIMITS.publishEnvelopes) {
      throw invalid(
        `PublishClientEnvelopes: at most ${D14N_LIMITS.publishEnvelopes} envelopes per request, got ${n}; send them in smaller requests`,
      );
    }
    const errors: string[] = [];
    const refuseIfAny = () => {
      if (errors.length === 0) return;
      const shown = errors.slice(0, 10).join("; ");
      throw invalid(
        `PublishClientEnvelopes refused, nothing stored: ${shown}${errors.length > 10 ? `; and ${errors.length - 10} more` : ""}`,
      );
    };
    const nowSeconds = this.deps.now() / 1_000_000_000n;
    const prepared: PreparedEnvelope[] = [];
    for (const [i, e] of req.envelopes.entries()) {
      try {
        prepared.push(prepareEnvelope(e, nowSeconds));
      } catch (err) {
        if (!(err instanceof InvalidEnvelopeError)) throw err;
        errors.push(`envelope ${i}: ${err.message}`);
      }
    }
    refuseIfAny();

    // depends_on: not beyond what the node has sequenced (counting commits earlier in this
    // batch). Sequences only grow, so what passes here still holds when the batch is stored.
    const current = await this.deps.store.d14n.sequences();
    const inBatch = new Map<number, bigint>();
    for (const [i, p] of prepared.entries()) {
      for (const [originator, seq] of p.dependsOn) {
        const have = (current.get(originator) ?? 0n) + (inBatch.get(originator) ?? 0n);
        if (seq > have) {
          errors.push(
            `envelope ${i}: depends_on {${originator}: ${seq}} is beyond the node's last sequence id for originator ${originator} (${have})`,
          );
        }
      }
      inBatch.set(p.originatorId, (inBatch.get(p.originatorId) ?? 0n) + 1n);
    }
    refuseIfAny();

    // The payer signs the client envelope only, so this is done before any lock.
    const { nodeKey, payerKey } = this.deps.keys;
    const payerEnvelopes = prepared.map((p) =>
      p.originatorId === D14N_NODE_ID
        ? nodePayerEnvelope(p.clientBytes, payerKey)
        : chainPayerEnvelope(p.clientBytes),
    );

    const inboxes = [
      ...new Set(prepared.flatMap((p) => (p.identityUpdate ? [p.identityUpdate.inboxId] : []))),
    ].sort();
    return this.withInboxLocks(inboxes, async () => {
      const effects = await this.validateIdentityUpdates(prepared);
      return this.writes.run(async () => {
        const out: OriginatorEnvelope[] = [];
        const rows = await this.deps.store.d14n.append(
          prepared.map((p, i) => {
            const effect = effects.get(i);
            return {
              originatorId: p.originatorId,
              topic: p.topic,
              build: (sequenceId: bigint, originatorNs: bigint) => {
                const env = originatorEnvelope(
                  { originatorId: p.originatorId, sequenceId, originatorNs },
                  payerEnvelopes[i]!,
                  p.clientBytes,
                  nodeKey,
                );
                out[i] = env;
                return toBinary(OriginatorEnvelopeSchema, env);
              },
              addresses:
                effect && p.identityUpdate
                  ? {
                      inboxId: p.identityUpdate.inboxId,
                      added: effect.addedAddresses,
                      removed: effect.removedAddresses,
                    }
                  : undefined,
            };
          }),
          this.deps.now(),
        );
        for (const row of rows) this.deliver(row);
        return create(PublishClientEnvelopesResponseSchema, { originatorEnvelopes: out });
      });
    });
  }

  private withInboxLocks<T>(inboxes: string[], task: () => Promise<T>): Promise<T> {
    // Taken in sorted order, so two batches never wait on each other's locks.
    const run = inboxes.reduceRight<() => Promise<T>>(
      (next, inbox) => () => this.inboxLocks.run(inbox, next),
      task,
    );
    return run();
  }

  /** Validates each identity update against its inbox's d14n log (and earlier ones in the batch). */
  private async validateIdentityUpdates(
    prepared: PreparedEnvelope[],
  ): Promise<Map<number, IdentityUpdateEffect>> {
    const effects = new Map<number, IdentityUpdateEffect>();
    const logs = new Map<string, IdentityUpdate[]>();
    for (const [i, p] of prepared.entries()) {
      const update = p.identityUpdate;
      if (!update) continue;
      let log = logs.get(update.inboxId);
      if (!log) {
        const rows = await this.deps.store.d14n.topicLog(p.topic, IDENTITY_ORIGINATOR);
        log = rows.map(identityUpdateOf);
        logs.set(update.inboxId, log);
      }
      if (log.length >= MAX_INBOX_UPDATES) {
        throw new ConnectError(
          `envelope ${i}: inbox log is full: inbox ${update.inboxId} already has ${MAX_INBOX_UPDATES} identity updates`,
          Code.FailedPrecondition,
        );
      }
      try {
        effects.set(i, await this.deps.validator.validate([...log], update));
      } catch (e) {
        if (e instanceof InvalidIdentityUpdateError) {
          throw invalid(
            `PublishClientEnvelopes refused, nothing stored: envelope ${i}: invalid identity update: ${e.message}`,
          );
        }
        if (e instanceof IdentityValidatorUnavailableError) {
          throw new ConnectError(
            `envelope ${i}: cannot verify the identity update now: ${e.message}`,
            Code.Unavailable,
          );
        }
        throw e;
      }
      log.push(update);
    }
    return effects;
  }

  private deliver(row: D14nEnvelopeRow): void {
    this.broker.publish(topicKey(row.topic), row);
    this.broker.publish(originatorKey(row.originatorId), row);
    this.broker.publish(ALL, row);
  }

  async queryEnvelopes(req: QueryEnvelopesRequest) {
    const q = readQuery(req.query, "QueryEnvelopes");
    const limit =
      req.limit === 0 || req.limit > D14N_LIMITS.queryLimit ? D14N_LIMITS.queryLimit : req.limit;
    const rows = await this.deps.store.d14n.query({ ...q, limit });
    return create(QueryEnvelopesResponseSchema, { envelopes: rows.map(decode) });
  }

  async getNewestEnvelope(req: GetNewestEnvelopeRequest) {
    checkCount("GetNewestEnvelope topics", req.topics.length, D14N_LIMITS.newestTopics);
    const newest = await this.deps.store.d14n.newest(req.topics);
    return create(GetNewestEnvelopeResponseSchema, {
      results: newest.map((row) => (row ? { originatorEnvelope: decode(row) } : {})),
    });
  }

  async getInboxIds(req: GetInboxIdsRequest) {
    checkCount("GetInboxIds identifiers", req.requests.length, D14N_LIMITS.inboxIdRequests);
    const inboxIds = await this.deps.store.d14n.inboxIdsFor(req.requests.map((r) => r.identifier));
    return create(GetInboxIdsResponseSchema, {
      responses: req.requests.map((r, i) => ({
        identifier: r.identifier,
        identifierKind: r.identifierKind,
        inboxId: inboxIds[i],
      })),
    });
  }

  /**
   * Starts a subscription. Resolves once the request is accepted and the live listener is
   * registered (so the transport sends headers at once). The stream then yields an empty
   * response, the stored envelopes after `last_seen` (only when a cursor was sent), then live
   * ones, skipping any at or below the subscription's cursor, and an empty response whenever
   * it has been idle for the keepalive interval.
   */
  async subscribeEnvelopes(
    req: SubscribeEnvelopesRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<SubscribeEnvelopesResponse>> {
    const q = readQuery(req.query, "SubscribeEnvelopes");
    const keys =
      q.topics.length > 0
        ? q.topics.map(topicKey)
        : q.originators.length > 0
          ? q.originators.map(originatorKey)
          : [ALL];
    const queue = new AsyncQueue<D14nEnvelopeRow>(
      SUBSCRIPTION_BUFFER,
      SUBSCRIPTION_BUFFER_BYTES,
      (r) => r.envelope.length + 64,
    );
    // Listen before catching up: what is stored meanwhile arrives through the queue, and the
    // cursor drops what catch-up already sent.
    const unsubscribe = this.broker.subscribe(keys, (_key, row) => queue.push(row));
    const onAbort = () => {
      queue.close();
      unsubscribe();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) queue.close();
    const store = this.deps.store.d14n;
    const keepaliveMs = this.deps.keepaliveMs ?? D14N_KEEPALIVE_MS;
    const cursor = new Map(q.lastSeen);
    const empty = () => create(SubscribeEnvelopesResponseSchema, {});
    const seen = (row: D14nEnvelopeRow) => row.sequenceId <= (cursor.get(row.originatorId) ?? 0n);
    const advance = (row: D14nEnvelopeRow) => cursor.set(row.originatorId, row.sequenceId);

    async function* run(): AsyncGenerator<SubscribeEnvelopesResponse> {
      try {
        yield empty();
        if (q.hasCursor) {
          for (;;) {
            if (signal.aborted) return;
            const rows = await store.query({
              topics: q.topics,
              originators: q.originators,
              lastSeen: cursor,
              limit: D14N_LIMITS.queryLimit,
            });
            let frame: OriginatorEnvelope[] = [];
            let bytes = 0;
            for (const row of rows) {
              if (seen(row)) continue;
              advance(row);
              if (frame.length > 0 && bytes + row.envelope.length > FRAME_BYTES) {
                yield create(SubscribeEnvelopesResponseSchema, { envelopes: frame });
                frame = [];
                bytes = 0;
              }
              frame.push(decode(row));
              bytes += row.envelope.length;
            }
            if (frame.length > 0)
              yield create(SubscribeEnvelopesResponseSchema, { envelopes: frame });
            if (rows.length < D14N_LIMITS.queryLimit) break;
            await yieldToOthers();
          }
        }
        const live = queue[Symbol.asyncIterator]();
        // A failure (overflow) while the reader is slow is seen by the next race, not unhandled.
        const pull = () => {
          const p = live.next();
          p.catch(() => {});
          return p;
        };
        let next = pull();
        for (;;) {
          let timer: NodeJS.Timeout | undefined;
          const idle = new Promise<"idle">((resolve) => {
            timer = setTimeout(() => resolve("idle"), keepaliveMs);
          });
          const got = await Promise.race([next, idle]);
          clearTimeout(timer);
          if (got === "idle") {
            yield empty();
            continue;
          }
          if (got.done) return;
          next = pull();
          const row = got.value;
          if (seen(row)) continue;
          advance(row);
          yield create(SubscribeEnvelopesResponseSchema, { envelopes: [decode(row)] });
        }
      } catch (e) {
        if (e instanceof QueueOverflowError) throw new ConnectError(e.message, Code.Aborted);
        throw e;
      } finally {
        unsubscribe();
        signal.removeEventListener("abort", onAbort);
      }
    }
    return run();
  }
}
