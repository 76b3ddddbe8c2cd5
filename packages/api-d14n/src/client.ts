// @x/api's XmtpApiClient over the decentralized network, as libxmtp 1.9.1's d14n client
// behaves (reference/d14n.md): writes go to the payer gateway as ClientEnvelopes, reads go to a
// node chosen by GetNodes + health check, with vector cursors and client-side ordering.
import { create } from "@bufbuild/protobuf";
import {
  type Client,
  type CallOptions as ConnectCallOptions,
  createClient,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import {
  type ApiError,
  type CallOptions,
  type QueryCallOptions,
  type SendCallOptions,
  type SequencedGroupMessage,
  type SequencedWelcomeMessage,
  type SubscribeCallOptions,
  toApiError,
  type VectorCursor,
  type XmtpApiClient,
} from "@x/api";
import { bytesEqual, toHex } from "@x/crypto";
import {
  type GetIdentityUpdatesRequest,
  type GetIdentityUpdatesResponse,
  type GetIdentityUpdatesResponse_IdentityUpdateLog,
  GetIdentityUpdatesResponse_IdentityUpdateLogSchema,
  GetIdentityUpdatesResponseSchema,
  type GetInboxIdsRequest,
  type GetInboxIdsResponse,
  GetInboxIdsResponseSchema,
  type PublishIdentityUpdateRequest,
  type VerifySmartContractWalletSignaturesRequest,
  type VerifySmartContractWalletSignaturesResponse,
} from "@x/proto/identity/api/v1";
import {
  type BatchPublishCommitLogRequest,
  type BatchQueryCommitLogRequest,
  type BatchQueryCommitLogResponse,
  BatchQueryCommitLogResponseSchema,
  type FetchKeyPackagesRequest,
  type FetchKeyPackagesResponse,
  FetchKeyPackagesResponseSchema,
  type GetNewestGroupMessageRequest,
  type GetNewestGroupMessageResponse,
  GetNewestGroupMessageResponseSchema,
  type GroupMessage,
  GroupMessageSchema,
  type QueryGroupMessagesRequest,
  type QueryGroupMessagesResponse,
  QueryGroupMessagesResponseSchema,
  type QueryWelcomeMessagesRequest,
  type QueryWelcomeMessagesResponse,
  QueryWelcomeMessagesResponseSchema,
  type SendGroupMessagesRequest,
  type SendWelcomeMessagesRequest,
  SortDirection,
  type SubscribeGroupMessagesRequest,
  type SubscribeWelcomeMessagesRequest,
  type UploadKeyPackageRequest,
  type WelcomeMessage,
  WelcomeMessageSchema,
} from "@x/proto/mls/api/v1";
import type { ClientEnvelope, OriginatorEnvelope } from "@x/proto/xmtpv4/envelopes";
import { ReplicationApi } from "@x/proto/xmtpv4/message_api";
import { PayerApi } from "@x/proto/xmtpv4/payer_api";
import { NodeChooser } from "./discovery.js";
import {
  clientEnvelope,
  createdNs,
  type ReceivedEnvelope,
  toCursor,
  unwrapEnvelope,
} from "./envelopes.js";
import { badEnvelope, type D14nApiError, invalidRequest, unsupported } from "./errors.js";
import { ContentType, keyPackageSignatureKey, mlsMessageHeader } from "./framing.js";
import { merge } from "./merge.js";
import {
  DEFAULT_RESOLVE_POLICY,
  type ResolvePolicy,
  resolveOrder,
  StreamOrderer,
} from "./order.js";
import {
  groupMessagesTopic,
  identityUpdatesTopic,
  keyPackagesTopic,
  Originator,
  welcomeMessagesTopic,
} from "./topics.js";

/** Default deadline of a unary call (as @x/api-grpc). */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** The transport's message limit both ways (as @x/api-grpc). */
export const MAX_MESSAGE_BYTES = 50 * 1024 * 1024;
/** libxmtp 1.9.1's page size for group and welcome syncs. */
export const DEFAULT_QUERY_LIMIT = 100;
/** xmtpd's cap on the topics of one query or subscription. */
export const MAX_TOPICS_PER_QUERY = 10_000;
/** libxmtp's GET_IDENTITY_UPDATES_CHUNK_SIZE. */
export const IDENTITY_UPDATES_CHUNK = 50;
/** xmtpd's page size when a query's limit is 0. */
export const NODE_PAGE_LIMIT = 1_000;
/** Stream envelopes kept waiting for a parent before the oldest is released anyway. */
export const DEFAULT_ICEBOX_CAPACITY = 1_000;
/** The library's own version string, sent as `x-client-version`. */
export const CLIENT_VERSION = "xmtp-ts/0.0.0";

const RPC = {
  publish: "xmtp.xmtpv4.payer_api.PayerApi/PublishClientEnvelopes",
  query: "xmtp.xmtpv4.message_api.ReplicationApi/QueryEnvelopes",
  newest: "xmtp.xmtpv4.message_api.ReplicationApi/GetNewestEnvelope",
  subscribe: "xmtp.xmtpv4.message_api.ReplicationApi/SubscribeEnvelopes",
  inboxIds: "xmtp.xmtpv4.message_api.ReplicationApi/GetInboxIds",
} as const;

export interface ClientHeaders {
  /** Sent as `x-app-version` (default "0.0.0"). */
  appVersion?: string;
  /** Sent as `x-client-version` (default `xmtp-ts/<version>`). */
  clientVersion?: string;
}

export function versionHeaders(h: ClientHeaders): Interceptor {
  const app = h.appVersion ?? "0.0.0";
  const client = h.clientVersion ?? CLIENT_VERSION;
  return (next) => (req) => {
    req.header.set("x-app-version", app);
    req.header.set("x-client-version", client);
    return next(req);
  };
}

/** What was skipped, for `onSkipped`. */
export interface SkippedInfo {
  /** The RPC the envelope came from. */
  rpc: string;
  /** The topic asked for, when one was. */
  topic?: Uint8Array;
  originatorId?: number;
  sequenceId?: bigint;
}

export interface D14nClientOptions {
  /** Deadline for unary calls without their own (default 60 s; 0 = none). */
  timeoutMs?: number;
  /** Health-check deadline per node during discovery (default 30 s, libxmtp's). */
  healthTimeoutMs?: number;
  /** Consecutive lost connections to the chosen node before discovering again (default 3). */
  rediscoverAfter?: number;
  /** Re-queries for missing parents of a query result (default 3 tries, 50 ms doubling, ≤ 2 s). */
  resolve?: Partial<ResolvePolicy>;
  /** Stream envelopes held for a parent before the oldest is released anyway (default 1000). */
  iceboxCapacity?: number;
  /** Called for every envelope skipped because it does not decode or does not fit its topic. */
  onSkipped?: (error: D14nApiError, info: SkippedInfo) => void;
  /** Called whenever discovery picks a node. */
  onNodeChosen?: (node: { id: number | undefined; url: string; latencyMs: number }) => void;
}

export interface D14nTransports {
  /** The gateway URL (its scheme decides which node URLs are usable). */
  gatewayUrl: string;
  gateway: Transport;
  /** Builds the transport to a node URL from GetNodes. */
  node: (url: string) => Transport;
  /** Read from this node: no GetNodes, no health check, no re-discovery. */
  nodeUrl?: string;
}

type Replication = Client<typeof ReplicationApi>;
type Item<M> = ReceivedEnvelope & { message: M };

function topicOrThrow(rpc: string, build: () => Uint8Array, what: string): Uint8Array {
  try {
    return build();
  } catch (e) {
    throw invalidRequest(rpc, `${what}: ${(e as Error).message}`, e);
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Per originator, the least sequence over the cursors (an originator one of them lacks is 0). */
export function lowestCommonCursor(cursors: readonly VectorCursor[]): Map<number, bigint> {
  const out = new Map<number, bigint>();
  const first = cursors[0];
  if (!first) return out;
  for (const [originator, seq] of first) {
    let min = seq;
    for (const c of cursors) {
      const v = c.get(originator) ?? 0n;
      if (v < min) min = v;
    }
    if (min > 0n) out.set(originator, min);
  }
  return out;
}

const lastSeenOr = (lastSeen: VectorCursor | undefined, idCursor: bigint | undefined) =>
  new Map(lastSeen ?? ((idCursor ?? 0n) > 0n ? [[Originator.MlsCommits, idCursor as bigint]] : []));

export class D14nApiClient implements XmtpApiClient {
  readonly originatorAware = true;
  private readonly gateway: Client<typeof PayerApi>;
  private readonly chooser: NodeChooser;
  private readonly nodeClients = new WeakMap<Transport, Replication>();
  private readonly timeoutMs: number;
  private readonly resolvePolicy: ResolvePolicy;

  constructor(
    transports: D14nTransports,
    private readonly options: D14nClientOptions = {},
  ) {
    this.gateway = createClient(PayerApi, transports.gateway);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.resolvePolicy = { ...DEFAULT_RESOLVE_POLICY, ...options.resolve };
    this.chooser = new NodeChooser({
      gatewayUrl: transports.gatewayUrl,
      gateway: this.gateway,
      transport: transports.node,
      timeoutMs: this.timeoutMs,
      ...(transports.nodeUrl === undefined ? {} : { nodeUrl: transports.nodeUrl }),
      ...(options.healthTimeoutMs === undefined
        ? {}
        : { healthTimeoutMs: options.healthTimeoutMs }),
      ...(options.rediscoverAfter === undefined
        ? {}
        : { rediscoverAfter: options.rediscoverAfter }),
      ...(options.onNodeChosen ? { onChosen: options.onNodeChosen } : {}),
    });
  }

  private opts(
    o: CallOptions | undefined,
    unary: boolean,
    onHeader?: () => void,
  ): ConnectCallOptions {
    const timeoutMs = o?.timeoutMs ?? (unary ? this.timeoutMs : undefined);
    return {
      signal: o?.signal,
      timeoutMs: timeoutMs || undefined,
      ...(onHeader === undefined ? {} : { onHeader }),
    };
  }

  private skip(error: D14nApiError, info: SkippedInfo): undefined {
    this.options.onSkipped?.(error, info);
    return undefined;
  }

  // --- transport plumbing ---

  private async replication(signal?: AbortSignal): Promise<Replication> {
    const node = await this.chooser.node(signal);
    let client = this.nodeClients.get(node.transport);
    if (!client) {
      client = createClient(ReplicationApi, node.transport);
      this.nodeClients.set(node.transport, client);
    }
    return client;
  }

  /** A unary call to the chosen node; lost connections count towards re-discovery. */
  private async read<R>(
    rpc: string,
    o: CallOptions | undefined,
    call: (node: Replication, opts: ConnectCallOptions) => Promise<R>,
  ): Promise<R> {
    const node = await this.replication(o?.signal);
    try {
      const res = await call(node, this.opts(o, true));
      this.chooser.report(undefined);
      return res;
    } catch (e) {
      const error = toApiError(e, rpc, o?.signal?.aborted ?? false);
      this.chooser.report(error);
      throw error;
    }
  }

  private async publish(envelopes: ClientEnvelope[], o: CallOptions | undefined): Promise<void> {
    if (envelopes.length === 0) return;
    try {
      await this.gateway.publishClientEnvelopes({ envelopes }, this.opts(o, true));
    } catch (e) {
      throw toApiError(e, RPC.publish, o?.signal?.aborted ?? false);
    }
  }

  private unwrap(
    rpc: string,
    env: OriginatorEnvelope,
    topic?: Uint8Array,
  ): ReceivedEnvelope | undefined {
    try {
      return unwrapEnvelope(env);
    } catch (e) {
      return this.skip(badEnvelope(rpc, `it does not decode (${(e as Error).message})`, e), {
        rpc,
        ...(topic ? { topic } : {}),
      });
    }
  }

  /** A group-message envelope as a v3 GroupMessage; skipped unless its data is MLS framing of a group (`groupId` if given). */
  private groupMessage(
    rpc: string,
    e: ReceivedEnvelope,
    groupId?: Uint8Array,
  ): Item<SequencedGroupMessage> | undefined {
    const info = { rpc, originatorId: e.originatorId, sequenceId: e.sequenceId };
    const p = e.payload;
    if (p.case !== "groupMessage" || p.value.version.case !== "v1") {
      return this.skip(badEnvelope(rpc, `expected a group message v1, got ${p.case}`), info);
    }
    const input = p.value.version.value;
    let header: ReturnType<typeof mlsMessageHeader>;
    try {
      header = mlsMessageHeader(input.data);
    } catch (err) {
      return this.skip(
        badEnvelope(rpc, `its data is not an MLS group message (${(err as Error).message})`, err),
        info,
      );
    }
    if (groupId && !bytesEqual(header.groupId, groupId)) {
      return this.skip(
        badEnvelope(
          rpc,
          `its MLS message belongs to group ${toHex(header.groupId)}, not ${toHex(groupId)}`,
        ),
        info,
      );
    }
    const message = create(GroupMessageSchema, {
      version: {
        case: "v1",
        value: {
          id: e.sequenceId,
          createdNs: createdNs(e),
          groupId: header.groupId,
          data: input.data,
          senderHmac: input.senderHmac,
          shouldPush: input.shouldPush,
          isCommit: header.contentType === ContentType.Commit,
        },
      },
    });
    return { ...e, message: this.sequenced(message, e) };
  }

  private sequenced<M extends GroupMessage | WelcomeMessage>(message: M, e: ReceivedEnvelope) {
    const out = message as M & { originatorId?: number; dependsOn?: VectorCursor };
    out.originatorId = e.originatorId;
    if (e.dependsOn.size > 0) out.dependsOn = e.dependsOn;
    return out;
  }

  /** A welcome envelope as a v3 WelcomeMessage (v1 or pointer); skipped unless it is for `installationKey` if given. */
  private welcomeMessage(
    rpc: string,
    e: ReceivedEnvelope,
    installationKey?: Uint8Array,
  ): Item<SequencedWelcomeMessage> | undefined {
    const info = { rpc, originatorId: e.originatorId, sequenceId: e.sequenceId };
    const p = e.payload;
    if (p.case !== "welcomeMessage" || p.value.version.case === undefined) {
      return this.skip(badEnvelope(rpc, `expected a welcome message, got ${p.case}`), info);
    }
    const v = p.value.version;
    if (installationKey && !bytesEqual(v.value.installationKey, installationKey)) {
      return this.skip(badEnvelope(rpc, "the welcome is for another installation"), info);
    }
    const common = {
      id: e.sequenceId,
      createdNs: createdNs(e),
      installationKey: v.value.installationKey,
    };
    const message =
      v.case === "v1"
        ? create(WelcomeMessageSchema, {
            version: {
              case: "v1",
              value: {
                ...common,
                data: v.value.data,
                hpkePublicKey: v.value.hpkePublicKey,
                wrapperAlgorithm: v.value.wrapperAlgorithm,
                welcomeMetadata: v.value.welcomeMetadata,
              },
            },
          })
        : create(WelcomeMessageSchema, {
            version: {
              case: "welcomePointer",
              value: {
                ...common,
                welcomePointer: v.value.welcomePointer,
                hpkePublicKey: v.value.hpkePublicKey,
                wrapperAlgorithm: v.value.wrapperAlgorithm,
              },
            },
          });
    return { ...e, message: this.sequenced(message, e) };
  }

  /** GetNewestEnvelope over any number of topics (chunked), one slot per topic. */
  private async newest(
    topics: Uint8Array[],
    o: CallOptions | undefined,
  ): Promise<(OriginatorEnvelope | undefined)[]> {
    const out: (OriginatorEnvelope | undefined)[] = [];
    for (const part of chunks(topics, MAX_TOPICS_PER_QUERY)) {
      const res = await this.read(RPC.newest, o, (node, opts) =>
        node.getNewestEnvelope({ topics: part }, opts),
      );
      if (res.results.length !== part.length) {
        throw badEnvelope(RPC.newest, `${res.results.length} results for ${part.length} topics`);
      }
      out.push(...res.results.map((r) => r.originatorEnvelope));
    }
    return out;
  }

  // --- writes (gateway) ---

  async uploadKeyPackage(req: UploadKeyPackageRequest, o?: CallOptions): Promise<void> {
    const rpc = "UploadKeyPackage";
    const tls = req.keyPackage?.keyPackageTlsSerialized;
    if (!tls || tls.length === 0) throw invalidRequest(rpc, "the request holds no key package");
    const topic = topicOrThrow(
      rpc,
      () => keyPackagesTopic(keyPackageSignatureKey(tls)),
      "malformed key package",
    );
    await this.publish([clientEnvelope(topic, { case: "uploadKeyPackage", value: req })], o);
  }

  async publishIdentityUpdate(req: PublishIdentityUpdateRequest, o?: CallOptions): Promise<void> {
    const rpc = "PublishIdentityUpdate";
    const update = req.identityUpdate;
    if (!update) throw invalidRequest(rpc, "the request holds no identity update");
    const topic = topicOrThrow(rpc, () => identityUpdatesTopic(update.inboxId), "bad inbox id");
    await this.publish([clientEnvelope(topic, { case: "identityUpdate", value: update })], o);
  }

  async sendGroupMessages(req: SendGroupMessagesRequest, o?: SendCallOptions): Promise<void> {
    const rpc = "SendGroupMessages";
    const envelopes = req.messages.map((input, i) => {
      if (input.version.case !== "v1")
        throw invalidRequest(rpc, `message ${i} is not a v1 message`);
      const data = input.version.value.data;
      const topic = topicOrThrow(
        rpc,
        () => groupMessagesTopic(mlsMessageHeader(data).groupId),
        `message ${i} is not an MLS group message`,
      );
      return clientEnvelope(topic, { case: "groupMessage", value: input }, o?.dependsOn);
    });
    await this.publish(envelopes, o);
  }

  async sendWelcomeMessages(req: SendWelcomeMessagesRequest, o?: CallOptions): Promise<void> {
    const rpc = "SendWelcomeMessages";
    const envelopes = req.messages.map((input, i) => {
      if (input.version.case === undefined) throw invalidRequest(rpc, `welcome ${i} is empty`);
      const key = input.version.value.installationKey;
      const topic = topicOrThrow(
        rpc,
        () => welcomeMessagesTopic(key),
        `welcome ${i} has a bad installation key`,
      );
      return clientEnvelope(topic, { case: "welcomeMessage", value: input });
    });
    await this.publish(envelopes, o);
  }

  /** No commit log on d14n 1.9.1: success without a call. */
  async batchPublishCommitLog(
    _req: BatchPublishCommitLogRequest,
    _o?: CallOptions,
  ): Promise<void> {}

  /** No commit log on d14n 1.9.1: one empty response per request. */
  async batchQueryCommitLog(
    req: BatchQueryCommitLogRequest,
    _o?: CallOptions,
  ): Promise<BatchQueryCommitLogResponse> {
    return create(BatchQueryCommitLogResponseSchema, {
      responses: req.requests.map((r) => ({ groupId: r.groupId, commitLogEntries: [] })),
    });
  }

  // --- reads (node) ---

  async queryGroupMessages(
    req: QueryGroupMessagesRequest,
    o?: QueryCallOptions,
  ): Promise<QueryGroupMessagesResponse> {
    const rpc = RPC.query;
    const groupId = req.groupId;
    const topic = topicOrThrow(
      "QueryGroupMessages",
      () => groupMessagesTopic(groupId),
      "bad group id",
    );
    const paging = req.pagingInfo;
    if (paging?.direction === SortDirection.DESCENDING) {
      if (paging.limit !== 1) {
        throw unsupported(
          "QueryGroupMessages",
          "only the newest message (DESCENDING, limit 1) can be read newest-first",
        );
      }
      const [env] = await this.newest([topic], o);
      const e = env && this.unwrap(RPC.newest, env, topic);
      const item = e && this.groupMessage(RPC.newest, e, groupId);
      return create(QueryGroupMessagesResponseSchema, {
        messages: item ? [item.message] : [],
        pagingInfo: { direction: SortDirection.DESCENDING, limit: 1, idCursor: 0n },
      });
    }
    const limit = paging?.limit || DEFAULT_QUERY_LIMIT;
    const lastSeen = lastSeenOr(o?.lastSeen, paging?.idCursor);
    const fetch = async (cursor: VectorCursor) => {
      const res = await this.read(rpc, o, (node, opts) =>
        node.queryEnvelopes(
          { query: { topics: [topic], lastSeen: toCursor(cursor) }, limit },
          opts,
        ),
      );
      const items: Item<SequencedGroupMessage>[] = [];
      for (const env of res.envelopes) {
        const e = this.unwrap(rpc, env, topic);
        const item = e && this.groupMessage(rpc, e, groupId);
        if (item) items.push(item);
      }
      return { count: res.envelopes.length, items };
    };
    const first = await fetch(lastSeen);
    const ordered = await resolveOrder(
      first.items,
      lastSeen,
      async (cursor) => (await fetch(cursor)).items,
      this.resolvePolicy,
      o?.signal ? { signal: o.signal } : {},
    );
    const messages = ordered.messages.map((i) => i.message);
    const more = first.count >= limit;
    return create(QueryGroupMessagesResponseSchema, {
      messages,
      pagingInfo: {
        direction: SortDirection.ASCENDING,
        limit,
        idCursor: more ? (messages.at(-1)?.version.value?.id ?? 0n) : 0n,
      },
    });
  }

  async queryWelcomeMessages(
    req: QueryWelcomeMessagesRequest,
    o?: QueryCallOptions,
  ): Promise<QueryWelcomeMessagesResponse> {
    const rpc = RPC.query;
    const key = req.installationKey;
    const topic = topicOrThrow(
      "QueryWelcomeMessages",
      () => welcomeMessagesTopic(key),
      "bad installation key",
    );
    if (req.pagingInfo?.direction === SortDirection.DESCENDING) {
      throw unsupported("QueryWelcomeMessages", "welcomes are read oldest-first only");
    }
    const limit = req.pagingInfo?.limit || DEFAULT_QUERY_LIMIT;
    const lastSeen = lastSeenOr(o?.lastSeen, req.pagingInfo?.idCursor);
    const res = await this.read(rpc, o, (node, opts) =>
      node.queryEnvelopes(
        { query: { topics: [topic], lastSeen: toCursor(lastSeen) }, limit },
        opts,
      ),
    );
    const seen = new Set<string>();
    const messages: SequencedWelcomeMessage[] = [];
    // Server order, as libxmtp (no client-side sort for welcomes).
    for (const env of res.envelopes) {
      const e = this.unwrap(rpc, env, topic);
      if (!e || e.sequenceId <= (lastSeen.get(e.originatorId) ?? 0n)) continue;
      const k = `${e.originatorId}:${e.sequenceId}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const item = this.welcomeMessage(rpc, e, key);
      if (item) messages.push(item.message);
    }
    return create(QueryWelcomeMessagesResponseSchema, {
      messages,
      pagingInfo: {
        direction: SortDirection.ASCENDING,
        limit,
        idCursor: res.envelopes.length >= limit ? (messages.at(-1)?.version.value?.id ?? 0n) : 0n,
      },
    });
  }

  async getNewestGroupMessage(
    req: GetNewestGroupMessageRequest,
    o?: CallOptions,
  ): Promise<GetNewestGroupMessageResponse> {
    const topics = req.groupIds.map((id, i) =>
      topicOrThrow("GetNewestGroupMessage", () => groupMessagesTopic(id), `group id ${i}`),
    );
    const results = await this.newest(topics, o);
    return create(GetNewestGroupMessageResponseSchema, {
      responses: results.map((env, i) => {
        const groupId = req.groupIds[i] as Uint8Array;
        const e = env && this.unwrap(RPC.newest, env, topics[i]);
        const item = e && this.groupMessage(RPC.newest, e, groupId);
        if (!item) return {};
        const message = item.message;
        if (!req.includeContent && message.version.case === "v1") {
          const v = message.version.value;
          v.data = new Uint8Array();
          v.senderHmac = new Uint8Array();
          v.shouldPush = false;
        }
        return { groupMessage: message };
      }),
    });
  }

  async fetchKeyPackages(
    req: FetchKeyPackagesRequest,
    o?: CallOptions,
  ): Promise<FetchKeyPackagesResponse> {
    const topics = req.installationKeys.map((key, i) =>
      topicOrThrow("FetchKeyPackages", () => keyPackagesTopic(key), `installation key ${i}`),
    );
    const results = await this.newest(topics, o);
    return create(FetchKeyPackagesResponseSchema, {
      keyPackages: results.map((env, i) => {
        const none = { keyPackageTlsSerialized: new Uint8Array() };
        const topic = topics[i] as Uint8Array;
        const e = env && this.unwrap(RPC.newest, env, topic);
        if (!e) return none;
        const info = {
          rpc: RPC.newest,
          topic,
          originatorId: e.originatorId,
          sequenceId: e.sequenceId,
        };
        if (e.payload.case !== "uploadKeyPackage") {
          this.skip(badEnvelope(RPC.newest, `expected a key package, got ${e.payload.case}`), info);
          return none;
        }
        const tls = e.payload.value.keyPackage?.keyPackageTlsSerialized ?? new Uint8Array();
        try {
          if (!bytesEqual(keyPackageSignatureKey(tls), req.installationKeys[i] as Uint8Array)) {
            throw new Error("its signature key is not the installation key asked for");
          }
        } catch (err) {
          this.skip(
            badEnvelope(RPC.newest, `bad key package (${(err as Error).message})`, err),
            info,
          );
          return none;
        }
        return { keyPackageTlsSerialized: tls };
      }),
    });
  }

  async getIdentityUpdates(
    req: GetIdentityUpdatesRequest,
    o?: CallOptions,
  ): Promise<GetIdentityUpdatesResponse> {
    const rpc = RPC.query;
    const since = new Map<string, bigint>();
    for (const r of req.requests) {
      const prev = since.get(r.inboxId);
      if (prev === undefined || r.sequenceId < prev) since.set(r.inboxId, r.sequenceId);
    }
    const inboxes = [...since.keys()];
    const topics = new Map(
      inboxes.map((id) => [
        id,
        topicOrThrow(
          "GetIdentityUpdates",
          () => identityUpdatesTopic(id),
          `inbox id ${JSON.stringify(id)}`,
        ),
      ]),
    );
    const logs = new Map<string, GetIdentityUpdatesResponse_IdentityUpdateLog[]>();
    for (const part of chunks(inboxes, IDENTITY_UPDATES_CHUNK)) {
      const min = part.reduce(
        (m, id) => {
          const s = since.get(id) ?? 0n;
          return s < m ? s : m;
        },
        since.get(part[0] as string) ?? 0n,
      );
      const cursor = new Map<number, bigint>([[Originator.InboxLog, min]]);
      const seen = new Set<string>();
      for (;;) {
        const res = await this.read(rpc, o, (node, opts) =>
          node.queryEnvelopes(
            {
              query: {
                topics: part.map((id) => topics.get(id) as Uint8Array),
                lastSeen: toCursor(cursor),
              },
              limit: 0,
            },
            opts,
          ),
        );
        let advanced = false;
        for (const env of res.envelopes) {
          const e = this.unwrap(rpc, env);
          if (!e) continue;
          if (e.sequenceId > (cursor.get(e.originatorId) ?? 0n)) {
            cursor.set(e.originatorId, e.sequenceId);
            advanced = true;
          }
          const k = `${e.originatorId}:${e.sequenceId}`;
          if (seen.has(k)) continue;
          seen.add(k);
          if (e.payload.case !== "identityUpdate") {
            this.skip(badEnvelope(rpc, `expected an identity update, got ${e.payload.case}`), {
              rpc,
              originatorId: e.originatorId,
              sequenceId: e.sequenceId,
            });
            continue;
          }
          const update = e.payload.value;
          const after = since.get(update.inboxId);
          if (after === undefined || e.sequenceId <= after) continue;
          const list = logs.get(update.inboxId) ?? [];
          list.push(
            create(GetIdentityUpdatesResponse_IdentityUpdateLogSchema, {
              sequenceId: e.sequenceId,
              serverTimestampNs: createdNs(e),
              update,
            }),
          );
          logs.set(update.inboxId, list);
        }
        if (res.envelopes.length < NODE_PAGE_LIMIT || !advanced) break;
      }
    }
    return create(GetIdentityUpdatesResponseSchema, {
      responses: req.requests.map((r) => ({
        inboxId: r.inboxId,
        updates: (logs.get(r.inboxId) ?? []).filter((u) => u.sequenceId > r.sequenceId),
      })),
    });
  }

  async getInboxIds(req: GetInboxIdsRequest, o?: CallOptions): Promise<GetInboxIdsResponse> {
    const res = await this.read(RPC.inboxIds, o, (node, opts) =>
      node.getInboxIds(
        {
          requests: req.requests.map((r) => ({
            identifier: r.identifier,
            identifierKind: r.identifierKind,
          })),
        },
        opts,
      ),
    );
    const found = new Map<string, string | undefined>();
    for (const r of res.responses) {
      if (r.inboxId !== undefined || !found.has(r.identifier)) found.set(r.identifier, r.inboxId);
    }
    return create(GetInboxIdsResponseSchema, {
      responses: req.requests.map((r) => {
        const inboxId = found.get(r.identifier) ?? found.get(r.identifier.toLowerCase());
        return {
          identifier: r.identifier,
          identifierKind: r.identifierKind,
          ...(inboxId === undefined ? {} : { inboxId }),
        };
      }),
    });
  }

  async verifySmartContractWalletSignatures(
    _req: VerifySmartContractWalletSignaturesRequest,
    _o?: CallOptions,
  ): Promise<VerifySmartContractWalletSignaturesResponse> {
    throw unsupported(
      "VerifySmartContractWalletSignatures",
      "the decentralized network has no such endpoint; verify ERC-1271/6492 signatures against a chain RPC yourself (as libxmtp does)",
    );
  }

  // --- streams (node) ---

  subscribeGroupMessages(
    req: SubscribeGroupMessagesRequest,
    o?: SubscribeCallOptions,
  ): AsyncIterable<GroupMessage> {
    const filters = () =>
      req.filters.map((f, i) => ({
        topic: topicOrThrow(
          "SubscribeGroupMessages",
          () => groupMessagesTopic(f.groupId),
          `filter ${i}`,
        ),
        key: toHex(f.groupId),
        cursor: lastSeenOr(o?.lastSeen?.[i], f.idCursor),
      }));
    return this.subscribe(filters, o, true, (e) => {
      const item = this.groupMessage(RPC.subscribe, e);
      const groupId = item?.message.version.value?.groupId;
      return item && groupId && { key: toHex(groupId), item };
    });
  }

  subscribeWelcomeMessages(
    req: SubscribeWelcomeMessagesRequest,
    o?: SubscribeCallOptions,
  ): AsyncIterable<WelcomeMessage> {
    const filters = () =>
      req.filters.map((f, i) => ({
        topic: topicOrThrow(
          "SubscribeWelcomeMessages",
          () => welcomeMessagesTopic(f.installationKey),
          `filter ${i}`,
        ),
        key: toHex(f.installationKey),
        cursor: lastSeenOr(o?.lastSeen?.[i], f.idCursor),
      }));
    return this.subscribe(filters, o, false, (e) => {
      const item = this.welcomeMessage(RPC.subscribe, e);
      const key = item?.message.version.value?.installationKey;
      return item && key && { key: toHex(key), item };
    });
  }

  /**
   * One SubscribeEnvelopes per ≤10 000 topics from the lowest common cursor; each envelope is
   * then checked against its own topic's cursor, and (group messages) held until its parent came.
   */
  private async *subscribe<M>(
    prepare: () => { topic: Uint8Array; key: string; cursor: Map<number, bigint> }[],
    o: SubscribeCallOptions | undefined,
    causal: boolean,
    classify: (e: ReceivedEnvelope) => { key: string; item: Item<M> } | undefined,
  ): AsyncGenerator<M> {
    const signal = o?.signal;
    // Bad filters fail the iteration, not the call that made the iterable.
    const filters = prepare();
    if (signal?.aborted || filters.length === 0) return;
    // Per topic: the lowest of its filters' cursors (a topic may be asked for twice).
    const seeds = new Map<string, { topic: Uint8Array; cursors: VectorCursor[] }>();
    for (const f of filters) {
      const k = f.key;
      const s = seeds.get(k) ?? { topic: f.topic, cursors: [] };
      s.cursors.push(f.cursor);
      seeds.set(k, s);
    }
    const clocks = new Map([...seeds].map(([k, s]) => [k, lowestCommonCursor(s.cursors)]));
    const orderer = new StreamOrderer<Item<M>>(
      clocks,
      this.options.iceboxCapacity ?? DEFAULT_ICEBOX_CAPACITY,
    );
    const internal = new AbortController();
    const onAbort = () => internal.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const node = await this.replication(signal);
      const parts = chunks([...seeds.keys()], MAX_TOPICS_PER_QUERY);
      let opened = 0;
      const onOpen = o?.onOpen;
      const onHeader = () => {
        if (++opened === parts.length) onOpen?.();
      };
      const streams = parts.map((keys) =>
        node.subscribeEnvelopes(
          {
            query: {
              topics: keys.map((k) => seeds.get(k)?.topic as Uint8Array),
              lastSeen: toCursor(
                lowestCommonCursor(keys.map((k) => clocks.get(k) as VectorCursor)),
              ),
            },
          },
          { ...this.opts(o, false, onHeader), signal: internal.signal },
        ),
      );
      for await (const frame of merge(streams)) {
        this.chooser.report(undefined);
        const batch: { topic: string; envelope: Item<M> }[] = [];
        for (const env of frame.envelopes) {
          const e = this.unwrap(RPC.subscribe, env);
          const c = e && classify(e);
          if (!c) continue;
          if (!seeds.has(c.key)) {
            this.skip(
              badEnvelope(RPC.subscribe, "it belongs to a topic this stream did not ask for"),
              {
                rpc: RPC.subscribe,
                originatorId: c.item.originatorId,
                sequenceId: c.item.sequenceId,
              },
            );
            continue;
          }
          batch.push({
            topic: c.key,
            envelope: causal ? c.item : { ...c.item, dependsOn: new Map() },
          });
        }
        if (batch.length === 0) continue;
        const released = orderer.push(batch, { sort: causal });
        for (const item of released) yield item.message;
      }
    } catch (e) {
      // An abort by the caller ends the stream cleanly, whatever the transport reports for it.
      if (signal?.aborted) return;
      const error: ApiError = toApiError(e, RPC.subscribe, false);
      this.chooser.report(error);
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      internal.abort();
    }
  }
}
