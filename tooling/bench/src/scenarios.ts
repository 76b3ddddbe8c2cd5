// The scenarios of issue 8, run against one implementation at a time. Each returns samples
// (milliseconds, or the unit it names) and the network counts of the measured operations.
import { performance } from "node:perf_hooks";
import { type CountingNode, measure } from "./harness.js";
import { type Conv, type Handle, type Impl, join, POLL } from "./impls.js";
import { eventually } from "./peers.js";

export interface Sample {
  scenario: string;
  unit: string;
  /** "lower" or "higher" is better. */
  better: "lower" | "higher";
  values: number[];
  calls?: number[];
  bytes?: number[];
  /** Network calls by method of the last repetition. */
  methods?: Record<string, number>;
  note?: string;
}

export interface Ctx {
  node: CountingNode;
  impl: Impl;
  /** Registered inboxes (our clients, one installation each) to add to groups. */
  pool: string[];
  record(s: Sample): void;
  log(line: string): void;
}

export async function register(ctx: Ctx, reps: number): Promise<Handle> {
  const ms: number[] = [];
  const calls: number[] = [];
  const bytes: number[] = [];
  let last: Handle | undefined;
  let methods: Record<string, number> = {};
  for (let i = 0; i < reps; i++) {
    const m = await measure(ctx.node, () => ctx.impl.create());
    ms.push(m.ms);
    calls.push(m.calls);
    bytes.push(m.bytes);
    methods = m.byMethod;
    last = m.value;
  }
  ctx.record({
    scenario: "create + register a client",
    unit: "ms",
    better: "lower",
    values: ms,
    calls,
    bytes,
    methods,
  });
  return last!;
}

/** Creates groups with `size` pool members; returns the last group. */
export async function createGroups(
  ctx: Ctx,
  creator: Handle,
  size: number,
  reps: number,
  scenario = `create a group with ${size} other members`,
): Promise<Conv> {
  const ms: number[] = [];
  const calls: number[] = [];
  const bytes: number[] = [];
  let methods: Record<string, number> = {};
  let last: Conv | undefined;
  const members = ctx.pool.slice(0, size);
  for (let i = 0; i < reps; i++) {
    const m = await measure(ctx.node, () => creator.createGroup(members));
    ms.push(m.ms);
    calls.push(m.calls);
    bytes.push(m.bytes);
    methods = m.byMethod;
    last = m.value;
    ctx.log(
      `  ${ctx.impl.name} group of ${size + 1}: ${Math.round(m.ms)} ms, ${m.calls} calls ${JSON.stringify(m.byMethod)}, ${m.bytes} B`,
    );
  }
  ctx.record({ scenario, unit: "ms", better: "lower", values: ms, calls, bytes, methods });
  return last!;
}

export async function addOne(ctx: Ctx, creator: Handle, group: Conv, from: number, reps: number) {
  const ms: number[] = [];
  const calls: number[] = [];
  const bytes: number[] = [];
  let methods: Record<string, number> = {};
  for (let i = 0; i < reps; i++) {
    const id = ctx.pool[from + i]!;
    const m = await measure(ctx.node, () => creator.addMembers(group, [id]));
    ms.push(m.ms);
    calls.push(m.calls);
    bytes.push(m.bytes);
    methods = m.byMethod;
  }
  ctx.record({
    scenario: `add one member to a ${from}-member group`,
    unit: "ms",
    better: "lower",
    values: ms,
    calls,
    bytes,
    methods,
    note: "the group grows by one each repetition (101, 102, ... members)",
  });
}

/** Sender sends `count` texts one after another; then the receiver syncs them. */
export async function sendAndSync(ctx: Ctx, count: number, reps: number): Promise<void> {
  const sender = await ctx.impl.create();
  const receiver = await ctx.impl.create();
  const group = await sender.createGroup([receiver.inboxId]);
  const theirs = await join(receiver, group.id);
  // Warm up: the first send after creating may carry extra work (key update).
  await sender.send(group, "warm-up");
  await receiver.syncConv(theirs);
  const rate: number[] = [];
  const sendCalls: number[] = [];
  const sendBytes: number[] = [];
  const syncMs: number[] = [];
  const syncCalls: number[] = [];
  const syncBytes: number[] = [];
  let expected = await receiver.countTexts(theirs);
  let sendMethods: Record<string, number> = {};
  let syncMethods: Record<string, number> = {};
  let lastSyncs = 1;
  for (let r = 0; r < reps; r++) {
    const m = await measure(ctx.node, async () => {
      for (let i = 0; i < count; i++) await sender.send(group, `message ${r}/${i}`);
    });
    rate.push((count * 1000) / m.ms);
    sendCalls.push(m.calls / count);
    sendBytes.push(m.bytes / count);
    expected += count;
    // libxmtp 1.9.1 on d14n reads one page (100) per group sync and does not page on: it takes
    // as many syncs as pages. Everything else reads all in one sync.
    let syncs = 0;
    let got = 0;
    const s = await measure(ctx.node, async () => {
      do {
        await receiver.syncConv(theirs);
        syncs++;
        got = await receiver.countTexts(theirs);
      } while (got < expected && syncs < count / 50 + 5);
    });
    syncMs.push(s.ms);
    syncCalls.push(s.calls);
    syncBytes.push(s.bytes);
    sendMethods = m.byMethod;
    syncMethods = s.byMethod;
    lastSyncs = syncs;
    if (syncs > 1) ctx.log(`  ${ctx.impl.name}: ${syncs} syncs to read ${count} messages`);
    if (got !== expected) {
      throw new Error(
        `${ctx.impl.name}: receiver has ${got} texts after sync, expected ${expected}`,
      );
    }
    ctx.log(
      `  ${ctx.impl.name} send ${count}: ${Math.round(m.ms)} ms ${JSON.stringify(m.byMethod)}; sync: ${Math.round(s.ms)} ms ${JSON.stringify(s.byMethod)}`,
    );
  }
  ctx.record({
    scenario: `send ${count} texts in a group (sequential)`,
    unit: "msg/s",
    better: "higher",
    values: rate,
    calls: sendCalls,
    bytes: sendBytes,
    methods: sendMethods,
    note: "calls and bytes per message (by method: all messages of the last run)",
  });
  ctx.record({
    scenario: `one member syncing ${count} new messages`,
    unit: "ms",
    better: "lower",
    values: syncMs,
    calls: syncCalls,
    bytes: syncBytes,
    methods: syncMethods,
    ...(lastSyncs > 1 ? { note: `${lastSyncs} syncs needed (one page of 100 per sync)` } : {}),
  });
}

