// A clock for worker tests: time moves only when the test says so; sleeps end when their time
// comes (or when aborted).
import type { WorkerClock } from "../client/workers/runner.js";

interface Sleeper {
  atNs: bigint;
  resolve: () => void;
}

export class ManualClock implements WorkerClock {
  #now: bigint;
  readonly #sleepers = new Set<Sleeper>();

  /**
   * When set, advance() waits (in real time) after each step until this many sleeps are pending
   * again: the woken workers finished their rounds, however long their real I/O took.
   */
  idleSleepers: number | undefined;

  constructor(startNs = 1_000_000_000_000_000_000n) {
    this.#now = startNs;
  }

  now = (): bigint => this.#now;

  sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const s: Sleeper = {
        atNs: this.#now + BigInt(Math.ceil(ms)) * 1_000_000n,
        resolve: () => {
          this.#sleepers.delete(s);
          signal.removeEventListener("abort", s.resolve);
          resolve();
        },
      };
      this.#sleepers.add(s);
      signal.addEventListener("abort", s.resolve, { once: true });
    });

  /** How many sleeps are pending (a worker waiting between rounds holds one). */
  get sleeping(): number {
    return this.#sleepers.size;
  }

  /**
   * Moves time forward to `ms` later, stopping at every sleep that ends on the way (in order) so
   * the work it wakes runs at its time, as it would in real time.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + BigInt(ms) * 1_000_000n;
    for (;;) {
      let next: bigint | undefined;
      for (const s of this.#sleepers)
        if (s.atNs <= target && (next === undefined || s.atNs < next)) next = s.atNs;
      if (next === undefined) break;
      if (next > this.#now) this.#now = next;
      for (const s of [...this.#sleepers]) if (s.atNs <= this.#now) s.resolve();
      await this.idle();
    }
    this.#now = target;
    await this.idle();
  }

  /** Lets the woken work run: until the workers sleep again (see idleSleepers), or a few turns. */
  async idle(): Promise<void> {
    await settle();
    const want = this.idleSleepers;
    if (want !== undefined) await until(() => this.#sleepers.size >= want);
  }
}

/** Lets pending promise chains and I/O callbacks run (a few event-loop turns). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Waits (in real time, briefly) until `cond` holds. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out waiting for a condition");
    await new Promise<void>((r) => setTimeout(r, 5));
  }
}
