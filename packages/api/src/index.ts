export {
  chunks,
  MAX_GRPC_MESSAGE_BYTES,
  MAX_WELCOMES_PER_REQUEST,
  welcomeChunkSize,
} from "./chunk.js";
export {
  type CallOptions,
  type IdentityApiClient,
  type MlsApiClient,
  originatorOf,
  type QueryCallOptions,
  type SendCallOptions,
  type Sequenced,
  type SequencedGroupMessage,
  type SequencedWelcomeMessage,
  type SubscribeCallOptions,
  type VectorCursor,
  type XmtpApiClient,
} from "./client.js";
export {
  ApiError,
  type ApiErrorCode,
  type ApiErrorOptions,
  GrpcStatus,
  isApiError,
  toApiError,
} from "./errors.js";
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RetryHooks,
  type RetryPolicy,
  sleep,
  withRetry,
} from "./retry.js";
export {
  COMMIT_LOG_PUBLISH_BATCH,
  COMMIT_LOG_QUERY_BATCH,
  IDENTITY_UPDATES_CHUNK_SIZE,
  type Identifier,
  type InboxIdLookup,
  KEY_PACKAGES_CHUNK_SIZE,
  NEWEST_MESSAGE_BATCH,
  PAGE_SIZE,
  type QueryOptions,
  type StreamFilterCursor,
  XmtpApi,
  type XmtpApiOptions,
} from "./wrapper.js";
