export {
  CLIENT_VERSION,
  type ClientHeaders,
  D14nApiClient,
  type D14nClientOptions,
  type D14nTransports,
  DEFAULT_ICEBOX_CAPACITY,
  DEFAULT_QUERY_LIMIT,
  DEFAULT_TIMEOUT_MS,
  IDENTITY_UPDATES_CHUNK,
  lowestCommonCursor,
  MAX_MESSAGE_BYTES,
  MAX_TOPICS_PER_QUERY,
  type SkippedInfo,
} from "./client.js";
export { DEFAULT_HEALTH_TIMEOUT_MS, DEFAULT_REDISCOVER_AFTER } from "./discovery.js";
export {
  clientEnvelope,
  fromCursor,
  type ReceivedEnvelope,
  toCursor,
  unwrapEnvelope,
} from "./envelopes.js";
export { D14nApiError, type D14nErrorReason, isD14nApiError } from "./errors.js";
export {
  ContentType,
  FramingError,
  keyPackageSignatureKey,
  type MlsMessageHeader,
  mlsMessageHeader,
  WireFormat,
} from "./framing.js";
export { createD14nApiClient, type D14nApiOptions } from "./node.js";
export {
  advance,
  type CausalResult,
  causalOrder,
  compareByTime,
  DEFAULT_RESOLVE_POLICY,
  dominates,
  missing,
  type Orderable,
  type ResolvedOrder,
  type ResolvePolicy,
  requeryCursor,
  resolveOrder,
  StreamOrderer,
  sortByTime,
} from "./order.js";
export {
  decodeTopic,
  encodeTopic,
  groupMessagesTopic,
  identityUpdatesTopic,
  keyPackagesTopic,
  Originator,
  type Topic,
  TopicError,
  TopicKind,
  welcomeMessagesTopic,
} from "./topics.js";
