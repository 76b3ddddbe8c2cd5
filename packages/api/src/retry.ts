// Retry with exponential backoff and jitter, for errors that say trying again can help.
import { ApiError, GrpcStatus } from "./errors.js";

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  maxAttempts: number;
  /** Delay before the first retry, before jitter. */
  initialDelayMs: number;
  /** Each retry waits `multiplier` times longer than the one before, up to `maxDelayMs`. */
  multiplier: number;
  maxDelayMs: number;
  /**
   * Fraction of each delay that is random: 0 = none, 1 = anywhere between 0 and the delay.
   * Spreads out clients that failed together so they do not retry together.
   */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialDelayMs: 100,
  multiplier: 3,
  maxDelayMs: 5_000,
  jitter: 0.5,
};

export interface RetryHooks {
  signal?: AbortSignal;
  /** Waits `ms` (replaceable in tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1) (replaceable in tests). */
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** The delay before retry number `retry` (0-based). */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** retry);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  return Math.round(base * (1 - jitter) + base * jitter * random());
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function cancelled(signal: AbortSignal): ApiError {
  return ApiError.fromStatus(GrpcStatus.CANCELLED, "the caller aborted while waiting to retry", {
    cause: signal.reason,
  });
}

const isRetryable = (e: unknown) => e instanceof ApiError && e.retryable;

/** Runs `call` until it succeeds, fails with a non-retryable error, or attempts run out. */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  hooks: RetryHooks = {},
): Promise<T> {
  const wait = hooks.sleep ?? sleep;
  const random = hooks.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !isRetryable(error) || hooks.signal?.aborted)
        throw error;
      const delayMs = backoffDelay(policy, attempt - 1, random);
      hooks.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs, hooks.signal);
    }
  }
}
