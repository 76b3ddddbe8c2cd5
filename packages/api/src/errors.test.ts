import { describe, expect, it } from "vitest";
import { ApiError, GrpcStatus, toApiError } from "./errors.js";

describe("ApiError", () => {
  it("maps gRPC statuses to stable codes and retryability", () => {
    const cases: [GrpcStatus, string, boolean][] = [
      [GrpcStatus.UNAVAILABLE, "api.unavailable", true],
      [GrpcStatus.RESOURCE_EXHAUSTED, "api.resource_exhausted", true],
      [GrpcStatus.DEADLINE_EXCEEDED, "api.deadline_exceeded", true],
      [GrpcStatus.INVALID_ARGUMENT, "api.invalid_argument", false],
      [GrpcStatus.INTERNAL, "api.internal", false],
      [GrpcStatus.UNIMPLEMENTED, "api.unimplemented", false],
      [GrpcStatus.CANCELLED, "api.cancelled", false],
    ];
    for (const [status, code, retryable] of cases) {
      const e = ApiError.fromStatus(status, "boom", { rpc: "svc/Rpc" });
      expect(e).toBeInstanceOf(Error);
      expect([e.code, e.status, e.retryable, e.rpc]).toEqual([code, status, retryable, "svc/Rpc"]);
      expect(e.message).toContain("svc/Rpc");
      expect(e.message).toContain("boom");
    }
  });

  it("treats a lost connection as retryable and keeps the cause", () => {
    const cause = new Error("ECONNRESET");
    const e = ApiError.connectionLost("socket hang up", { cause });
    expect(e.code).toBe("api.connection_lost");
    expect(e.retryable).toBe(true);
    expect(e.cause).toBe(cause);
  });

  it("marks bad responses as not retryable", () => {
    const e = ApiError.badResponse("2 != 3");
    expect(e.code).toBe("api.bad_response");
    expect(e.retryable).toBe(false);
  });
});

/** Looks like @connectrpc/connect's ConnectError without importing it. */
function connectError(code: number, rawMessage: string, cause?: unknown): Error {
  const e = new Error(`[${code}] ${rawMessage}`, cause === undefined ? undefined : { cause });
  e.name = "ConnectError";
  return Object.assign(e, { code, rawMessage, metadata: new Headers(), details: [] });
}

describe("toApiError", () => {
  const rpc = "svc/Rpc";

  it("maps a Connect error by its numeric code and raw message", () => {
    const e = toApiError(connectError(GrpcStatus.INVALID_ARGUMENT, "invalid group message"), rpc);
    expect([e.code, e.retryable, e.rpc]).toEqual(["api.invalid_argument", false, rpc]);
    expect(e.message).toContain("invalid group message");
    expect(e.message).not.toContain("[3]");
    expect(toApiError(connectError(GrpcStatus.RESOURCE_EXHAUSTED, "slow"), rpc).retryable).toBe(
      true,
    );
  });

  it("passes an ApiError through", () => {
    const given = ApiError.badResponse("x");
    expect(toApiError(given, rpc)).toBe(given);
  });

  it("finds a broken connection anywhere in the cause chain", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const e = toApiError(connectError(GrpcStatus.UNAVAILABLE, "down", reset), rpc);
    expect([e.code, e.retryable]).toEqual(["api.connection_lost", true]);
    expect(e.message).toContain("ECONNRESET");
  });

  it("tells a caller's abort from a call cut off underneath it", () => {
    const canceled = connectError(GrpcStatus.CANCELLED, "operation was aborted");
    expect(toApiError(canceled, rpc, true).code).toBe("api.cancelled");
    expect(toApiError(canceled, rpc, false).code).toBe("api.connection_lost");
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    expect(toApiError(abort, rpc, true).code).toBe("api.cancelled");
  });

  it("reads fetch failures as a lost connection and anything else as unknown", () => {
    expect(toApiError(new TypeError("fetch failed"), rpc).code).toBe("api.connection_lost");
    expect(toApiError(connectError(GrpcStatus.UNKNOWN, "socket hang up"), rpc).code).toBe(
      "api.connection_lost",
    );
    const e = toApiError("weird", rpc);
    expect([e.code, e.retryable]).toEqual(["api.unknown", false]);
  });
});
