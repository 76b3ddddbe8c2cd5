// Streams that do not give up. Two layers of retry:
// - the connection: @x/mls's stream reconnects in place from its own cursors when the node goes
//   away (nothing missed, nothing twice); here with no limit on attempts by default;
// - the stream: if @x/mls's stream fails for good (an error it does not retry), it is opened again
//   after a bounded backoff, values it may have missed are read back from the database, and values
//   already delivered are not delivered again.
// Values reach `for await` and `onValue` (node-sdk's AsyncStreamProxy); node-sdk's onFail,
// onRetry, onRestart, retryAttempts, retryDelay and retryOnFail apply.
import { sleep } from "@x/api";
import type { SdkLog } from "../client/logger.js";
import { describeError, invalidArgument, StreamFailedError } from "../errors.js";

export interface StreamOptions<V> {
  /** Every value (node-sdk's callback form). */
  onValue?: (value: V) => void;
  /** A value that could not be converted or a throwing onValue, and the final StreamFailedError. */
  onError?: (error: unknown) => void;
  /** The connection or the stream failed (it is retried unless retries ran out). */
  onFail?: () => void;
  /** Before each retry: its number and the limit (Infinity by default). */
  onRetry?: (attempt: number, maxAttempts: number) => void;
  /** The stream was opened again after a failure its connection could not recover from. */
  onRestart?: () => void;
  /** Once, when the stream has stopped. */
  onEnd?: () => void;
  /** Failures in a row before giving up (default: never give up). */
  retryAttempts?: number;
  /** The longest wait between attempts, ms (default 10 s; the waits grow up to it). */
  retryDelay?: number;
  /** Retry at all (default true). */
  retryOnFail?: boolean;
  /**
   * node-sdk syncs before a stream starts. Ours start from the stored cursors and deliver what
   * arrived since (a sync first would swallow it), so there is nothing to skip: accepted, no effect.
   */
  disableSync?: boolean;
  /** Aborting ends the stream like end(). */
  signal?: AbortSignal;
}

/** The part of an @x/mls Stream used here. */
export interface InnerStream<I> extends AsyncIterable<I> {
  end(): Promise<void>;
}

/** @x/mls's stream options that carry the connection-level retry. */
export interface InnerOptions {
  retry: { maxAttempts: number; maxDelayMs: number };
  onError: (error: unknown) => void;
  onRetry: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export interface StreamSource<I, V> {
  /** For logs: "messages of every conversation", ... */
  what: string;
  open(options: InnerOptions): Promise<InnerStream<I>>;
  /** The value delivered for an item, or undefined to drop it. Must not throw. */
  convert(item: I): Promise<V | undefined>;
  /** Identity of a value, so that none is delivered twice (message or conversation id). */
  key(value: V): string;
  /** After a restart: values stored since `sinceNs` (others may have been read meanwhile). */
  catchUp?(sinceNs: bigint): Promise<V[]>;
  /** The time of a value, to know where catching up starts. */
  timeOf?(value: V): bigint;
}

export interface StreamHooks {
  log: SdkLog;
  /** Told once when a stream gives up. */
  onGaveUp?: (error: StreamFailedError, what: string) => void;
}

/** The first wait before reopening a failed stream, doubled each time up to retryDelay. */
const RESTART_INITIAL_DELAY_MS = 1_000;
const DEFAULT_RETRY_DELAY_MS = 10_000;
/** Keys of delivered values remembered, so a restart never delivers one twice. */
export const DELIVERED_KEYS_KEPT = 10_000;
/** Catching up starts this long before the last delivered value (server clocks differ). */
const CATCH_UP_MARGIN_NS = 60_000_000_000n;

/** Errors after which the stream ends instead of restarting: the client is closed or released. */
function isTerminal(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    code === "CLIENT_CLOSED" ||
    code === "CLIENT_DB_RELEASED" ||
    code === "db.closed" ||
    code === "db.released"
  );
}

export interface CheckedRetry {
  retryAttempts: number;
  retryDelay: number;
  retryOnFail: boolean;
}

