export {
  chunks,
  MAX_GRPC_MESSAGE_BYTES,
  MAX_WELCOMES_PER_REQUEST,
  welcomeChunkSize,
} from "./chunk.js";
export type { CallOptions, IdentityApiClient, MlsApiClient, XmtpApiClient } from "./client.js";
export {
  ApiError,
  type ApiErrorCode,
  type ApiErrorOptions,
  GrpcStatus,
  isApiError,
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
  XmtpApi,
  type XmtpApiOptions,
} from "./wrapper.js";
