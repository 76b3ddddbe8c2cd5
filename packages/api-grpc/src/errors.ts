// Connect errors to @x/api's typed errors.
import { Code, ConnectError } from "@connectrpc/connect";
import { ApiError, type GrpcStatus } from "@x/api";

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

/**
 * Maps anything a Connect call throws to an ApiError (a given ApiError passes through).
 * `callerAborted` says whether the caller's own signal ended the call: a cancellation the caller
 * did not ask for means the connection went away.
 */
export function toApiError(e: unknown, rpc: string, callerAborted = false): ApiError {
  if (e instanceof ApiError) return e;
  const lost = connectionCode(e);
  if (lost) return ApiError.connectionLost(`${lost}: ${(e as Error).message}`, { rpc, cause: e });
  const ce = ConnectError.from(e);
  if (ce.code === Code.Canceled && !callerAborted) {
    return ApiError.connectionLost(`the call was cut off (${ce.rawMessage})`, { rpc, cause: e });
  }
  // "fetch failed" and friends: the request never reached a server that answered.
  if (ce.code === Code.Unknown && /fetch failed|network|socket hang up/i.test(ce.rawMessage)) {
    return ApiError.connectionLost(ce.rawMessage, { rpc, cause: e });
  }
  return ApiError.fromStatus(ce.code as unknown as GrpcStatus, ce.rawMessage, { rpc, cause: e });
}
