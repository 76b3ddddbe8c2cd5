// The API the client uses: retries, batching and chunking as libxmtp's ApiClientWrapper does,
// and auto-paging queries (ascending, 100 per page, from a cursor).
import { create, toBinary } from "@bufbuild/protobuf";
import {
  GetIdentityUpdatesRequestSchema,
  type GetIdentityUpdatesResponse_Response,
  GetInboxIdsRequestSchema,
  PublishIdentityUpdateRequestSchema,
  type VerifySmartContractWalletSignaturesRequest,
  type VerifySmartContractWalletSignaturesResponse,
} from "@x/proto/identity/api/v1";
import { IdentifierKind, type IdentityUpdate } from "@x/proto/identity/associations";
import {
  BatchPublishCommitLogRequestSchema,
  BatchQueryCommitLogRequestSchema,
  FetchKeyPackagesRequestSchema,
  GetNewestGroupMessageRequestSchema,
  type GroupMessage,
  type GroupMessageInput,
  type PublishCommitLogRequest,
  type QueryCommitLogRequest,
  type QueryCommitLogResponse,
  QueryGroupMessagesRequestSchema,
  QueryWelcomeMessagesRequestSchema,
  SendGroupMessagesRequestSchema,
  SendWelcomeMessagesRequestSchema,
  SortDirection,
  SubscribeGroupMessagesRequestSchema,
  SubscribeWelcomeMessagesRequestSchema,
  UploadKeyPackageRequestSchema,
  type WelcomeMessage,
  type WelcomeMessageInput,
  WelcomeMessageInputSchema,
} from "@x/proto/mls/api/v1";
import { chunks, welcomeChunkSize } from "./chunk.js";
import {
  type CallOptions,
  originatorOf,
  type SendCallOptions,
  type VectorCursor,
  type XmtpApiClient,
} from "./client.js";
import { ApiError } from "./errors.js";
import { DEFAULT_RETRY_POLICY, type RetryHooks, type RetryPolicy, withRetry } from "./retry.js";

/** libxmtp's MAX_PAGE_SIZE and the node's maximum. */
export const PAGE_SIZE = 100;
/** libxmtp's GET_IDENTITY_UPDATES_CHUNK_SIZE. */
export const IDENTITY_UPDATES_CHUNK_SIZE = 50;
/**
 * Installations per FetchKeyPackages request: libxmtp asks for all of a commit's new
 * installations in one request, so we chunk only past its largest group size (400).
 */
export const KEY_PACKAGES_CHUNK_SIZE = 400;
/** The node accepts at most 10 commit-log entries per publish and 20 queries per batch. */
export const COMMIT_LOG_PUBLISH_BATCH = 10;
export const COMMIT_LOG_QUERY_BATCH = 20;
/** libxmtp asks for the newest message of at most 1000 groups per request. */
export const NEWEST_MESSAGE_BATCH = 1000;

export interface XmtpApiOptions {
  retry?: Partial<RetryPolicy>;
  /** Page size for auto-paging queries (1..100). */
  pageSize?: number;
  /** Test hooks for the retry timer and jitter. */
  sleep?: RetryHooks["sleep"];
  random?: RetryHooks["random"];
  onRetry?: RetryHooks["onRetry"];
}

export interface QueryOptions extends CallOptions {
  /** Return only items with an id greater than this (0 = from the start); v3 only. */
  cursor?: bigint;
  /**
   * Return only items past this vector cursor (originator -> last sequence id seen). On v3
   * nodes originator 0's entry is the id cursor; d14n APIs use every entry.
   */
  lastSeen?: VectorCursor;
}

/** A stream filter: the topic and where it starts (see QueryOptions). */
export interface StreamFilterCursor {
  cursor?: bigint;
  lastSeen?: VectorCursor;
}

const startId = (o: StreamFilterCursor): bigint => o.lastSeen?.get(0) ?? o.cursor ?? 0n;

export interface Identifier {
  identifier: string;
  kind: IdentifierKind;
}

export interface InboxIdLookup extends Identifier {
  /** Undefined when no inbox holds the identifier. */
  inboxId: string | undefined;
}

const idOf = (m: GroupMessage | WelcomeMessage): bigint => m.version.value?.id ?? 0n;

/**
 * A v3 page as the protocol promises it: ascending ids after the cursor, each once. A node that
 * answers out of order would otherwise make a reader skip what comes after a higher id, for good
 * (its cursor moves past them).
 */
