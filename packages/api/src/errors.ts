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

// --- mapping transport errors ------------------------------------------------

/** Node.js error codes that mean the connection to the node broke, not that the call was refused. */
const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_ERROR",
]);

function connectionCode(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur instanceof Error && !seen.has(cur)) {
    seen.add(cur);
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The parts of a Connect `ConnectError` this mapping reads (no dependency on @connectrpc). */
interface StatusLike {
  code: GrpcStatus;
  rawMessage: string;
}

/**
 * A gRPC status and its message for anything a call can throw: a ConnectError (recognised by
 * its name, numeric `code` and `rawMessage`, as Connect itself does), an abort or timeout
 * (CANCELLED), anything else (UNKNOWN with its message).
 */
function statusOf(e: unknown): StatusLike {
  if (e instanceof Error) {
    const { code, rawMessage } = e as { code?: unknown; rawMessage?: unknown };
    if (e.name === "ConnectError" && typeof code === "number" && typeof rawMessage === "string") {
      return { code: code as GrpcStatus, rawMessage };
    }
    if (e.name === "AbortError" || e.name === "TimeoutError") {
      return { code: GrpcStatus.CANCELLED, rawMessage: e.message };
    }
    return { code: GrpcStatus.UNKNOWN, rawMessage: e.message };
  }
  return { code: GrpcStatus.UNKNOWN, rawMessage: String(e) };
}

/**
 * Maps anything a transport call throws (Connect errors included) to an ApiError; a given
 * ApiError passes through. `callerAborted` says whether the caller's own signal ended the call:
 * a cancellation the caller did not ask for means the connection went away.
 */
export function toApiError(e: unknown, rpc: string, callerAborted = false): ApiError {
  if (e instanceof ApiError) return e;
  const lost = connectionCode(e);
  if (lost) return ApiError.connectionLost(`${lost}: ${(e as Error).message}`, { rpc, cause: e });
  const s = statusOf(e);
  if (s.code === GrpcStatus.CANCELLED && !callerAborted) {
    return ApiError.connectionLost(`the call was cut off (${s.rawMessage})`, { rpc, cause: e });
  }
  // "fetch failed" and friends: the request never reached a server that answered.
  if (s.code === GrpcStatus.UNKNOWN && /fetch failed|network|socket hang up/i.test(s.rawMessage)) {
    return ApiError.connectionLost(s.rawMessage, { rpc, cause: e });
  }
  return ApiError.fromStatus(s.code, s.rawMessage, { rpc, cause: e });
}
