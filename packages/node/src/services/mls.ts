// xmtp.mls.api.v1.MlsApi with the semantics of xmtp-node-go (pkg/mls/api/v1/service.go).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { RecoverableEd25519SignatureSchema } from "@x/proto/identity/associations";
import {
  type BatchPublishCommitLogRequest,
  type BatchQueryCommitLogRequest,
  BatchQueryCommitLogResponseSchema,
  type FetchKeyPackagesRequest,
  FetchKeyPackagesResponseSchema,
  type GetNewestGroupMessageRequest,
  GetNewestGroupMessageResponseSchema,
  type GroupMessage,
  type QueryGroupMessagesRequest,
  QueryGroupMessagesResponseSchema,
  type QueryWelcomeMessagesRequest,
  QueryWelcomeMessagesResponseSchema,
  RegisterInstallationResponseSchema,
  type SendGroupMessagesRequest,
  type SendWelcomeMessagesRequest,
  SortDirection,
  type SubscribeGroupMessagesRequest,
  type SubscribeWelcomeMessagesRequest,
  type UploadKeyPackageRequest,
  type WelcomeMessage,
} from "@x/proto/mls/api/v1";
import {
  WelcomePointerWrapperAlgorithm,
  WelcomeWrapperAlgorithm,
} from "@x/proto/mls/message_contents";
import type { Broker } from "../broker.js";
import { parseGroupMessage } from "../mls/group-message.js";
import { InvalidKeyPackageError, validateKeyPackage } from "../mls/key-package.js";
import type {
  NewGroupMessage,
  NewWelcome,
  NodeStore,
  StoredGroupMessage,
  StoredWelcome,
} from "../store/store.js";
import { AsyncQueue, Mutex, QueueOverflowError } from "../sync.js";
import { groupMessage, hex, paging, pagingInfo, welcomeMessage } from "./convert.js";
import { checkCount, REQUEST_LIMITS } from "./limits.js";

/** node-go: at most 10 commit-log entries per publish, 20 queries per batch. */
export const MAX_COMMIT_LOG_PUBLISH = 10;
export const MAX_COMMIT_LOG_QUERIES = 20;
/** Unread live messages a subscription may hold before it is ended with Aborted. */
export const SUBSCRIPTION_BUFFER = 1_000;
/** …and at most this many bytes of them: past either, the subscription ends (Aborted) and the
 * client resubscribes from its cursor, so nothing is lost and a reader that stalls costs little. */
export const SUBSCRIPTION_BUFFER_BYTES = 8 * 1024 * 1024;

const invalid = (message: string) => new ConnectError(message, Code.InvalidArgument);

export interface MlsServiceDeps {
  store: NodeStore;
  groupBroker: Broker<StoredGroupMessage>;
  welcomeBroker: Broker<StoredWelcome>;
  /** Nanoseconds since the Unix epoch. */
  now: () => bigint;
  /**
   * Stored rows reach the brokers some other way (nodes sharing a Postgres database: through
   * the database's notifications, which keep each topic in id order across nodes).
   */
  publishedElsewhere?: boolean;
}

/** The bytes a stored row holds (its payload), for the subscription buffer's bound. */
function rowBytes(row: object): number {
  const data = (row as { data?: unknown }).data;
  return data instanceof Uint8Array ? data.length + 64 : 64;
}

export class MlsService {
  // Ids are assigned at insert; publishing under one lock per table keeps live delivery in id
  // order, so a subscriber never sees id N+1 before id N.
  private readonly groupWrites = new Mutex();
  private readonly welcomeWrites = new Mutex();
  private readonly commitLogWrites = new Mutex();

  constructor(private readonly deps: MlsServiceDeps) {}

