// The network interfaces the client uses: every MLS and identity RPC libxmtp calls on the v3
// node (xmtp.mls.api.v1.MlsApi, xmtp.identity.api.v1.IdentityApi). Implementations (gRPC,
// gRPC-web, in-memory fakes) throw `ApiError` and hand streams out as async iterables.

import type {
  GetIdentityUpdatesRequest,
  GetIdentityUpdatesResponse,
  GetInboxIdsRequest,
  GetInboxIdsResponse,
  PublishIdentityUpdateRequest,
  VerifySmartContractWalletSignaturesRequest,
  VerifySmartContractWalletSignaturesResponse,
} from "@x/proto/identity/api/v1";
import type {
  BatchPublishCommitLogRequest,
  BatchQueryCommitLogRequest,
  BatchQueryCommitLogResponse,
  FetchKeyPackagesRequest,
  FetchKeyPackagesResponse,
  GetNewestGroupMessageRequest,
  GetNewestGroupMessageResponse,
  GroupMessage,
  QueryGroupMessagesRequest,
  QueryGroupMessagesResponse,
  QueryWelcomeMessagesRequest,
  QueryWelcomeMessagesResponse,
  SendGroupMessagesRequest,
  SendWelcomeMessagesRequest,
  SubscribeGroupMessagesRequest,
  SubscribeWelcomeMessagesRequest,
  UploadKeyPackageRequest,
  WelcomeMessage,
} from "@x/proto/mls/api/v1";

export interface CallOptions {
  /** Aborting ends the call (a stream ends cleanly, a unary call rejects with api.cancelled). */
  signal?: AbortSignal;
  /** Per-call deadline in milliseconds (a stream's deadline covers its whole life). */
  timeoutMs?: number;
  /**
   * Streams: called once the server has accepted the subscription (its response headers came),
   * before any message. A stream that reconnects counts this as a working connection.
   */
  onOpen?: () => void;
}

/**
 * Last sequence id seen per originator (a vector clock; a missing originator counts as 0).
 * v3 nodes have one sequence per node and read only originator 0; the decentralized network
 * (d14n) sequences commits under 0, identity updates under 1 and everything else under the
 * node that received it, so its cursors need every entry.
 */
export type VectorCursor = ReadonlyMap<number, bigint>;

/**
 * What an originator-aware API adds to the messages it returns. v3 APIs leave both unset:
 * the message's `id` is the node's sequence id under originator 0.
 */
export interface Sequenced {
  /** The originator that sequenced the message; its `id` is the sequence id under it. */
  originatorId?: number;
  /** The commits the sender had processed when it sent this (d14n `depends_on`). */
  dependsOn?: VectorCursor;
}

export type SequencedGroupMessage = GroupMessage & Sequenced;
export type SequencedWelcomeMessage = WelcomeMessage & Sequenced;

/** The originator of a returned message (0 on v3 nodes). */
export const originatorOf = (message: GroupMessage | WelcomeMessage): number =>
  (message as Sequenced).originatorId ?? 0;

/** Query options on originator-aware networks. */
export interface QueryCallOptions extends CallOptions {
  /**
   * Return what comes after this vector cursor. d14n APIs use it instead of the request's
   * `idCursor`; v3 APIs ignore it (the request's `idCursor` is originator 0's entry).
   */
  lastSeen?: VectorCursor;
}

/** Subscription options on originator-aware networks. */
export interface SubscribeCallOptions extends CallOptions {
  /** One vector cursor per filter of the request, in order (d14n); v3 APIs ignore it. */
  lastSeen?: readonly VectorCursor[];
}

/** Send options on originator-aware networks. */
export interface SendCallOptions extends CallOptions {
  /**
   * The cursor of the last commit the sender had processed in the group, sent as every
   * message's `depends_on` on d14n (unset or empty = none); v3 APIs ignore it.
   */
  dependsOn?: VectorCursor;
}

/**
 * `xmtp.mls.api.v1.MlsApi` as libxmtp uses it. An originator-aware implementation (d14n)
 * returns `Sequenced` messages and honours the cursor options.
 */
export interface MlsApiClient {
  uploadKeyPackage(request: UploadKeyPackageRequest, options?: CallOptions): Promise<void>;
  fetchKeyPackages(
    request: FetchKeyPackagesRequest,
    options?: CallOptions,
  ): Promise<FetchKeyPackagesResponse>;
  sendGroupMessages(request: SendGroupMessagesRequest, options?: SendCallOptions): Promise<void>;
  sendWelcomeMessages(request: SendWelcomeMessagesRequest, options?: CallOptions): Promise<void>;
  queryGroupMessages(
    request: QueryGroupMessagesRequest,
    options?: QueryCallOptions,
  ): Promise<QueryGroupMessagesResponse>;
  queryWelcomeMessages(
    request: QueryWelcomeMessagesRequest,
    options?: QueryCallOptions,
  ): Promise<QueryWelcomeMessagesResponse>;
  batchPublishCommitLog(
    request: BatchPublishCommitLogRequest,
    options?: CallOptions,
  ): Promise<void>;
  batchQueryCommitLog(
    request: BatchQueryCommitLogRequest,
    options?: CallOptions,
  ): Promise<BatchQueryCommitLogResponse>;
  getNewestGroupMessage(
    request: GetNewestGroupMessageRequest,
    options?: CallOptions,
  ): Promise<GetNewestGroupMessageResponse>;
  /** Messages after each filter's cursor, then live ones. Ends when `options.signal` aborts. */
  subscribeGroupMessages(
    request: SubscribeGroupMessagesRequest,
    options?: SubscribeCallOptions,
  ): AsyncIterable<GroupMessage>;
  /** Welcomes (and welcome pointers) after each filter's cursor, then live ones. */
  subscribeWelcomeMessages(
    request: SubscribeWelcomeMessagesRequest,
    options?: SubscribeCallOptions,
  ): AsyncIterable<WelcomeMessage>;
}

/** `xmtp.identity.api.v1.IdentityApi`. */
export interface IdentityApiClient {
  publishIdentityUpdate(
    request: PublishIdentityUpdateRequest,
    options?: CallOptions,
  ): Promise<void>;
  getIdentityUpdates(
    request: GetIdentityUpdatesRequest,
    options?: CallOptions,
  ): Promise<GetIdentityUpdatesResponse>;
  getInboxIds(request: GetInboxIdsRequest, options?: CallOptions): Promise<GetInboxIdsResponse>;
  verifySmartContractWalletSignatures(
    request: VerifySmartContractWalletSignaturesRequest,
    options?: CallOptions,
  ): Promise<VerifySmartContractWalletSignaturesResponse>;
}

/** Everything a client needs from the network. */
export interface XmtpApiClient extends MlsApiClient, IdentityApiClient {
  /**
   * True when cursors are per originator (d14n): the client then keeps a vector cursor per
   * topic and sends `depends_on`. Unset on v3 APIs.
   */
  readonly originatorAware?: boolean;
}
