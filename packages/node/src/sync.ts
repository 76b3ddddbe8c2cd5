// Small concurrency helpers: a mutex, keyed locks, and a bounded async queue.

/** Runs tasks one at a time, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => {});
    return result;
  }
}

/** One mutex per key (e.g. per inbox id), dropped when idle. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(task);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

export class QueueOverflowError extends Error {
  readonly code = "node.subscriber_too_slow";
  constructor(what: string) {
    super(`caller did not read messages fast enough (${what} waiting)`);
    this.name = "QueueOverflowError";
  }
}

/**
 * A queue read with `for await`. More than `limit` unread items, or more than `maxBytes` of them
 * (by `sizeOf`), fails the reader with QueueOverflowError and drops what was waiting; `close()`
 * ends it. Reading is O(1) per item (a head index, compacted now and then).
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private bytes = 0;
  private waiter: (() => void) | undefined;
  private closed = false;
  private failure: Error | undefined;

  constructor(
    private readonly limit: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    private readonly sizeOf: (item: T) => number = () => 0,
  ) {}

  /** Items waiting to be read. */
  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.closed || this.failure) return;
    const bytes = this.sizeOf(item);
    if (this.size >= this.limit || this.bytes + bytes > this.maxBytes) {
      this.failure = new QueueOverflowError(
        this.size >= this.limit ? `more than ${this.limit}` : `more than ${this.maxBytes} bytes`,
      );
      this.items = [];
      this.head = 0;
      this.bytes = 0;
    } else {
      this.items.push(item);
      this.bytes += bytes;
    }
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private take(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined as T;
    this.head++;
    this.bytes -= this.sizeOf(item);
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.size > 0) {
        yield this.take()!;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
