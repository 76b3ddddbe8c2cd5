// Client-side ordering of d14n envelopes (reference/d14n.md §7): sort by originator time, then
// release each envelope once the topic's vector clock covers its `depends_on`. Queries re-ask
// the node for what is missing a few times, then release the rest anyway (MLS judges them; a
// reader must never stall on a parent that never comes). Streams never query: they hold
// envelopes in a bounded icebox until the parent arrives.
import { sleep, type VectorCursor } from "@x/api";

export interface Orderable {
  originatorId: number;
  sequenceId: bigint;
  originatorNs: bigint;
  /** The commits the sender had seen (`aad.depends_on`); empty when none. */
  dependsOn: VectorCursor;
}

const keyOf = (e: Orderable) => `${e.originatorId}:${e.sequenceId}`;

/** By `originator_ns`, then originator, then sequence id. */
export function compareByTime(a: Orderable, b: Orderable): number {
  if (a.originatorNs !== b.originatorNs) return a.originatorNs < b.originatorNs ? -1 : 1;
  if (a.originatorId !== b.originatorId) return a.originatorId - b.originatorId;
  if (a.sequenceId !== b.sequenceId) return a.sequenceId < b.sequenceId ? -1 : 1;
  return 0;
}

/** A sorted copy (the sort is stable). */
export const sortByTime = <T extends Orderable>(items: readonly T[]): T[] =>
  [...items].sort(compareByTime);

/** Whether `clock` covers every entry of `other` (missing entries count as 0). */
export function dominates(clock: VectorCursor, other: VectorCursor): boolean {
  for (const [originator, seq] of other) if (seq > (clock.get(originator) ?? 0n)) return false;
  return true;
}

/** The entries of `needed` that `clock` does not cover. */
export function missing(clock: VectorCursor, needed: VectorCursor): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const [originator, seq] of needed) {
    if (seq > (clock.get(originator) ?? 0n)) out.set(originator, seq);
  }
  return out;
}

/** Moves `clock` up to the envelope's own cursor. */
export function advance(clock: Map<number, bigint>, e: Orderable): void {
  if (e.sequenceId > (clock.get(e.originatorId) ?? 0n)) clock.set(e.originatorId, e.sequenceId);
}

/** Whether the envelope is at or below the cursor (already seen). */
export const isSeen = (cursor: VectorCursor, e: Orderable): boolean =>
  e.sequenceId <= (cursor.get(e.originatorId) ?? 0n);

