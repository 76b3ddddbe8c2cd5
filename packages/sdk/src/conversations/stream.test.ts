// The stream's own retry layer, with a scripted inner stream: restarts after failures, delivers
// nothing twice, reads back what arrived during a restart, gives up only when told.
import { ClientError } from "@x/mls";
import { describe, expect, it } from "vitest";
import type { SdkLog } from "../client/logger.js";
import { StreamFailedError } from "../errors.js";
import { type InnerOptions, type InnerStream, openStream, type StreamSource } from "./stream.js";

const silent: SdkLog = {
  level: "off",
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
};

interface Value {
  id: string;
  t: bigint;
}

/** An inner stream that yields `values`, then fails with `error` (or stays open). */
function scripted(values: Value[], error?: unknown): InnerStream<Value> & { ended: boolean } {
  const state = { ended: false };
  let wake: (() => void) | undefined;
  const stream = {
    get ended() {
      return state.ended;
    },
    async end() {
      state.ended = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (const v of values) {
        if (state.ended) return;
        yield v;
      }
      if (error !== undefined) throw error;
      await new Promise<void>((r) => {
        wake = r;
        if (state.ended) r();
      });
    },
  };
  return stream;
}

function source(
  opens: (() => InnerStream<Value>)[],
  extra: Partial<StreamSource<Value, Value>> = {},
): StreamSource<Value, Value> & { opened: InnerOptions[] } {
  const opened: InnerOptions[] = [];
  return {
    opened,
    what: "test values",
    open: async (o) => {
      opened.push(o);
      const next = opens.shift();
      if (next === undefined) throw new Error("no more scripted streams");
      return next();
    },
    convert: async (v) => v,
    key: (v) => v.id,
    timeOf: (v) => v.t,
    ...extra,
  };
}

const v = (id: string, t = 1n): Value => ({ id, t });
const permanent = () => new ClientError("CLIENT_STREAM_FAILED", "boom");