function inIdOrder<T extends GroupMessage | WelcomeMessage>(messages: T[], after: bigint): T[] {
  let ordered = true;
  let prev = after;
  for (const m of messages) {
    if (idOf(m) <= prev) {
      ordered = false;
      break;
    }
    prev = idOf(m);
  }
  if (ordered) return messages;
  const seen = new Set<bigint>();
  return [...messages]
    .sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0))
    .filter((m) => {
      const id = idOf(m);
      if (id <= after || seen.has(id)) return false;
      seen.add(id);
      return true;
    });
}

/** Each filter's vector cursor (a v3 id cursor is originator 0's entry). */
const vectors = (filters: readonly StreamFilterCursor[]): VectorCursor[] =>
  filters.map((f) => f.lastSeen ?? new Map(f.cursor ? [[0, f.cursor]] : []));

export class XmtpApi {
  readonly policy: RetryPolicy;
  readonly pageSize: number;

  constructor(
    readonly client: XmtpApiClient,
    private readonly options: XmtpApiOptions = {},
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const pageSize = options.pageSize ?? PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > PAGE_SIZE) {
      throw new RangeError(`pageSize must be an integer in 1..${PAGE_SIZE}, got ${pageSize}`);
    }
    this.pageSize = pageSize;
  }

  private retry<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(call, this.policy, {
      signal,
      sleep: this.options.sleep,
      random: this.options.random,
      onRetry: this.options.onRetry,
    });
  }

  // --- key packages ---

  /** Uploads a TLS-serialized key package (always with an inbox-id credential, as libxmtp). */
  uploadKeyPackage(keyPackage: Uint8Array, options: CallOptions = {}): Promise<void> {
    const request = create(UploadKeyPackageRequestSchema, {
      keyPackage: { keyPackageTlsSerialized: keyPackage },
      isInboxIdCredential: true,
    });
    return this.retry(() => this.client.uploadKeyPackage(request, options), options.signal);
  }

  /**
   * The latest key package of each installation, in the order asked (undefined when the node
   * has none). Batched per 100 installations; a response of the wrong length is an error.
   */
  async fetchKeyPackages(
    installationKeys: Uint8Array[],
    options: CallOptions = {},
  ): Promise<(Uint8Array | undefined)[]> {
    const parts = await Promise.all(
      chunks(installationKeys, KEY_PACKAGES_CHUNK_SIZE).map(async (keys) => {
        const request = create(FetchKeyPackagesRequestSchema, { installationKeys: keys });
        const res = await this.retry(
          () => this.client.fetchKeyPackages(request, options),
          options.signal,
        );
        if (res.keyPackages.length !== keys.length) {
          throw ApiError.badResponse(
            `asked for ${keys.length} key packages, got ${res.keyPackages.length}`,
            { rpc: "xmtp.mls.api.v1.MlsApi/FetchKeyPackages" },
          );
        }
        return res.keyPackages.map((kp) =>
          kp.keyPackageTlsSerialized.length > 0 ? kp.keyPackageTlsSerialized : undefined,
        );
      }),
    );
    return parts.flat();
  }

  // --- sending ---

  /** `options.dependsOn`: the sender's last processed commit cursor (d14n `depends_on`). */
  sendGroupMessages(messages: GroupMessageInput[], options: SendCallOptions = {}): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const request = create(SendGroupMessagesRequestSchema, { messages });
    return this.retry(() => this.client.sendGroupMessages(request, options), options.signal);
  }

  /**
   * Sends welcomes in requests that stay under the 25 MiB message limit (at most 400 each),
   * concurrently, as libxmtp does.
   */
  async sendWelcomeMessages(
    messages: WelcomeMessageInput[],
    options: CallOptions = {},
  ): Promise<void> {
    if (messages.length === 0) return;
    const largest = Math.max(...messages.map((m) => toBinary(WelcomeMessageInputSchema, m).length));
    await Promise.all(
      chunks(messages, welcomeChunkSize(largest)).map((part) => {
        const request = create(SendWelcomeMessagesRequestSchema, { messages: part });
        return this.retry(() => this.client.sendWelcomeMessages(request, options), options.signal);
      }),
    );
  }

  // --- queries ---

  /** Pages of a group's messages after the cursor, ascending, until the last page. */
  groupMessagePages(
    groupId: Uint8Array,
    options: QueryOptions = {},
  ): AsyncGenerator<GroupMessage[]> {
    return this.pages(options, (pagingInfo, lastSeen) =>
      this.client.queryGroupMessages(
        create(QueryGroupMessagesRequestSchema, { groupId, pagingInfo }),
        { ...options, lastSeen },
      ),
    );
  }

  /**
   * Ascending pages from the cursor (exclusive), stopping after a short page or when the node
   * says there is no more (id_cursor 0), as libxmtp pages. On an originator-aware API the next
   * page starts after the vector cursor moved past every message received so far.
   */
  private async *pages<T extends GroupMessage | WelcomeMessage>(
    options: QueryOptions,
    query: (
      pagingInfo: { direction: SortDirection; limit: number; idCursor: bigint },
      lastSeen: VectorCursor,
    ) => Promise<{ messages: T[]; pagingInfo?: { idCursor: bigint } }>,
  ): AsyncGenerator<T[]> {
    let cursor = startId(options);
    const lastSeen = new Map(options.lastSeen ?? (cursor > 0n ? [[0, cursor]] : []));
    for (;;) {
      const pagingInfo = {
        direction: SortDirection.ASCENDING,
        limit: this.pageSize,
        idCursor: cursor,
      };
      const res = await this.retry(() => query(pagingInfo, new Map(lastSeen)), options.signal);
      // A v3 page is one topic's messages by id; d14n clients order their pages themselves.
      const messages = this.client.originatorAware ? res.messages : inIdOrder(res.messages, cursor);
      if (messages.length > 0) yield messages;
      const last = messages.at(-1);
      if (!last || res.messages.length < this.pageSize || (res.pagingInfo?.idCursor ?? 0n) === 0n)
        return;
      cursor = idOf(last);
      for (const m of res.messages) {
        const o = originatorOf(m);
        if (idOf(m) > (lastSeen.get(o) ?? 0n)) lastSeen.set(o, idOf(m));
      }
    }
  }

  /** Every message of a group after the cursor, ascending. */
  async queryGroupMessages(
    groupId: Uint8Array,
    options: QueryOptions = {},
  ): Promise<GroupMessage[]> {
    const out: GroupMessage[] = [];
    for await (const page of this.groupMessagePages(groupId, options)) out.push(...page);
    return out;
  }

  /** The newest message of a group, or undefined. */
  async queryLatestGroupMessage(
    groupId: Uint8Array,
    options: CallOptions = {},
  ): Promise<GroupMessage | undefined> {
    const request = create(QueryGroupMessagesRequestSchema, {
      groupId,
      pagingInfo: { direction: SortDirection.DESCENDING, limit: 1, idCursor: 0n },
    });
    const res = await this.retry(
      () => this.client.queryGroupMessages(request, options),
      options.signal,
    );
    return res.messages[0];
  }

  /** Pages of an installation's welcomes (and welcome pointers) after the cursor, ascending. */
  welcomeMessagePages(
    installationKey: Uint8Array,
    options: QueryOptions = {},
  ): AsyncGenerator<WelcomeMessage[]> {
    return this.pages(options, (pagingInfo, lastSeen) =>
      this.client.queryWelcomeMessages(
        create(QueryWelcomeMessagesRequestSchema, { installationKey, pagingInfo }),
        { ...options, lastSeen },
      ),
    );
  }

  /** Every welcome (or welcome pointer) for an installation key after the cursor, ascending. */
  async queryWelcomeMessages(
    installationKey: Uint8Array,
    options: QueryOptions = {},
  ): Promise<WelcomeMessage[]> {
    const out: WelcomeMessage[] = [];
    for await (const page of this.welcomeMessagePages(installationKey, options)) out.push(...page);
    return out;
  }

  /**
   * The newest message of each group (undefined where none), in the order asked; metadata only
   * unless `includeContent`. Batched per 1000 groups.
   */
  async getNewestGroupMessages(
    groupIds: Uint8Array[],
    options: CallOptions & { includeContent?: boolean } = {},
  ): Promise<(GroupMessage | undefined)[]> {
    const parts = await Promise.all(
      chunks(groupIds, NEWEST_MESSAGE_BATCH).map(async (ids) => {
        const request = create(GetNewestGroupMessageRequestSchema, {
          groupIds: ids,
          includeContent: options.includeContent ?? false,
        });
        const res = await this.retry(
          () => this.client.getNewestGroupMessage(request, options),
          options.signal,
        );
        if (res.responses.length !== ids.length) {
          throw ApiError.badResponse(
            `asked for ${ids.length} groups, got ${res.responses.length}`,
            {
              rpc: "xmtp.mls.api.v1.MlsApi/GetNewestGroupMessage",
            },
          );
        }
        return res.responses.map((r) => r.groupMessage);
      }),
    );
    return parts.flat();
  }

  // --- commit log ---

  /** Publishes commit-log entries in batches of 10, in order. */
  async publishCommitLog(
    entries: PublishCommitLogRequest[],
    options: CallOptions = {},
  ): Promise<void> {
    for (const batch of chunks(entries, COMMIT_LOG_PUBLISH_BATCH)) {
      const request = create(BatchPublishCommitLogRequestSchema, { requests: batch });
      await this.retry(() => this.client.batchPublishCommitLog(request, options), options.signal);
    }
  }

  /** Queries commit logs in batches of 20, one response per query, in order. */
  async queryCommitLog(
    queries: QueryCommitLogRequest[],
    options: CallOptions = {},
  ): Promise<QueryCommitLogResponse[]> {
    const out: QueryCommitLogResponse[] = [];
    for (const batch of chunks(queries, COMMIT_LOG_QUERY_BATCH)) {
      const request = create(BatchQueryCommitLogRequestSchema, { requests: batch });
      const res = await this.retry(
        () => this.client.batchQueryCommitLog(request, options),
        options.signal,
      );
      out.push(...res.responses);
    }
    return out;
  }

  // --- streams ---

  /** Messages of the groups after each cursor, then live ones, until `options.signal` aborts. */
  subscribeGroupMessages(
    filters: ({ groupId: Uint8Array } & StreamFilterCursor)[],
    options: CallOptions = {},
  ): AsyncIterable<GroupMessage> {
    const request = create(SubscribeGroupMessagesRequestSchema, {
      filters: filters.map((f) => ({ groupId: f.groupId, idCursor: startId(f) })),
    });
    return this.client.subscribeGroupMessages(request, { ...options, lastSeen: vectors(filters) });
  }

  subscribeWelcomeMessages(
    filters: ({ installationKey: Uint8Array } & StreamFilterCursor)[],
    options: CallOptions = {},
  ): AsyncIterable<WelcomeMessage> {
    const request = create(SubscribeWelcomeMessagesRequestSchema, {
      filters: filters.map((f) => ({ installationKey: f.installationKey, idCursor: startId(f) })),
    });
    return this.client.subscribeWelcomeMessages(request, {
      ...options,
      lastSeen: vectors(filters),
    });
  }

  // --- identity ---

  publishIdentityUpdate(update: IdentityUpdate, options: CallOptions = {}): Promise<void> {
    const request = create(PublishIdentityUpdateRequestSchema, { identityUpdate: update });
    return this.retry(() => this.client.publishIdentityUpdate(request, options), options.signal);
  }

  /**
   * Identity updates of each inbox after its sequence id, in chunks of 50 inboxes sent
   * concurrently; one response per inbox, in the order asked.
   */
  async getIdentityUpdates(
    filters: { inboxId: string; sequenceId?: bigint }[],
    options: CallOptions = {},
  ): Promise<GetIdentityUpdatesResponse_Response[]> {
    const parts = await Promise.all(
      chunks(filters, IDENTITY_UPDATES_CHUNK_SIZE).map(async (part) => {
        const request = create(GetIdentityUpdatesRequestSchema, {
          requests: part.map((f) => ({ inboxId: f.inboxId, sequenceId: f.sequenceId ?? 0n })),
        });
        const res = await this.retry(
          () => this.client.getIdentityUpdates(request, options),
          options.signal,
        );
        return res.responses;
      }),
    );
    return parts.flat();
  }

  /** The inbox of each identifier, in the order asked (UNSPECIFIED kinds read as Ethereum). */
  async getInboxIds(
    identifiers: Identifier[],
    options: CallOptions = {},
  ): Promise<InboxIdLookup[]> {
    if (identifiers.length === 0) return [];
    const request = create(GetInboxIdsRequestSchema, {
      requests: identifiers.map((i) => ({ identifier: i.identifier, identifierKind: i.kind })),
    });
    const res = await this.retry(() => this.client.getInboxIds(request, options), options.signal);
    const found = new Map<string, string>();
    for (const r of res.responses) {
      if (r.inboxId !== undefined) found.set(r.identifier, r.inboxId);
    }
    return identifiers.map((i) => ({
      identifier: i.identifier,
      kind: i.kind === IdentifierKind.UNSPECIFIED ? IdentifierKind.ETHEREUM : i.kind,
      inboxId: found.get(i.identifier),
    }));
  }

  verifySmartContractWalletSignatures(
    request: VerifySmartContractWalletSignaturesRequest,
    options: CallOptions = {},
  ): Promise<VerifySmartContractWalletSignaturesResponse> {
    return this.retry(
      () => this.client.verifySmartContractWalletSignatures(request, options),
      options.signal,
    );
  }
}
