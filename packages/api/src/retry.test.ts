import { describe, expect, it } from "vitest";
import { ApiError, GrpcStatus } from "./errors.js";
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from "./retry.js";

const policy: RetryPolicy = {
  maxAttempts: 4,
  initialDelayMs: 100,
  multiplier: 3,
  maxDelayMs: 1000,
  jitter: 0.5,
};
const unavailable = () => ApiError.fromStatus(GrpcStatus.UNAVAILABLE, "down");

describe("backoffDelay", () => {
  it("grows exponentially up to the maximum", () => {
    const none = { ...policy, jitter: 0 };
    expect([0, 1, 2, 3].map((n) => backoffDelay(none, n, () => 0.5))).toEqual([
      100, 300, 900, 1000,
    ]);
  });

  it("spreads each delay over its jitter fraction", () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(150);
    expect(backoffDelay(policy, 1, () => 0.999999)).toBe(300);
    const full = { ...policy, jitter: 1 };
    expect(backoffDelay(full, 0, () => 0)).toBe(0);
  });
});

describe("withRetry", () => {
  it("retries retryable errors with growing delays and returns the result", async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw unavailable();
        if (calls === 2) throw ApiError.fromStatus(GrpcStatus.RESOURCE_EXHAUSTED, "slow down");
        if (calls === 3) throw ApiError.connectionLost("reset");
        return "ok";
      },
      policy,
      { sleep: async (ms) => void delays.push(ms), random: () => 0 },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(4);
    expect(delays).toEqual([50, 150, 450]);
  });

  it("does not retry errors that will fail again", async () => {
    let calls = 0;
    const err = ApiError.fromStatus(GrpcStatus.INVALID_ARGUMENT, "bad");
    await expect(
      withRetry(
        async () => {
          calls++;
          throw err;
        },
        policy,
        { sleep: async () => {} },
      ),
    ).rejects.toBe(err);
    expect(calls).toBe(1);
    await expect(
      withRetry(
        async () => {
          throw new TypeError("not an api error");
        },
        policy,
        { sleep: async () => {} },
      ),
    ).rejects.toBeInstanceOf(TypeError);
  });

  it("gives up after maxAttempts with the last error", async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw unavailable();
      },
      policy,
      { sleep: async () => {} },
    ).catch((e) => e);
    expect(calls).toBe(policy.maxAttempts);
    expect(error.code).toBe("api.unavailable");
  });

  it("stops waiting when the caller aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = withRetry(
      async () => {
        throw unavailable();
      },
      { ...DEFAULT_RETRY_POLICY, initialDelayMs: 10_000, jitter: 0 },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    const error = await pending.catch((e) => e);
    expect(error.code).toBe("api.cancelled");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