export function checkStreamOptions(options: StreamOptions<unknown>): CheckedRetry {
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("stream options must be an object");
  }
  const retryAttempts = options.retryAttempts ?? Number.POSITIVE_INFINITY;
  if (
    typeof retryAttempts !== "number" ||
    retryAttempts < 0 ||
    (!Number.isInteger(retryAttempts) && retryAttempts !== Number.POSITIVE_INFINITY)
  ) {
    throw invalidArgument("retryAttempts must be a whole number ≥ 0, or Infinity (the default)");
  }
  const retryDelay = options.retryDelay ?? DEFAULT_RETRY_DELAY_MS;
  if (typeof retryDelay !== "number" || !Number.isFinite(retryDelay) || retryDelay <= 0) {
    throw invalidArgument("retryDelay must be a number of milliseconds above 0");
  }
  const retryOnFail = options.retryOnFail ?? true;
  if (typeof retryOnFail !== "boolean") throw invalidArgument("retryOnFail must be a boolean");
  for (const name of ["onValue", "onError", "onFail", "onRetry", "onRestart", "onEnd"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") {
      throw invalidArgument(`${name} must be a function`);
    }
  }
  return { retryAttempts, retryDelay, retryOnFail };
}

/** Opens a stream (the first connection is made before this resolves). */
export async function openStream<I, V>(
  source: StreamSource<I, V>,
  options: StreamOptions<V>,
  hooks: StreamHooks,
): Promise<AsyncStream<V>> {
  const retry = checkStreamOptions(options as StreamOptions<unknown>);
  const stream = new AsyncStream<V>(source, options, retry, hooks);
  await stream.start();
  return stream;
}

/** node-sdk's AsyncStreamProxy: `for await`, next(), return(), end(), isDone. */
export class AsyncStream<V> implements AsyncIterableIterator<V> {
  readonly #queue: V[] = [];
  readonly #waiters: ((r: IteratorResult<V>) => void)[] = [];
  readonly #abort = new AbortController();
  readonly #delivered = new Set<string>();
  #inner: InnerStream<unknown> | undefined;
  #lastInnerError: unknown;
  #iterating = false;
  #stopped = false;
  #error: unknown;
  #lastTimeNs: bigint | undefined;
  readonly #startedNs = BigInt(Date.now()) * 1_000_000n;
  #pump: Promise<void> = Promise.resolve();
  #finished = false;

  /** @internal Made by the conversation and conversations stream methods. */
  constructor(
    private readonly source: StreamSource<unknown, V>,
    private readonly options: StreamOptions<V>,
    private readonly retry: CheckedRetry,
    private readonly hooks: StreamHooks,
  ) {}

  /** @internal */
  async start(): Promise<void> {
    const signal = this.options.signal;
    if (signal?.aborted) {
      this.#finish();
      return;
    }
    this.#inner = await this.source.open(this.innerOptions());
    signal?.addEventListener("abort", () => void this.end(), { once: true });
    this.#pump = this.#run(this.#inner);
  }

  /** True once the stream has stopped. */
  get isDone(): boolean {
    return this.#stopped;
  }

  /** Why the stream stopped, if it gave up (a StreamFailedError) or its client closed. */
  get error(): unknown {
    return this.#error;
  }

