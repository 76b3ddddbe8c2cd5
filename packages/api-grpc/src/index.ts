export {
  type ApiClientOptions,
  CLIENT_VERSION,
  type ClientHeaders,
  ConnectApiClient,
  DEFAULT_TIMEOUT_MS,
  MAX_MESSAGE_BYTES,
} from "./client.js";
export { toApiError } from "./errors.js";
export { createGrpcApiClient, type GrpcApiOptions } from "./node.js";