/** Drops repeated `(originator, sequence)` pairs, keeping the first. */
export function dedupe<T extends Orderable>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((e) => {
    const k = keyOf(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export interface CausalResult<T> {
  /** In release order. */
  released: T[];
  /** Still waiting for a parent, in input order. */
  held: T[];
  /** The clock after every release. */
  clock: Map<number, bigint>;
}

/**
 * One causal pass over envelopes already sorted by time: each is released when the clock
 * (seeded from `seed`) dominates its `depends_on`, and the clock then takes its cursor; a held
 * envelope is released as soon as a later release covers it.
 */
export function causalOrder<T extends Orderable>(
  sorted: readonly T[],
  seed: VectorCursor,
): CausalResult<T> {
  const clock = new Map(seed);
  const released: T[] = [];
  let held: T[] = [];
  const release = (e: T) => {
    released.push(e);
    advance(clock, e);
  };
  for (const e of sorted) {
    if (!dominates(clock, e.dependsOn)) {
      held.push(e);
      continue;
    }
    release(e);
    // Children waiting for this one (or for one they unlock) go right after it.
    for (let progress = true; progress && held.length > 0; ) {
      progress = false;
      const still: T[] = [];
      for (const h of held) {
        if (dominates(clock, h.dependsOn)) {
          release(h);
          progress = true;
        } else still.push(h);
      }
      held = still;
    }
  }
  return { released, held, clock };
}

/**
 * The cursor to re-query a topic with for the parents `held` envelopes miss: for every
 * originator a parent is missing under, the clock's entry (so everything after it comes back);
 * for the others, the highest sequence already known, so nothing comes back twice.
 */
export function requeryCursor(
  held: readonly Orderable[],
  clock: VectorCursor,
  known: readonly Orderable[],
): Map<number, bigint> {
  const cursor = new Map(clock);
  for (const e of known) {
    if (e.sequenceId > (cursor.get(e.originatorId) ?? 0n)) cursor.set(e.originatorId, e.sequenceId);
  }
  for (const e of held) {
    for (const originator of missing(clock, e.dependsOn).keys()) {
      cursor.set(originator, clock.get(originator) ?? 0n);
    }
  }
  return cursor;
}

export interface ResolvePolicy {
  /** Re-queries for missing parents (default 3; 0 = release at once). */
  attempts: number;
  /** Wait before the second re-query, doubling after (default 50 ms; the first is immediate). */
  initialDelayMs: number;
  /** No re-query starts after this much time (default 2 s). */
  maxTotalMs: number;
}

export const DEFAULT_RESOLVE_POLICY: ResolvePolicy = {
  attempts: 3,
  initialDelayMs: 50,
  maxTotalMs: 2_000,
};

export interface ResolvedOrder<T> {
  /** Everything to deliver: the causal order, then what never got its parent, by time. */
  messages: T[];
  /** The envelopes delivered without their parents. */
  unresolved: T[];
  /** How many re-queries ran. */
  requeries: number;
}

/**
 * Orders a query result: drops what `lastSeen` already covers and repeats, sorts by time, does
 * the causal pass, and while something is held re-queries (`requery(cursor)`) with backoff
 * within `policy`, adding what comes back. What is still held is delivered last, in time order.
 * A failed re-query ends the resolution (the caller's abort still rejects).
 */
export async function resolveOrder<T extends Orderable>(
  items: readonly T[],
  lastSeen: VectorCursor,
  requery: (cursor: Map<number, bigint>) => Promise<readonly T[]>,
  policy: ResolvePolicy = DEFAULT_RESOLVE_POLICY,
  options: { signal?: AbortSignal; now?: () => number } = {},
): Promise<ResolvedOrder<T>> {
  const now = options.now ?? Date.now;
  const started = now();
  let all = dedupe(items.filter((e) => !isSeen(lastSeen, e)));
  for (let attempt = 0; ; attempt++) {
    const { released, held, clock } = causalOrder(sortByTime(all), lastSeen);
    const done = (): ResolvedOrder<T> => ({
      messages: [...released, ...held],
      unresolved: held,
      requeries: attempt,
    });
    if (held.length === 0 || attempt >= policy.attempts) return done();
    const delay = attempt === 0 ? 0 : policy.initialDelayMs * 2 ** (attempt - 1);
    if (now() - started + delay > policy.maxTotalMs) return done();
    if (delay > 0) await sleep(delay, options.signal);
    let more: readonly T[];
    try {
      more = await requery(requeryCursor(held, clock, all));
    } catch (e) {
      if (options.signal?.aborted) throw e;
      return done();
    }
    all = dedupe([...all, ...more.filter((e) => !isSeen(lastSeen, e))]);
  }
}

/**
 * Stream ordering across several topics: per-topic clocks seeded from each filter's cursor.
 * `push` takes one frame and returns what can be delivered, in order; envelopes at or below
 * their topic's starting cursor, or delivered already (the last `DELIVERED_MEMORY` are kept in
 * mind), are dropped as repeats; envelopes without their parent wait in the icebox. When the
 * icebox is over `capacity`, its oldest envelope is released anyway.
 */
const EMPTY: VectorCursor = new Map();
/** How many delivered envelopes a stream remembers to drop repeats. */
export const DELIVERED_MEMORY = 10_000;

export class StreamOrderer<T extends Orderable> {
  private readonly seeds = new Map<string, VectorCursor>();
  private readonly clocks = new Map<string, Map<number, bigint>>();
  private readonly delivered = new Set<string>();
  /** Held envelopes per topic, in time order of arrival. */
  private readonly icebox = new Map<string, T[]>();
  private readonly iced = new Set<string>();
  private size = 0;

  constructor(
    seeds: ReadonlyMap<string, VectorCursor>,
    private readonly capacity = 1_000,
  ) {
    for (const [topic, cursor] of seeds) {
      this.seeds.set(topic, cursor);
      this.clocks.set(topic, new Map(cursor));
    }
  }

  /** How many envelopes wait for a parent. */
  get held(): number {
    return this.size;
  }

  /** Whether the envelope is covered by its topic's starting cursor, delivered or held. */
  seen(topic: string, e: Orderable): boolean {
    const k = `${topic}/${keyOf(e)}`;
    return isSeen(this.seeds.get(topic) ?? EMPTY, e) || this.delivered.has(k) || this.iced.has(k);
  }

  /** `sort: false` keeps the frame's order (welcomes are processed as the node sends them). */
  push(frame: readonly { topic: string; envelope: T }[], options: { sort?: boolean } = {}): T[] {
    const out: T[] = [];
    const sorted =
      options.sort === false
        ? frame
        : [...frame].sort((a, b) => compareByTime(a.envelope, b.envelope));
    for (const { topic, envelope } of sorted) {
      if (this.seen(topic, envelope)) continue;
      const clock = this.clock(topic);
      if (dominates(clock, envelope.dependsOn)) {
        this.release(topic, envelope, out);
      } else {
        const box = this.icebox.get(topic) ?? [];
        box.push(envelope);
        this.icebox.set(topic, box);
        this.iced.add(`${topic}/${keyOf(envelope)}`);
        this.size++;
        if (this.size > this.capacity) this.evictOldest(out);
      }
    }
    return out;
  }

  private clock(topic: string): Map<number, bigint> {
    let clock = this.clocks.get(topic);
    if (!clock) {
      clock = new Map();
      this.clocks.set(topic, clock);
    }
    return clock;
  }

  private deliver(topic: string, e: T, out: T[]): void {
    out.push(e);
    advance(this.clock(topic), e);
    this.delivered.add(`${topic}/${keyOf(e)}`);
    if (this.delivered.size > DELIVERED_MEMORY) {
      for (const k of this.delivered) {
        this.delivered.delete(k);
        break;
      }
    }
  }

  private release(topic: string, e: T, out: T[]): void {
    this.deliver(topic, e, out);
    const clock = this.clock(topic);
    // Release whatever in the icebox this unlocked, transitively.
    for (let progress = true; progress; ) {
      progress = false;
      const box = this.icebox.get(topic);
      if (!box) return;
      const i = box.findIndex((h) => dominates(clock, h.dependsOn));
      if (i >= 0) {
        const [child] = box.splice(i, 1) as [T];
        this.unice(topic, child);
        this.deliver(topic, child, out);
        progress = true;
      }
    }
  }

  private unice(topic: string, e: T): void {
    this.iced.delete(`${topic}/${keyOf(e)}`);
    this.size--;
    if (this.icebox.get(topic)?.length === 0) this.icebox.delete(topic);
  }

  private evictOldest(out: T[]): void {
    let oldest: { topic: string; e: T } | undefined;
    for (const [topic, box] of this.icebox) {
      const first = box[0];
      if (first && (!oldest || compareByTime(first, oldest.e) < 0)) oldest = { topic, e: first };
    }
    if (!oldest) return;
    this.icebox.get(oldest.topic)?.shift();
    this.unice(oldest.topic, oldest.e);
    this.release(oldest.topic, oldest.e, out);
  }
}