  private innerOptions(): InnerOptions {
    const { log } = this.hooks;
    const max = this.retry.retryOnFail ? this.retry.retryAttempts : 0;
    return {
      // @x/mls counts the first failure as an attempt: 1 + retries.
      retry: { maxAttempts: max + 1, maxDelayMs: this.retry.retryDelay },
      onError: (e) => {
        this.#lastInnerError = e;
        log.warn(`stream of ${this.source.what}: the connection failed (${describeError(e)})`);
        this.#call(() => this.options.onFail?.());
      },
      onRetry: ({ attempt, delayMs }) => {
        log.info(
          `stream of ${this.source.what}: reconnecting in ${delayMs} ms (attempt ${attempt} of ${max})`,
        );
        this.#call(() => this.options.onRetry?.(attempt, max));
      },
    };
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.hooks.log.warn(`a stream callback threw: ${describeError(e)}`);
    }
  }

  async #run(first: InnerStream<unknown>): Promise<void> {
    const { log } = this.hooks;
    let inner: InnerStream<unknown> | undefined = first;
    let failures = 0;
    while (!this.#stopped) {
      let error: unknown;
      let ended = false;
      try {
        if (inner === undefined) {
          inner = await this.source.open(this.innerOptions());
          this.#inner = inner;
          if (this.#stopped) {
            await inner.end();
            break;
          }
          log.info(`stream of ${this.source.what}: restarted`);
          this.#call(() => this.options.onRestart?.());
          await this.#catchUp();
        }
        for await (const item of inner) {
          if (this.#stopped) break;
          let value: V | undefined;
          try {
            value = await this.source.convert(item);
          } catch (e) {
            this.#call(() => this.options.onError?.(e));
            continue;
          }
          if (value === undefined) continue;
          failures = 0;
          this.#deliver(value);
        }
        ended = true;
      } catch (e) {
        error = e;
      }
      inner = undefined;
      if (this.#stopped) break;
      if (ended || isTerminal(error)) {
        // The client closed (or released its database): nothing to restart.
        if (error !== undefined) {
          this.#error = error;
          this.#call(() => this.options.onError?.(error));
        }
        log.info(
          `stream of ${this.source.what}: ended (${error ? describeError(error) : "closed"})`,
        );
        break;
      }
      // @x/mls told onError about its final failure already (as a failed connection).
      if (error !== this.#lastInnerError) this.#call(() => this.options.onFail?.());
      if (!this.retry.retryOnFail || failures >= this.retry.retryAttempts) {
        this.#giveUp(error, failures);
        break;
      }
      failures++;
      const max = this.retry.retryAttempts;
      const delay = Math.min(this.retry.retryDelay, RESTART_INITIAL_DELAY_MS * 2 ** (failures - 1));
      log.warn(
        `stream of ${this.source.what} failed (${describeError(error)}); opening it again in ${delay} ms (attempt ${failures} of ${max})`,
      );
      this.#call(() => this.options.onRetry?.(failures, max));
      try {
        await sleep(delay, this.#abort.signal);
      } catch {
        break; // ended while waiting
      }
    }
    this.#finish();
  }

  #giveUp(cause: unknown, failures: number): void {
    const why = this.retry.retryOnFail
      ? `after ${failures} restart${failures === 1 ? "" : "s"} (retryAttempts ${this.retry.retryAttempts})`
      : "(retryOnFail is false)";
    const error = new StreamFailedError(
      `the stream of ${this.source.what} failed ${why}: ${describeError(cause)}; start it again`,
      { cause },
    );
    this.#error = error;
    this.hooks.log.error(error.message);
    this.#call(() => this.options.onError?.(error));
    this.#call(() => this.hooks.onGaveUp?.(error, this.source.what));
  }

  /** After a restart: what was stored meanwhile and not delivered yet, oldest first. */
  async #catchUp(): Promise<void> {
    if (this.source.catchUp === undefined) return;
    const since = (this.#lastTimeNs ?? this.#startedNs) - CATCH_UP_MARGIN_NS;
    let values: V[];
    try {
      values = await this.source.catchUp(since > 0n ? since : 0n);
    } catch (e) {
      this.hooks.log.warn(
        `stream of ${this.source.what}: reading back what arrived during the restart failed (${describeError(e)})`,
      );
      return;
    }
    for (const v of values) this.#deliver(v);
  }

  #deliver(value: V): void {
    if (this.#stopped) return;
    const key = this.source.key(value);
    if (this.#delivered.has(key)) return;
    this.#delivered.add(key);
    if (this.#delivered.size > DELIVERED_KEYS_KEPT) {
      const oldest = this.#delivered.values().next().value;
      if (oldest !== undefined) this.#delivered.delete(oldest);
    }
    const time = this.source.timeOf?.(value);
    if (time !== undefined && (this.#lastTimeNs === undefined || time > this.#lastTimeNs)) {
      this.#lastTimeNs = time;
    }
    const onValue = this.options.onValue;
    if (onValue !== undefined) {
      try {
        onValue(value);
      } catch (e) {
        this.#call(() => this.options.onError?.(e));
      }
      // With a callback, values are kept for `for await` only once iteration has started.
      if (!this.#iterating) return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter({ value, done: false });
    else this.#queue.push(value);
  }

  #finish(): void {
    const first = !this.#finished;
    this.#finished = true;
    this.#stopped = true;
    for (const w of this.#waiters.splice(0)) w({ value: undefined, done: true });
    if (first) this.#call(() => this.options.onEnd?.());
  }

  next(): Promise<IteratorResult<V>> {
    this.#iterating = true;
    if (this.#queue.length > 0)
      return Promise.resolve({ value: this.#queue.shift()!, done: false });
    if (this.#stopped) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends the stream; resolves once it has stopped and closed its connections. */
  async return(): Promise<IteratorResult<V>> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#abort.abort();
      this.#queue.length = 0;
      await this.#inner?.end();
      await this.#pump;
    }
    this.#finish();
    return { value: undefined, done: true };
  }

  /** Same as return(). */
  async end(): Promise<IteratorResult<V>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
