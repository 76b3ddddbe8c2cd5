import { describe, expect, it } from "vitest";
import {
  causalOrder,
  dominates,
  missing,
  type Orderable,
  requeryCursor,
  resolveOrder,
  StreamOrderer,
  sortByTime,
} from "./order.js";

const env = (
  originatorId: number,
  sequenceId: number,
  ns: number,
  dependsOn: [number, number][] = [],
): Orderable & { name: string } => ({
  name: `${originatorId}:${sequenceId}`,
  originatorId,
  sequenceId: BigInt(sequenceId),
  originatorNs: BigInt(ns),
  dependsOn: new Map(dependsOn.map(([o, s]) => [o, BigInt(s)])),
});
const names = (xs: readonly { name: string }[]) => xs.map((x) => x.name);
const cursor = (entries: [number, number][]) => new Map(entries.map(([o, s]) => [o, BigInt(s)]));

describe("vector clocks", () => {
  it("dominates when every entry is covered (missing = 0)", () => {
    expect(dominates(cursor([[0, 3]]), cursor([[0, 3]]))).toBe(true);
    expect(dominates(cursor([[0, 3]]), cursor([[0, 4]]))).toBe(false);
    expect(dominates(cursor([]), cursor([[0, 0]]))).toBe(true);
    expect(dominates(cursor([[0, 9]]), cursor([[100, 1]]))).toBe(false);
    expect(
      missing(
        cursor([[0, 2]]),
        cursor([
          [0, 5],
          [100, 1],
          [1, 0],
        ]),
      ),
    ).toEqual(
      cursor([
        [0, 5],
        [100, 1],
      ]),
    );
  });
});

describe("sortByTime", () => {
  it("orders by originator_ns, then originator, then sequence", () => {
    const sorted = sortByTime([env(100, 2, 50), env(100, 1, 50), env(0, 9, 50), env(100, 3, 10)]);
    expect(names(sorted)).toEqual(["100:3", "0:9", "100:1", "100:2"]);
  });
});

describe("causalOrder", () => {
  it("holds a message until the commit it depends on, then releases it right after", () => {
    // The app message (sent after commit 0:5) reached the node before the commit.
    const sorted = sortByTime([env(100, 7, 10, [[0, 5]]), env(100, 8, 20), env(0, 5, 30)]);
    const r = causalOrder(sorted, cursor([[0, 4]]));
    expect(names(r.released)).toEqual(["100:8", "0:5", "100:7"]);
    expect(r.held).toEqual([]);
    expect(r.clock).toEqual(
      cursor([
        [0, 5],
        [100, 8],
      ]),
    );
  });

  it("seeds the clock from lastSeen and keeps what never gets its parent", () => {
    const r = causalOrder([env(100, 1, 1, [[0, 2]]), env(100, 2, 2, [[0, 9]])], cursor([[0, 2]]));
    expect(names(r.released)).toEqual(["100:1"]);
    expect(names(r.held)).toEqual(["100:2"]);
  });

  it("releases chains transitively", () => {
    const sorted = [env(0, 3, 1, [[0, 2]]), env(100, 1, 2, [[0, 3]]), env(0, 2, 3, [[0, 1]])];
    expect(names(causalOrder(sorted, cursor([[0, 1]])).released)).toEqual(["0:2", "0:3", "100:1"]);
  });
});

describe("requeryCursor", () => {
  it("asks from the clock for missing originators and from the known maximum for the rest", () => {
    const held = [env(100, 7, 1, [[0, 6]])];
    const known = [...held, env(100, 9, 2), env(0, 4, 3)];
    const c = requeryCursor(
      held,
      cursor([
        [0, 4],
        [100, 3],
      ]),
      known,
    );
    expect(c).toEqual(
      cursor([
        [0, 4],
        [100, 9],
      ]),
    );
  });
});