async function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe("streams", () => {
  it("pass no limit to @x/mls's reconnection by default, and map its callbacks", async () => {
    const src = source([() => scripted([v("a")])]);
    const fails: number[] = [];
    const retries: [number, number][] = [];
    const stream = await openStream(
      src,
      { onFail: () => fails.push(1), onRetry: (a, m) => retries.push([a, m]) },
      { log: silent },
    );
    expect(src.opened[0]!.retry).toEqual({
      maxAttempts: Number.POSITIVE_INFINITY,
      maxDelayMs: 10_000,
    });
    src.opened[0]!.onError(new Error("connection reset"));
    src.opened[0]!.onRetry({ attempt: 1, delayMs: 250, error: undefined });
    expect(fails).toEqual([1]);
    expect(retries).toEqual([[1, Number.POSITIVE_INFINITY]]);
    expect(await take(stream, 1)).toEqual([v("a")]);
    await stream.end();
    expect(stream.isDone).toBe(true);
  });

  it("restart after a failure @x/mls gives up on, without delivering a value twice", async () => {
    const restarts: number[] = [];
    const src = source([
      () => scripted([v("a"), v("b")], permanent()),
      () => scripted([v("b"), v("c")], permanent()), // b again: replayed from the stored cursor
      () => scripted([v("d")]),
    ]);
    const stream = await openStream(
      src,
      { retryDelay: 5, onRestart: () => restarts.push(1) },
      { log: silent },
    );
    expect((await take(stream, 4)).map((x) => x.id)).toEqual(["a", "b", "c", "d"]);
    expect(restarts).toHaveLength(2);
    await stream.end();
  });

  it("read back what arrived during the restart, from a minute before the last value", async () => {
    const since: bigint[] = [];
    const src = source(
      [() => scripted([v("a", 100_000_000_000n)], permanent()), () => scripted([v("c", 300n)])],
      {
        catchUp: async (s) => {
          since.push(s);
          return [v("a", 100_000_000_000n), v("b", 200n)];
        },
      },
    );
    const stream = await openStream(src, { retryDelay: 5 }, { log: silent });
    expect((await take(stream, 3)).map((x) => x.id)).toEqual(["a", "b", "c"]);
    expect(since).toEqual([40_000_000_000n]);
    await stream.end();
  });

  it("give up after retryAttempts failures in a row: onError gets a StreamFailedError, the iterator ends", async () => {
    const errors: unknown[] = [];
    const gaveUp: unknown[] = [];
    let ended = 0;
    const src = source([
      () => scripted([], permanent()),
      () => scripted([], permanent()),
      () => scripted([], permanent()),
    ]);
    const stream = await openStream(
      src,
      { retryAttempts: 2, retryDelay: 5, onError: (e) => errors.push(e), onEnd: () => ended++ },
      { log: silent, onGaveUp: (e) => gaveUp.push(e) },
    );
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(src.opened).toHaveLength(3);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StreamFailedError);
    expect((errors[0] as StreamFailedError).code).toBe("CLIENT_STREAM_FAILED");
    expect(stream.error).toBe(errors[0]);
    expect(gaveUp).toEqual(errors);
    expect(ended).toBe(1);
  });

  it("retryOnFail false: no reconnection in @x/mls, no restart", async () => {
    const src = source([() => scripted([v("a")], permanent())]);
    const stream = await openStream(src, { retryOnFail: false }, { log: silent });
    expect(src.opened[0]!.retry.maxAttempts).toBe(1);
    expect(await take(stream, 5)).toEqual([v("a")]);
    expect(stream.error).toBeInstanceOf(StreamFailedError);
    expect(src.opened).toHaveLength(1);
  });

  it("end when the client closes, without a restart", async () => {
    const errors: unknown[] = [];
    const closed = new ClientError("CLIENT_DB_RELEASED", "released");
    const src = source([() => scripted([v("a")], closed)]);
    const stream = await openStream(src, { onError: (e) => errors.push(e) }, { log: silent });
    expect(await take(stream, 5)).toEqual([v("a")]);
    expect(errors).toEqual([closed]);
    expect(src.opened).toHaveLength(1);
  });

  it("with onValue, keep nothing for for-await until iteration starts", async () => {
    const seen: string[] = [];
    const src = source([() => scripted([v("a"), v("b")])]);
    const stream = await openStream(src, { onValue: (x) => seen.push(x.id) }, { log: silent });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(["a", "b"]);
    await stream.end();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it("end() during a restart's wait stops at once", async () => {
    const src = source([() => scripted([], permanent()), () => scripted([v("late")])]);
    const stream = await openStream(src, { retryDelay: 60_000 }, { log: silent });
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await stream.end();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(src.opened).toHaveLength(1);
  });

  it("a value that fails to convert goes to onError and the stream goes on", async () => {
    const errors: unknown[] = [];
    const src = source([() => scripted([v("bad"), v("good")])], {
      convert: async (x) => {
        if (x.id === "bad") throw new Error("cannot convert");
        return x;
      },
    });
    const stream = await openStream(src, { onError: (e) => errors.push(e) }, { log: silent });
    expect(await take(stream, 1)).toEqual([v("good")]);
    expect(errors).toHaveLength(1);
    await stream.end();
  });

  it("refuse bad retry options", async () => {
    for (const options of [
      { retryAttempts: -1 },
      { retryAttempts: 1.5 },
      { retryDelay: 0 },
      { retryOnFail: "yes" },
      { onValue: 3 },
    ]) {
      await expect(
        openStream(source([() => scripted([])]), options as never, { log: silent }),
      ).rejects.toMatchObject({ code: "SDK_INVALID_ARGUMENT" });
    }
  });

  it("an aborted signal ends the stream", async () => {
    const controller = new AbortController();
    const src = source([() => scripted([v("a")])]);
    const stream = await openStream(src, { signal: controller.signal }, { log: silent });
    expect(await take(stream, 1)).toEqual([v("a")]);
    controller.abort();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