/** A client in `n` conversations: syncAll with nothing new, then with one new message in each. */
export async function syncAll(ctx: Ctx, n: number, reps: number): Promise<Handle> {
  const creator = await ctx.impl.create();
  const member = await ctx.impl.create();
  const groups: Conv[] = [];
  for (let i = 0; i < n; i++) groups.push(await creator.createGroup([member.inboxId]));
  await member.syncAll(); // joins them all
  await member.syncAll();
  const idle: number[] = [];
  const idleCalls: number[] = [];
  const idleBytes: number[] = [];
  let methods: Record<string, number> = {};
  for (let r = 0; r < reps; r++) {
    const m = await measure(ctx.node, () => member.syncAll());
    idle.push(m.ms);
    idleCalls.push(m.calls);
    idleBytes.push(m.bytes);
    methods = m.byMethod;
  }
  ctx.record({
    scenario: `syncAll over ${n} conversations, nothing new`,
    unit: "ms",
    better: "lower",
    values: idle,
    calls: idleCalls,
    bytes: idleBytes,
    methods,
  });
  const busy: number[] = [];
  const busyCalls: number[] = [];
  const busyBytes: number[] = [];
  for (let r = 0; r < reps; r++) {
    for (const [i, g] of groups.entries()) await creator.send(g, `news ${r}/${i}`);
    const m = await measure(ctx.node, () => member.syncAll());
    busy.push(m.ms);
    busyCalls.push(m.calls);
    busyBytes.push(m.bytes);
    methods = m.byMethod;
  }
  const last = await member.find(groups[n - 1]!.id);
  const texts = await member.countTexts(last);
  if (texts !== reps)
    throw new Error(`${ctx.impl.name}: syncAll left ${texts} texts, expected ${reps}`);
  ctx.record({
    scenario: `syncAll over ${n} conversations, one new message in each`,
    unit: "ms",
    better: "lower",
    values: busy,
    calls: busyCalls,
    bytes: busyBytes,
    methods,
  });
  return member;
}

/** Send-to-receipt latency between two clients, one message at a time. */
export async function streamLatency(ctx: Ctx, count: number): Promise<void> {
  const sender = await ctx.impl.create();
  const receiver = await ctx.impl.create();
  const group = await sender.createGroup([receiver.inboxId]);
  const theirs = await join(receiver, group.id);
  await sender.send(group, "warm-up");
  await receiver.syncConv(theirs);
  const arrived = new Map<string, number>();
  const stop = await receiver.listen(theirs, (t) => arrived.set(t, performance.now()));
  const lat: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const text = `ping ${i}`;
      const t0 = performance.now();
      await sender.send(group, text);
      const t1 = await eventually(
        async () => arrived.get(text),
        `${ctx.impl.name} receipt of ${text}`,
        { ...POLL, timeoutMs: 30_000 },
      );
      lat.push(t1 - t0);
    }
  } finally {
    await stop();
  }
  ctx.record({
    scenario: "stream latency, send to receipt",
    unit: "ms",
    better: "lower",
    values: lat,
    note: ctx.impl.name === "ours" ? "ours: group.stream()" : undefined,
  });
}

/**
 * Untimed: runs every kind of node call once through `impl` (register, group, add, send, sync,
 * syncAll, stream) so the node process has compiled its code paths before anything is timed.
 * Without it, whichever implementation ran first paid the node's warm-up.
 */
export async function warmUpNode(impl: Impl, rounds = 3): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const a = await impl.create();
    const b = await impl.create();
    const c = await impl.create();
    const conv = await a.createGroup([b.inboxId]);
    await a.addMembers(conv, [c.inboxId]);
    const theirs = await join(b, conv.id);
    const heard: string[] = [];
    const stop = await b.listen(theirs, (t) => heard.push(t));
    for (let i = 0; i < 20; i++) await a.send(conv, `warm-up ${i}`);
    await eventually(async () => heard.length >= 20, "warm-up: stream", POLL);
    await stop();
    await b.syncConv(theirs);
    await c.syncAll();
  }
}