  async sendGroupMessages(req: SendGroupMessagesRequest): Promise<void> {
    if (req.messages.length === 0) throw invalid("no group messages to send");
    checkCount("SendGroupMessages messages", req.messages.length, REQUEST_LIMITS.groupMessages);
    // Validate the whole batch first: an invalid message stores nothing.
    const parsed: NewGroupMessage[] = req.messages.map((m, i) => {
      if (m.version.case !== "v1") throw invalid(`group message ${i} has no v1 payload`);
      const v1 = m.version.value;
      if (v1.data.length === 0) throw invalid(`group message ${i} has no data`);
      let info: ReturnType<typeof parseGroupMessage>;
      try {
        info = parseGroupMessage(v1.data);
      } catch (e) {
        throw invalid(`invalid group message ${i}: ${(e as Error).message}`);
      }
      return {
        groupId: info.groupId.slice(),
        data: v1.data,
        senderHmac: v1.senderHmac,
        shouldPush: v1.shouldPush,
        isCommit: info.isCommit,
      };
    });
    await this.groupWrites.run(async () => {
      const stored = await this.deps.store.insertGroupMessages(parsed, this.deps.now());
      if (this.deps.publishedElsewhere) return;
      for (const m of stored) this.deps.groupBroker.publish(hex(m.groupId), m);
    });
  }

  async sendWelcomeMessages(req: SendWelcomeMessagesRequest): Promise<void> {
    if (req.messages.length === 0) throw invalid("no welcome messages to send");
    checkCount("SendWelcomeMessages welcomes", req.messages.length, REQUEST_LIMITS.welcomeMessages);
    const welcomes: NewWelcome[] = req.messages.map((m, i) => {
      if (m.version.case === "v1") {
        const v = m.version.value;
        if (v.installationKey.length === 0) throw invalid(`welcome ${i} has no installation key`);
        if (v.data.length === 0) throw invalid(`welcome ${i} has no data`);
        if (
          v.hpkePublicKey.length === 0 &&
          v.wrapperAlgorithm !== WelcomeWrapperAlgorithm.SYMMETRIC_KEY
        ) {
          throw invalid(`welcome ${i} has no HPKE public key`);
        }
        return {
          kind: "v1",
          installationKey: v.installationKey,
          data: v.data,
          hpkePublicKey: v.hpkePublicKey,
          wrapperAlgorithm: v.wrapperAlgorithm,
          welcomeMetadata: v.welcomeMetadata,
        };
      }
      if (m.version.case === "welcomePointer") {
        const p = m.version.value;
        if (p.installationKey.length === 0)
          throw invalid(`welcome pointer ${i} has no installation key`);
        if (p.welcomePointer.length === 0) throw invalid(`welcome pointer ${i} has no pointer`);
        if (p.hpkePublicKey.length === 0)
          throw invalid(`welcome pointer ${i} has no HPKE public key`);
        if (p.wrapperAlgorithm !== WelcomePointerWrapperAlgorithm.XWING_MLKEM_768_DRAFT_6) {
          throw invalid(`welcome pointer ${i} must be wrapped with X-Wing (algorithm 2)`);
        }
        return {
          kind: "pointer",
          installationKey: p.installationKey,
          data: p.welcomePointer,
          hpkePublicKey: p.hpkePublicKey,
          wrapperAlgorithm: p.wrapperAlgorithm,
          welcomeMetadata: new Uint8Array(),
        };
      }
      throw invalid(`welcome ${i} has neither v1 nor welcome_pointer`);
    });
    await this.welcomeWrites.run(async () => {
      const stored = await this.deps.store.insertWelcomes(welcomes, this.deps.now());
      if (this.deps.publishedElsewhere) return;
      for (const w of stored) this.deps.welcomeBroker.publish(hex(w.installationKey), w);
    });
  }

  /** Validates and stores a key package; returns its installation key. */
  async uploadKeyPackage(req: Pick<UploadKeyPackageRequest, "keyPackage">): Promise<Uint8Array> {
    const bytes = req.keyPackage?.keyPackageTlsSerialized;
    if (!bytes || bytes.length === 0) throw invalid("no key package");
    const now = this.deps.now();
    let kp: ReturnType<typeof validateKeyPackage>;
    try {
      kp = validateKeyPackage(bytes, now / 1_000_000_000n);
    } catch (e) {
      if (e instanceof InvalidKeyPackageError) throw invalid(`invalid identity: ${e.message}`);
      throw e;
    }
    await this.deps.store.upsertKeyPackage(kp.installationKey, kp.inboxId, bytes, now);
    return kp.installationKey;
  }

