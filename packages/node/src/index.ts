export { Broker } from "./broker.js";
export {
  parseCliArgs,
  startupLines,
  USAGE as NODE_USAGE,
  UsageError as NodeUsageError,
} from "./cli.js";
export {
  COMMIT_ORIGINATOR,
  D14N_NODE_ID,
  IDENTITY_ORIGINATOR,
  type OpenedEnvelope,
  openEnvelope,
  originatorSignatureHash,
  payerSignatureHash,
  TopicKind,
} from "./d14n/envelopes.js";
export { InvalidEnvelopeError } from "./d14n/validate.js";
export {
  DEFAULT_HISTORY_MAX_AGE_MS,
  DEFAULT_HISTORY_MAX_TOTAL_BYTES,
  DEFAULT_HISTORY_MAX_UPLOADS,
  DEFAULT_HISTORY_PORT,
  DEFAULT_HISTORY_REQUEST_TIMEOUT_MS,
  DEFAULT_MAX_UPLOAD_BYTES,
  type HistoryServerOptions,
  type RunningHistoryServer,
  startHistoryServer,
} from "./history/index.js";
export { IdIdentityValidator, type IdValidatorOptions } from "./identity/id-validator.js";
export {
  type IdentityUpdateEffect,
  type IdentityUpdateValidator,
  IdentityValidatorUnavailableError,
  InvalidIdentityUpdateError,
} from "./identity/validator.js";
export { type GroupMessageInfo, parseGroupMessage } from "./mls/group-message.js";
export {
  InvalidKeyPackageError,
  type ParsedKeyPackage,
  parseKeyPackage,
  type ValidatedKeyPackage,
  validateKeyPackage,
} from "./mls/key-package.js";
export { TlsDecodeError } from "./mls/tls.js";
export {
  DEFAULT_D14N_PORT,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_PORT,
  DEFAULT_WEB_PORT,
  historyDirFor,
  type NodeOptions,
  type RunningNode,
  startNode,
} from "./server/node.js";
export { RateLimiter, type RateLimitOptions } from "./server/rate-limit.js";
export { D14N_KEEPALIVE_MS, D14N_LIMITS } from "./services/d14n.js";
export { MAX_INBOX_UPDATES } from "./services/identity.js";
export { MAX_COMMIT_LOG_PUBLISH, MAX_COMMIT_LOG_QUERIES } from "./services/mls.js";
export { type D14nEnvelopeRow, type D14nKeys, D14nStore } from "./store/d14n.js";
export {
  MAX_PAGE_SIZE,
  NodeStore,
  type Page,
  type Paging,
  type StoredGroupMessage,
  type StoredWelcome,
  type StoreOptions,
} from "./store/store.js";
