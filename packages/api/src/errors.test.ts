import { describe, expect, it } from "vitest";
import { ApiError, GrpcStatus } from "./errors.js";

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