  async registerInstallation(req: Pick<UploadKeyPackageRequest, "keyPackage">) {
    const installationKey = await this.uploadKeyPackage(req);
    return create(RegisterInstallationResponseSchema, { installationKey });
  }

  async fetchKeyPackages(req: FetchKeyPackagesRequest) {
    checkCount(
      "FetchKeyPackages installation keys",
      req.installationKeys.length,
      REQUEST_LIMITS.keyPackageRequests,
    );
    const found = await this.deps.store.fetchKeyPackages(req.installationKeys);
    return create(FetchKeyPackagesResponseSchema, {
      keyPackages: found.map((kp) => ({ keyPackageTlsSerialized: kp ?? new Uint8Array() })),
    });
  }

  async queryGroupMessages(req: QueryGroupMessagesRequest) {
    if (req.groupId.length === 0) throw invalid("group_id is required");
    const page = await this.deps.store.queryGroupMessages(req.groupId, paging(req.pagingInfo));
    return create(QueryGroupMessagesResponseSchema, {
      messages: page.rows.map((m) => groupMessage(m)),
      pagingInfo: pagingInfo(page),
    });
  }

  async queryWelcomeMessages(req: QueryWelcomeMessagesRequest) {
    if (req.installationKey.length === 0) throw invalid("installation_key is required");
    const page = await this.deps.store.queryWelcomes(req.installationKey, paging(req.pagingInfo));
    return create(QueryWelcomeMessagesResponseSchema, {
      messages: page.rows.map(welcomeMessage),
      pagingInfo: pagingInfo(page),
    });
  }

  async getNewestGroupMessage(req: GetNewestGroupMessageRequest) {
    if (req.groupIds.length === 0) throw invalid("no group ids");
    const newest = await this.deps.store.newestGroupMessages(req.groupIds);
    return create(GetNewestGroupMessageResponseSchema, {
      responses: newest.map((m) => ({
        groupMessage: m ? groupMessage(m, req.includeContent) : undefined,
      })),
    });
  }

  async batchPublishCommitLog(req: BatchPublishCommitLogRequest): Promise<void> {
    const n = req.requests.length;
    if (n === 0 || n > MAX_COMMIT_LOG_PUBLISH) {
      throw invalid(`a commit-log batch holds 1..${MAX_COMMIT_LOG_PUBLISH} entries, got ${n}`);
    }
    const entries = req.requests.map((r, i) => {
      if (r.groupId.length === 0) throw invalid(`commit-log entry ${i} has no group id`);
      if (r.serializedCommitLogEntry.length === 0) throw invalid(`commit-log entry ${i} is empty`);
      if (!r.signature) throw invalid(`commit-log entry ${i} has no signature`);
      return {
        groupId: r.groupId,
        entry: r.serializedCommitLogEntry,
        signature: toBinary(RecoverableEd25519SignatureSchema, r.signature),
      };
    });
    await this.commitLogWrites.run(() =>
      this.deps.store.insertCommitLogEntries(entries, this.deps.now()),
    );
  }

  async batchQueryCommitLog(req: BatchQueryCommitLogRequest) {
    const n = req.requests.length;
    if (n === 0 || n > MAX_COMMIT_LOG_QUERIES) {
      throw invalid(
        `a commit-log query batch holds 1..${MAX_COMMIT_LOG_QUERIES} queries, got ${n}`,
      );
    }
    for (const [i, q] of req.requests.entries()) {
      if (q.groupId.length === 0) throw invalid(`commit-log query ${i} has no group id`);
      if (q.pagingInfo?.direction === SortDirection.DESCENDING) {
        throw invalid(`commit-log query ${i}: the commit log is served ascending only`);
      }
    }
    const responses = await Promise.all(
      req.requests.map(async (q) => {
        const page = await this.deps.store.queryCommitLog(q.groupId, {
          limit: q.pagingInfo?.limit,
          cursor: q.pagingInfo?.idCursor,
        });
        return {
          groupId: q.groupId,
          commitLogEntries: page.rows.map((r) => ({
            sequenceId: r.id,
            serializedCommitLogEntry: r.entry,
            signature: fromBinary(RecoverableEd25519SignatureSchema, r.signature),
          })),
          pagingInfo: pagingInfo(page),
        };
      }),
    );
    return create(BatchQueryCommitLogResponseSchema, { responses });
  }

