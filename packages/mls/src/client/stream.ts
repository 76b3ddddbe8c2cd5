// A stream as the user holds it: an async iterator (for await, next, return) with an `onValue` /
// `onError` callback form and `end()`. Behind it runs a driver that pushes values until the
// stream is ended; `reconnecting` restarts a driver's connection with jittered, capped backoff.
import { backoffDelay, type RetryPolicy, sleep } from "@x/api";
import { ClientError, errorText } from "./errors.js";

/** Streams reconnect up to 10 times in a row, 250 ms first, doubling, at most 10 s apart. */
export const DEFAULT_STREAM_RETRY: RetryPolicy = {
  maxAttempts: 10,
  initialDelayMs: 250,
  multiplier: 2,
  maxDelayMs: 10_000,
  jitter: 0.5,
};

export interface StreamRetryInfo {
  /** 1 for the first reconnection after a failure, then 2, ... (reset once a connection works). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface StreamOptions<T> {
  /** Called with every value. Values are buffered for `for await` only once iteration started. */
  onValue?: (value: T) => void;
  /**
   * Called with the error of every failed connection (the stream then reconnects) and with the
   * final CLIENT_STREAM_FAILED error when it gives up.
   */
  onError?: (error: unknown) => void;
  /** Called before each reconnection. */
  onRetry?: (info: StreamRetryInfo) => void;
  /** Called once when the stream has stopped (ended, aborted or failed). */
  onEnd?: () => void;
  /** Aborting ends the stream like `end()`. */
  signal?: AbortSignal;
  /** Reconnection policy (see DEFAULT_STREAM_RETRY). */
  retry?: Partial<RetryPolicy>;
}

type Driver<T> = (emit: (value: T) => void, signal: AbortSignal) => Promise<void>;