describe("resolveOrder", () => {
  const instant = { attempts: 3, initialDelayMs: 1, maxTotalMs: 2_000 };

  it("re-queries for a missing parent and delivers it first", async () => {
    const asked: Map<number, bigint>[] = [];
    const r = await resolveOrder(
      [env(100, 5, 10, [[0, 2]])],
      cursor([
        [0, 1],
        [100, 4],
      ]),
      async (c) => {
        asked.push(c);
        return [env(0, 2, 5), env(100, 5, 10, [[0, 2]])];
      },
      instant,
    );
    expect(names(r.messages)).toEqual(["0:2", "100:5"]);
    expect(r.unresolved).toEqual([]);
    expect(asked).toEqual([
      cursor([
        [0, 1],
        [100, 5],
      ]),
    ]);
  });

  it("gives up after the configured tries and releases the orphan anyway, in order", async () => {
    let calls = 0;
    const started = Date.now();
    const r = await resolveOrder(
      [env(100, 2, 20, [[0, 9]]), env(100, 1, 10)],
      new Map(),
      async () => {
        calls++;
        return [];
      },
      { attempts: 3, initialDelayMs: 20, maxTotalMs: 2_000 },
    );
    expect(calls).toBe(3);
    // Backoff: immediate, 20 ms, 40 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(names(r.messages)).toEqual(["100:1", "100:2"]);
    expect(names(r.unresolved)).toEqual(["100:2"]);
  });

  it("stops re-querying at the time budget", async () => {
    let t = 0;
    let calls = 0;
    const r = await resolveOrder(
      [env(100, 1, 1, [[0, 1]])],
      new Map(),
      async () => {
        calls++;
        t += 1_500;
        return [];
      },
      { attempts: 10, initialDelayMs: 1, maxTotalMs: 2_000 },
      { now: () => t },
    );
    expect(calls).toBe(2);
    expect(r.unresolved.length).toBe(1);
  });

  it("drops what lastSeen covers and repeats", async () => {
    const r = await resolveOrder(
      [env(100, 3, 1), env(100, 4, 2), env(100, 4, 2)],
      cursor([[100, 3]]),
      async () => [],
      instant,
    );
    expect(names(r.messages)).toEqual(["100:4"]);
    expect(r.requeries).toBe(0);
  });

  it("releases what it has when a re-query fails", async () => {
    const r = await resolveOrder(
      [env(100, 1, 1, [[0, 1]])],
      new Map(),
      async () => {
        throw new Error("down");
      },
      instant,
    );
    expect(names(r.messages)).toEqual(["100:1"]);
  });
});

describe("StreamOrderer", () => {
  it("holds an envelope in the icebox until its parent arrives in a later frame", () => {
    const o = new StreamOrderer<ReturnType<typeof env>>(new Map([["g", cursor([[0, 1]])]]));
    expect(names(o.push([{ topic: "g", envelope: env(100, 1, 10, [[0, 2]]) }]))).toEqual([]);
    expect(o.held).toBe(1);
    expect(names(o.push([{ topic: "g", envelope: env(0, 2, 5) }]))).toEqual(["0:2", "100:1"]);
    expect(o.held).toBe(0);
  });

  it("skips envelopes at or below their own topic's cursor, and repeats", () => {
    const o = new StreamOrderer<ReturnType<typeof env>>(
      new Map([
        ["a", cursor([[100, 5]])],
        ["b", cursor([])],
      ]),
    );
    const out = o.push([
      { topic: "a", envelope: env(100, 5, 1) },
      { topic: "b", envelope: env(100, 5, 1) },
      { topic: "a", envelope: env(100, 6, 2) },
      { topic: "a", envelope: env(100, 6, 2) },
    ]);
    expect(names(out)).toEqual(["100:5", "100:6"]);
  });

  it("keeps topics' clocks apart", () => {
    const o = new StreamOrderer<ReturnType<typeof env>>(new Map());
    o.push([{ topic: "a", envelope: env(0, 3, 1) }]);
    expect(names(o.push([{ topic: "b", envelope: env(100, 1, 2, [[0, 3]]) }]))).toEqual([]);
  });

  it("releases the oldest held envelope when the icebox is full", () => {
    const o = new StreamOrderer<ReturnType<typeof env>>(new Map(), 2);
    o.push([{ topic: "g", envelope: env(100, 1, 1, [[0, 1]]) }]);
    o.push([{ topic: "g", envelope: env(100, 2, 2, [[0, 1]]) }]);
    expect(names(o.push([{ topic: "g", envelope: env(100, 3, 3, [[0, 1]]) }]))).toEqual(["100:1"]);
    expect(o.held).toBe(2);
  });

  it("keeps a frame's order when asked not to sort, dropping nothing", () => {
    const o = new StreamOrderer<ReturnType<typeof env>>(new Map());
    const frame = [env(100, 2, 20), env(100, 1, 10)].map((envelope) => ({ topic: "w", envelope }));
    expect(names(o.push(frame, { sort: false }))).toEqual(["100:2", "100:1"]);
  });
});
