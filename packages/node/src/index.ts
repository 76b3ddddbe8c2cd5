export { Broker } from "./broker.js";
export { parseCliArgs, USAGE as NODE_USAGE, UsageError as NodeUsageError } from "./cli.js";
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
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_PORT,
  DEFAULT_WEB_PORT,
  type NodeOptions,
  type RunningNode,
  startNode,
} from "./server/node.js";
export { RateLimiter, type RateLimitOptions } from "./server/rate-limit.js";
export { MAX_INBOX_UPDATES } from "./services/identity.js";
export { MAX_COMMIT_LOG_PUBLISH, MAX_COMMIT_LOG_QUERIES } from "./services/mls.js";
export {
  MAX_PAGE_SIZE,
  NodeStore,
  type Page,
  type Paging,
  type StoredGroupMessage,
  type StoredWelcome,
  type StoreOptions,
} from "./store/store.js";