  /**
   * Starts a group-message subscription. Resolves once the request is accepted and the live
   * listener is registered (so the transport can send headers at once); the iterable then
   * yields stored messages after each cursor and continues live, without gaps or duplicates.
   */
  async subscribeGroupMessages(
    req: SubscribeGroupMessagesRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<GroupMessage>> {
    checkCount(
      "SubscribeGroupMessages filters",
      req.filters.length,
      REQUEST_LIMITS.subscribeFilters,
    );
    const cursors = new Map<string, { key: Uint8Array; cursor: bigint }>();
    for (const f of req.filters) mergeCursor(cursors, f.groupId, f.idCursor);
    return this.subscribe(
      cursors,
      signal,
      this.deps.groupBroker,
      async (key, cursor) => {
        const page = await this.deps.store.queryGroupMessages(key, { direction: "asc", cursor });
        return page;
      },
      (m) => groupMessage(m),
    );
  }

  async subscribeWelcomeMessages(
    req: SubscribeWelcomeMessagesRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<WelcomeMessage>> {
    if (req.filters.length === 0) throw invalid("no welcome filters");
    checkCount(
      "SubscribeWelcomeMessages filters",
      req.filters.length,
      REQUEST_LIMITS.subscribeFilters,
    );
    const cursors = new Map<string, { key: Uint8Array; cursor: bigint }>();
    for (const [i, f] of req.filters.entries()) {
      if (f.installationKey.length === 0)
        throw invalid(`welcome filter ${i} has no installation key`);
      mergeCursor(cursors, f.installationKey, f.idCursor);
    }
    return this.subscribe(
      cursors,
      signal,
      this.deps.welcomeBroker,
      (key, cursor) => this.deps.store.queryWelcomes(key, { direction: "asc", cursor }),
      welcomeMessage,
    );
  }

  private subscribe<Row extends { id: bigint }, Out>(
    cursors: Map<string, { key: Uint8Array; cursor: bigint }>,
    signal: AbortSignal,
    broker: Broker<Row>,
    page: (key: Uint8Array, cursor: bigint) => Promise<{ rows: Row[]; nextCursor: bigint }>,
    toWire: (row: Row) => Out,
  ): AsyncIterable<Out> {
    // Listen before catching up: rows stored meanwhile arrive through the queue, and the per-topic
    // high-water mark drops the ones catch-up already sent.
    const queue = new AsyncQueue<[string, Row]>(
      SUBSCRIPTION_BUFFER,
      SUBSCRIPTION_BUFFER_BYTES,
      ([, row]) => rowBytes(row),
    );
    const unsubscribe = broker.subscribe(cursors.keys(), (topic, row) => queue.push([topic, row]));
    const onAbort = () => {
      queue.close();
      unsubscribe();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) queue.close();
    async function* run(): AsyncGenerator<Out> {
      try {
        const seen = new Map<string, bigint>();
        for (const [topic, { key, cursor }] of cursors) {
          let from = cursor;
          for (;;) {
            if (signal.aborted) return;
            const { rows, nextCursor } = await page(key, from);
            for (const row of rows) yield toWire(row);
            from = rows.at(-1)?.id ?? from;
            if (nextCursor === 0n) break;
          }
          seen.set(topic, from);
        }
        for await (const [topic, row] of queue) {
          if (row.id <= (seen.get(topic) ?? 0n)) continue;
          seen.set(topic, row.id);
          yield toWire(row);
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

function mergeCursor(
  cursors: Map<string, { key: Uint8Array; cursor: bigint }>,
  key: Uint8Array,
  cursor: bigint,
): void {
  const topic = hex(key);
  const prev = cursors.get(topic);
  if (!prev || cursor < prev.cursor) cursors.set(topic, { key, cursor });
}
