import { ApiError } from "@x/api";
import { describe, expect, it } from "vitest";
import { isTransient, reconnecting, Stream } from "./stream.js";

const fast = { initialDelayMs: 1, maxDelayMs: 5, multiplier: 2, jitter: 0.5 };

describe("Stream", () => {
  it("yields values in order, to onValue and (once iterating) to for-await", async () => {
    const seen: number[] = [];
    let push!: (v: number) => void;
    const s = new Stream<number>({ onValue: (v) => seen.push(v) }, async (emit, signal) => {
      push = emit;
      await new Promise((r) => signal.addEventListener("abort", r));
    });
    push(1); // before iteration: callback only
    const next = s.next();
    push(2);
    push(3);
    expect(await next).toEqual({ value: 2, done: false });
    expect(await s.next()).toEqual({ value: 3, done: false });
    expect(seen).toEqual([1, 2, 3]);
    await s.end();
    expect(await s.next()).toEqual({ value: undefined, done: true });
    expect(s.isDone).toBe(true);
  });

  it("reconnects with backoff on retryable errors, resets after progress, then fails with CLIENT_STREAM_FAILED", async () => {
    const retries: number[] = [];
    const errors: unknown[] = [];
    let calls = 0;
    const s = new Stream<number>(
      { retry: { ...fast, maxAttempts: 3 }, onError: (e) => errors.push(e) },
      (emit, signal) =>
        reconnecting(
          signal,
          { retry: { ...fast, maxAttempts: 3 }, onRetry: (i) => retries.push(i.attempt) },
          "test",
          async (_signal, progress) => {
            calls++;
            if (calls === 2) {
              progress();
              emit(calls);
            }
            throw ApiError.connectionLost("gone");
          },
        ),
    );
    await expect(s.next()).resolves.toEqual({ value: 2, done: false });
    await expect(s.next()).rejects.toMatchObject({ code: "CLIENT_STREAM_FAILED" });
    expect(calls).toBe(4); // fail, progress+fail (count reset), fail, fail -> 3 in a row
    expect(retries).toEqual([1, 1, 2]);
    expect(errors.at(-1)).toMatchObject({ code: "CLIENT_STREAM_FAILED" });
    expect(s.error).toMatchObject({ code: "CLIENT_STREAM_FAILED" });
  });

  it("fails at once on an error that says retrying cannot help", async () => {
    let calls = 0;
    const s = new Stream<number>({}, (_emit, signal) =>
      reconnecting(signal, { retry: fast }, "test", async () => {
        calls++;
        throw ApiError.badResponse("nonsense");
      }),
    );
    await expect(s.next()).rejects.toMatchObject({ code: "CLIENT_STREAM_FAILED" });
    expect(calls).toBe(1);
  });

  it("ends while waiting to reconnect, without waiting out the delay", async () => {
    const s = new Stream<number>({}, (_emit, signal) =>
      reconnecting(signal, { retry: { initialDelayMs: 60_000, jitter: 0 } }, "test", async () => {
        throw ApiError.connectionLost("gone");
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await s.return();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(s.error).toBeUndefined();
  });

  it("treats an error caused by a retryable one as transient", () => {
    expect(isTransient(new Error("x", { cause: ApiError.connectionLost("gone") }))).toBe(true);
    expect(isTransient(ApiError.badResponse("no"))).toBe(false);
    expect(isTransient(new Error("plain"))).toBe(false);
  });
});
