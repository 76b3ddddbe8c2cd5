// The client's background workers (libxmtp's WorkerRunner): each worker runs rounds on its own
// schedule until the runner stops. A failed round is reported and retried with backoff; nothing a
// worker throws reaches the process. Durable work lives in the task table (see tasks.ts), so a
// worker keeps no state that a crash could lose.

/** Time as the workers see it: injectable, so schedules can be tested without waiting. */
export interface WorkerClock {
  /** Now, in ns since the Unix epoch. */
  now(): bigint;
  /** Resolves after `ms`, or as soon as `signal` aborts. Never rejects. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: WorkerClock = {
  now: () => BigInt(Date.now()) * 1_000_000n,
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      // Background work alone never keeps a process alive.
      (timer as { unref?: () => void }).unref?.();
      signal.addEventListener("abort", done, { once: true });
    }),
};

export interface Worker {
  /** A short name, e.g. "tasks" or "disappearing-messages". */
  readonly kind: string;
  /**
   * Runs one round. Returns how long to wait before the next one, in ms (`wake()` can cut the wait
   * short). A round that throws is retried after a backoff.
   */
  runOnce(signal: AbortSignal): Promise<number>;
}

export interface WorkerStatus {
  kind: string;
  /** Rounds that ended without an error. */
  rounds: number;
  /** Failed rounds in a row (0 once a round succeeds). */
  failures: number;
  /** The error of the last failed round, if the last round failed. */
  lastError: unknown;
}

export interface WorkerErrorInfo {
  worker: string;
  /** Failed rounds in a row, this one included. */
  failures: number;
  /** When the worker tries again. */
  retryInMs: number;
}

export interface WorkerRunnerOptions {
  clock?: WorkerClock;
  /** Told about every failed round (default: ignored). Errors it throws are ignored. */
  onError?: (error: unknown, info: WorkerErrorInfo) => void;
  /** Backoff after failed rounds: initialMs × factor^(failures−1), at most maxMs. */
  retry?: { initialMs?: number; factor?: number; maxMs?: number };
  /**
   * Errors after which a worker stops instead of retrying (libxmtp's needs_db_reconnect: the
   * database was released or closed); start() after a reconnect runs it again.
   */
  isFatal?: (error: unknown) => boolean;
}

interface Running {
  worker: Worker;
  status: WorkerStatus;
  /** Aborted by wake() to end the current sleep. */
  wake: AbortController;
  /** wake() came while a round was running: skip the next sleep. */
  woken: boolean;
  firstRound: Promise<void>;
  markFirstRound: () => void;
}

export class WorkerRunner {
  readonly #clock: WorkerClock;
  readonly #onError: NonNullable<WorkerRunnerOptions["onError"]>;
  readonly #retry: { initialMs: number; factor: number; maxMs: number };
  readonly #isFatal: (error: unknown) => boolean;
  readonly #workers: Worker[] = [];
  #running = new Map<string, Running>();
  #stop: AbortController | undefined;
  #loops: Promise<void>[] = [];

  constructor(options: WorkerRunnerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#onError = options.onError ?? (() => {});
    this.#retry = { initialMs: 1_000, factor: 2, maxMs: 60_000, ...options.retry };
    this.#isFatal = options.isFatal ?? (() => false);
  }

  get clock(): WorkerClock {
    return this.#clock;
  }

  get running(): boolean {
    return this.#stop !== undefined;
  }

  /** Adds a worker; it starts with the next start() (or now, if the runner is running). */
  register(worker: Worker): void {
    if (this.#workers.some((w) => w.kind === worker.kind)) {
      throw new Error(`a worker of kind ${worker.kind} is registered already`);
    }
    this.#workers.push(worker);
    if (this.#stop !== undefined) this.#launch(worker, this.#stop.signal);
  }

  /** Starts every worker (no-op when running). */
  start(): void {
    if (this.#stop !== undefined) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#running = new Map();
    this.#loops = [];
    for (const w of this.#workers) this.#launch(w, stop.signal);
  }

  /** Stops every worker and resolves once the rounds in progress have ended. */
  async stop(): Promise<void> {
    const stop = this.#stop;
    if (stop === undefined) return;
    this.#stop = undefined;
    stop.abort();
    await Promise.all(this.#loops);
  }

  /** Runs the worker's next round now instead of after its wait. */
  wake(kind: string): void {
    const r = this.#running.get(kind);
    if (r === undefined) return;
    r.woken = true;
    r.wake.abort();
  }

  /** Resolves once every running worker has finished its first round (well or not). */
  async firstRounds(): Promise<void> {
    await Promise.all([...this.#running.values()].map((r) => r.firstRound));
  }

  status(): WorkerStatus[] {
    return this.#workers.map(
      (w) =>
        this.#running.get(w.kind)?.status ?? {
          kind: w.kind,
          rounds: 0,
          failures: 0,
          lastError: undefined,
        },
    );
  }

  #launch(worker: Worker, signal: AbortSignal): void {
    let markFirstRound!: () => void;
    const firstRound = new Promise<void>((r) => {
      markFirstRound = r;
    });
    const r: Running = {
      worker,
      status: { kind: worker.kind, rounds: 0, failures: 0, lastError: undefined },
      wake: new AbortController(),
      woken: false,
      firstRound,
      markFirstRound,
    };
    this.#running.set(worker.kind, r);
    this.#loops.push(this.#loop(r, signal).finally(markFirstRound));
  }

  async #loop(r: Running, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // A wake before this round is answered by this round.
      r.woken = false;
      if (r.wake.signal.aborted) r.wake = new AbortController();
      let delayMs: number;
      try {
        delayMs = await r.worker.runOnce(signal);
        r.status.rounds++;
        r.status.failures = 0;
        r.status.lastError = undefined;
      } catch (error) {
        if (signal.aborted) break;
        r.status.failures++;
        r.status.lastError = error;
        if (this.#isFatal(error)) break;
        delayMs = Math.min(
          this.#retry.initialMs * this.#retry.factor ** (r.status.failures - 1),
          this.#retry.maxMs,
        );
        try {
          this.#onError(error, {
            worker: r.worker.kind,
            failures: r.status.failures,
            retryInMs: delayMs,
          });
        } catch {
          // a throwing callback must not stop the worker
        }
      }
      r.markFirstRound();
      if (signal.aborted || r.woken) continue;
      const both = AbortSignal.any([signal, r.wake.signal]);
      await this.#clock.sleep(Math.max(0, Number.isFinite(delayMs) ? delayMs : 0), both);
    }
  }
}
