// Typed errors of the d14n client: @x/api's ApiError (so callers and the retry wrapper treat
// them like any network error) with a `reason` saying what went wrong on this network.
import { ApiError, type ApiErrorCode, GrpcStatus } from "@x/api";

export type D14nErrorReason =
  /** The gateway's GetNodes returned no node. */
  | "no_nodes"
  /** No node answered the health check in time. */
  | "no_healthy_node"
  /** No advertised node URL matches the gateway's scheme (https ⇔ TLS). */
  | "scheme_mismatch"
  /** A request holds bytes the client cannot build a topic from (key package, MLS message, id). */
  | "invalid_request"
  /** An envelope from the node does not decode or does not belong to its topic. */
  | "bad_envelope"
  /** The decentralized network has no such endpoint. */
  | "unsupported";

const STATUS: Record<ApiErrorCode, GrpcStatus> = {
  "api.cancelled": GrpcStatus.CANCELLED,
  "api.unknown": GrpcStatus.UNKNOWN,
  "api.invalid_argument": GrpcStatus.INVALID_ARGUMENT,
  "api.deadline_exceeded": GrpcStatus.DEADLINE_EXCEEDED,
  "api.not_found": GrpcStatus.NOT_FOUND,
  "api.already_exists": GrpcStatus.ALREADY_EXISTS,
  "api.permission_denied": GrpcStatus.PERMISSION_DENIED,
  "api.resource_exhausted": GrpcStatus.RESOURCE_EXHAUSTED,
  "api.failed_precondition": GrpcStatus.FAILED_PRECONDITION,
  "api.aborted": GrpcStatus.ABORTED,
  "api.out_of_range": GrpcStatus.OUT_OF_RANGE,
  "api.unimplemented": GrpcStatus.UNIMPLEMENTED,
  "api.internal": GrpcStatus.INTERNAL,
  "api.unavailable": GrpcStatus.UNAVAILABLE,
  "api.data_loss": GrpcStatus.DATA_LOSS,
  "api.unauthenticated": GrpcStatus.UNAUTHENTICATED,
  "api.connection_lost": GrpcStatus.UNAVAILABLE,
  "api.bad_response": GrpcStatus.INTERNAL,
};

export class D14nApiError extends ApiError {
  readonly reason: D14nErrorReason;

  constructor(
    reason: D14nErrorReason,
    code: ApiErrorCode,
    message: string,
    options: { rpc?: string; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(code, STATUS[code], message, options);
    this.name = "D14nApiError";
    this.reason = reason;
  }
}

export const isD14nApiError = (e: unknown, reason?: D14nErrorReason): e is D14nApiError =>
  e instanceof D14nApiError && (reason === undefined || e.reason === reason);

const GET_NODES = "xmtp.xmtpv4.payer_api.PayerApi/GetNodes";

export const noNodes = (gatewayUrl: string) =>
  new D14nApiError(
    "no_nodes",
    "api.unavailable",
    `the gateway at ${gatewayUrl} knows no node (GetNodes returned none). ` +
      "Check that the gateway is configured with at least one node; the call can be retried.",
    { rpc: GET_NODES },
  );

export const noHealthyNode = (urls: string[], timeoutMs: number, cause?: unknown) =>
  new D14nApiError(
    "no_healthy_node",
    "api.unavailable",
    `no node answered the health check within ${timeoutMs} ms (tried ${urls.join(", ")}). ` +
      "Check that the nodes are running; the call can be retried.",
    { rpc: "grpc.health.v1.Health/Check", cause },
  );

export const schemeMismatch = (gatewayUrl: string, urls: string[]) =>
  new D14nApiError(
    "scheme_mismatch",
    "api.failed_precondition",
    `no node URL matches the gateway's scheme (${new URL(gatewayUrl).protocol}//): the gateway ` +
      `advertises ${urls.join(", ")}. Use an https:// gateway for TLS nodes and http:// for ` +
      "cleartext ones.",
    { rpc: GET_NODES, retryable: false },
  );

export const invalidRequest = (rpc: string, detail: string, cause?: unknown) =>
  new D14nApiError(
    "invalid_request",
    "api.invalid_argument",
    `cannot send ${rpc}: ${detail}. Nothing was sent; fix the request before sending it again.`,
    { rpc, cause, retryable: false },
  );

export const badEnvelope = (rpc: string, detail: string, cause?: unknown) =>
  new D14nApiError(
    "bad_envelope",
    "api.bad_response",
    `skipped an envelope from ${rpc}: ${detail}`,
    { rpc, cause, retryable: false },
  );

export const unsupported = (rpc: string, detail: string) =>
  new D14nApiError(
    "unsupported",
    "api.unimplemented",
    `${rpc} is not available on d14n: ${detail}`,
    {
      rpc,
      retryable: false,
    },
  );
