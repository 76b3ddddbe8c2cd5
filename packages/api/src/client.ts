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

/** `xmtp.mls.api.v1.MlsApi` as libxmtp uses it. */
export interface MlsApiClient {
  uploadKeyPackage(request: UploadKeyPackageRequest, options?: CallOptions): Promise<void>;
  fetchKeyPackages(
    request: FetchKeyPackagesRequest,
    options?: CallOptions,
  ): Promise<FetchKeyPackagesResponse>;
  sendGroupMessages(request: SendGroupMessagesRequest, options?: CallOptions): Promise<void>;
  sendWelcomeMessages(request: SendWelcomeMessagesRequest, options?: CallOptions): Promise<void>;
  queryGroupMessages(
    request: QueryGroupMessagesRequest,
    options?: CallOptions,
  ): Promise<QueryGroupMessagesResponse>;
  queryWelcomeMessages(
    request: QueryWelcomeMessagesRequest,
    options?: CallOptions,
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
    options?: CallOptions,
  ): AsyncIterable<GroupMessage>;
  /** Welcomes (and welcome pointers) after each filter's cursor, then live ones. */
  subscribeWelcomeMessages(
    request: SubscribeWelcomeMessagesRequest,
    options?: CallOptions,
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
export interface XmtpApiClient extends MlsApiClient, IdentityApiClient {}