export class Stream<T> implements AsyncIterableIterator<T> {
  readonly #queue: T[] = [];
  readonly #waiters: {
    resolve: (r: IteratorResult<T>) => void;
    reject: (e: unknown) => void;
  }[] = [];
  readonly #abort = new AbortController();
  readonly #options: StreamOptions<T>;
  #stopped = false;
  #iterating = false;
  #failure: unknown;
  #failureReported = false;
  /** Resolves when the stream has stopped and released everything it held. Never rejects. */
  readonly done: Promise<void>;

  /** @internal Streams are made by client.conversations.stream*() and group.stream(). */
  constructor(options: StreamOptions<T>, driver: Driver<T>) {
    this.#options = options;
    const outer = options.signal;
    const onOuterAbort = () => this.#abort.abort(outer?.reason);
    if (outer?.aborted) this.#abort.abort(outer.reason);
    else outer?.addEventListener("abort", onOuterAbort, { once: true });
    this.done = (async () => {
      try {
        if (!this.#abort.signal.aborted) await driver((v) => this.#emit(v), this.#abort.signal);
      } catch (e) {
        if (!this.#abort.signal.aborted) this.#failure = e;
      } finally {
        outer?.removeEventListener("abort", onOuterAbort);
        this.#finish();
      }
    })();
  }

  /** The error the stream failed with (CLIENT_STREAM_FAILED), once it has stopped. */
  get error(): unknown {
    return this.#failure;
  }

  get isDone(): boolean {
    return this.#stopped;
  }

  #emit(value: T): void {
    if (this.#stopped || this.#abort.signal.aborted) return;
    const onValue = this.#options.onValue;
    if (onValue !== undefined) {
      try {
        onValue(value);
      } catch (e) {
        this.#options.onError?.(e);
      }
      if (!this.#iterating) return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve({ value, done: false });
    else this.#queue.push(value);
  }

  #finish(): void {
    this.#stopped = true;
    if (this.#failure !== undefined) {
      try {
        this.#options.onError?.(this.#failure);
      } catch {
        // a throwing callback must not keep the stream from ending
      }
    }
    for (const w of this.#waiters.splice(0)) {
      if (this.#failure !== undefined && !this.#failureReported) {
        this.#failureReported = true;
        w.reject(this.#failure);
      } else {
        w.resolve({ value: undefined, done: true });
      }
    }
    try {
      this.#options.onEnd?.();
    } catch {
      // as above
    }
  }

  next(): Promise<IteratorResult<T>> {
    this.#iterating = true;
    const value = this.#queue.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.#stopped) {
      if (this.#failure !== undefined && !this.#failureReported) {
        this.#failureReported = true;
        return Promise.reject(this.#failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Ends the stream; resolves once it has stopped (connections closed, timers cleared). */
  async return(): Promise<IteratorResult<T>> {
    this.#abort.abort();
    this.#queue.length = 0;
    await this.done;
    return { value: undefined, done: true };
  }

  /** Same as return(). */
  async end(): Promise<void> {
    await this.return();
  }

  /**
   * @internal Ends the stream with `reason` as its error (given to onError, thrown by `next()`
   * after the values already queued), e.g. when the client releases its database.
   */
  async endWith(reason: unknown): Promise<void> {
    if (!this.#stopped && !this.#abort.signal.aborted) {
      this.#failure = reason;
      this.#abort.abort();
    }
    await this.done;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** The client's open streams, so that closing or releasing the client can end them. */
export class StreamRegistry {
  readonly #open = new Set<Stream<unknown>>();

  open<T>(options: StreamOptions<T>, driver: Driver<T>): Stream<T> {
    const stream = new Stream<T>(options, driver);
    this.#open.add(stream as Stream<unknown>);
    void stream.done.then(() => this.#open.delete(stream as Stream<unknown>));
    return stream;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Ends every open stream (with `reason` as its error, if given) and waits until they stopped. */
  async endAll(reason?: unknown): Promise<void> {
    await Promise.all(
      [...this.#open].map((s) => (reason === undefined ? s.end() : s.endWith(reason))),
    );
  }
}

/** Whether an error (or one it was caused by) says that trying again can help. */
export function isTransient(e: unknown): boolean {
  for (let x = e, depth = 0; x !== undefined && x !== null && depth < 5; depth++) {
    if (typeof x !== "object") return false;
    if ((x as { retryable?: unknown }).retryable === true) return true;
    x = (x as { cause?: unknown }).cause;
  }
  return false;
}

/** Whether an error says explicitly that trying again will not help. */
function isPermanent(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { retryable?: unknown }).retryable === false;
}

/**
 * Runs `connect` until the signal aborts. When it fails (or the server ends the subscription),
 * waits a jittered, capped, growing delay and runs it again; `connect` resumes from its own
 * cursors. Gives up with CLIENT_STREAM_FAILED after `maxAttempts` failures in a row, or at once
 * on an error that says retrying cannot help. A connection the node accepted (or that delivered
 * something) resets the count.
 */
export async function reconnecting(
  signal: AbortSignal,
  options: Pick<StreamOptions<unknown>, "onError" | "onRetry" | "retry">,
  what: string,
  connect: (signal: AbortSignal, progress: () => void) => Promise<void>,
): Promise<void> {
  const policy = { ...DEFAULT_STREAM_RETRY, ...options.retry };
  let failures = 0;
  while (!signal.aborted) {
    let progressed = false;
    let error: unknown;
    try {
      await connect(signal, () => {
        progressed = true;
      });
      if (signal.aborted) return;
      error = new ClientError(
        "CLIENT_STREAM_FAILED",
        `the node ended the ${what} subscription; reconnecting`,
        { retryable: true },
      );
    } catch (e) {
      if (signal.aborted) return;
      error = e;
    }
    if (progressed) failures = 0;
    failures++;
    if (isPermanent(error) && !isTransient(error)) {
      throw new ClientError(
        "CLIENT_STREAM_FAILED",
        `the ${what} stream failed and retrying cannot help: ${errorText(error)}`,
        { cause: error },
      );
    }
    if (failures >= policy.maxAttempts) {
      throw new ClientError(
        "CLIENT_STREAM_FAILED",
        `the ${what} stream failed ${failures} times in a row (last: ${errorText(error)}); check the node and start the stream again`,
        { cause: error, retryable: true },
      );
    }
    options.onError?.(error);
    const delayMs = backoffDelay(policy, failures - 1, Math.random);
    options.onRetry?.({ attempt: failures, delayMs, error });
    try {
      await sleep(delayMs, signal);
    } catch {
      return; // aborted while waiting
    }
  }
}
