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
  constructor(limit: number) {
    super(`caller did not read messages fast enough (more than ${limit} waiting)`);
    this.name = "QueueOverflowError";
  }
}

/**
 * A queue read with `for await`. Pushing more than `limit` unread items fails the reader with
 * QueueOverflowError; `close()` ends it.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;
  private failure: Error | undefined;

  constructor(private readonly limit: number) {}

  push(item: T): void {
    if (this.closed || this.failure) return;
    if (this.items.length >= this.limit) {
      this.failure = new QueueOverflowError(this.limit);
      this.items.length = 0;
    } else {
      this.items.push(item);
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

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.failure) throw this.failure;
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
