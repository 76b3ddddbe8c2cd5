// Typed errors for network calls: a stable string `code`, the gRPC status it came from, and
// whether trying again can help.

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export enum GrpcStatus {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

export type ApiErrorCode =
  | "api.cancelled"
  | "api.unknown"
  | "api.invalid_argument"
  | "api.deadline_exceeded"
  | "api.not_found"
  | "api.already_exists"
  | "api.permission_denied"
  | "api.resource_exhausted"
  | "api.failed_precondition"
  | "api.aborted"
  | "api.out_of_range"
  | "api.unimplemented"
  | "api.internal"
  | "api.unavailable"
  | "api.data_loss"
  | "api.unauthenticated"
  /** The connection dropped (reset, refused, closed by the server). */
  | "api.connection_lost"
  /** The server answered, but not with what the request needs (e.g. a count mismatch). */
  | "api.bad_response";

const CODE_BY_STATUS: Record<GrpcStatus, ApiErrorCode> = {
  [GrpcStatus.OK]: "api.unknown",
  [GrpcStatus.CANCELLED]: "api.cancelled",
  [GrpcStatus.UNKNOWN]: "api.unknown",
  [GrpcStatus.INVALID_ARGUMENT]: "api.invalid_argument",
  [GrpcStatus.DEADLINE_EXCEEDED]: "api.deadline_exceeded",
  [GrpcStatus.NOT_FOUND]: "api.not_found",
  [GrpcStatus.ALREADY_EXISTS]: "api.already_exists",
  [GrpcStatus.PERMISSION_DENIED]: "api.permission_denied",
  [GrpcStatus.RESOURCE_EXHAUSTED]: "api.resource_exhausted",
  [GrpcStatus.FAILED_PRECONDITION]: "api.failed_precondition",
  [GrpcStatus.ABORTED]: "api.aborted",
  [GrpcStatus.OUT_OF_RANGE]: "api.out_of_range",
  [GrpcStatus.UNIMPLEMENTED]: "api.unimplemented",
  [GrpcStatus.INTERNAL]: "api.internal",
  [GrpcStatus.UNAVAILABLE]: "api.unavailable",
  [GrpcStatus.DATA_LOSS]: "api.data_loss",
  [GrpcStatus.UNAUTHENTICATED]: "api.unauthenticated",
};

/** Statuses worth another attempt: the server or the path to it is busy or briefly away. */
const RETRYABLE = new Set<ApiErrorCode>([
  "api.unavailable",
  "api.resource_exhausted",
  "api.deadline_exceeded",
  "api.connection_lost",
]);

export interface ApiErrorOptions {
  /** The RPC that failed, e.g. "xmtp.mls.api.v1.MlsApi/SendGroupMessages". */
  rpc?: string;
  cause?: unknown;
  /** Overrides the retryability implied by the code. */
  retryable?: boolean;
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: GrpcStatus;
  readonly retryable: boolean;
  readonly rpc: string | undefined;

  constructor(
    code: ApiErrorCode,
    status: GrpcStatus,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.rpc = options.rpc;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
  }

  /** An error for a gRPC status the server (or the transport) returned. */
  static fromStatus(status: GrpcStatus, detail: string, options: ApiErrorOptions = {}): ApiError {
    const code = CODE_BY_STATUS[status] ?? "api.unknown";
    const where = options.rpc ? ` calling ${options.rpc}` : "";
    const advice = RETRYABLE.has(code)
      ? "This is temporary; try again (the API wrapper retries it with backoff)."
      : status === GrpcStatus.INVALID_ARGUMENT
        ? "The server rejected the request; fix the request before sending it again."
        : "Trying the same request again will probably fail the same way.";
    return new ApiError(
      code,
      status,
      `${GrpcStatus[status] ?? status}${where}: ${detail}. ${advice}`,
      options,
    );
  }

  static connectionLost(detail: string, options: ApiErrorOptions = {}): ApiError {
    const where = options.rpc ? ` during ${options.rpc}` : "";
    return new ApiError(
      "api.connection_lost",
      GrpcStatus.UNAVAILABLE,
      `connection to the node lost${where}: ${detail}. Check that the node is running; the call can be retried.`,
      options,
    );
  }

  static badResponse(detail: string, options: ApiErrorOptions = {}): ApiError {
    const where = options.rpc ? ` from ${options.rpc}` : "";
    return new ApiError(
      "api.bad_response",
      GrpcStatus.INTERNAL,
      `unexpected response${where}: ${detail}. The node may be incompatible with this client.`,
      { retryable: false, ...options },
    );
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
