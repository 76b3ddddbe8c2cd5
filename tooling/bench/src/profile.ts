// Profiles our client alone: `[WARM=1] node dist/profile.js <send|group|add|syncall> [N] [out.cpuprofile]` (N: other
// members of the group, default 60). Prints the wall time and calls of the measured part; with
// an output file, writes a CPU profile of the measured part only (setup such as registering the
// members is left out). `node scripts-top.mjs out.cpuprofile` prints where the time goes.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import { CountingNode } from "./harness.js";
import { join, ours } from "./impls.js";
import { TempDir } from "./peers.js";

const what = process.argv[2] ?? "send";
const n = Number(process.argv[3] ?? 60);
const out = process.argv[4];
const session = new Session();
session.connect();
const profiling = async <T>(run: () => Promise<T>): Promise<T> => {
  if (out === undefined) return run();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  try {
    return await run();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(out, JSON.stringify(profile));
  }
};

const node = await CountingNode.start();
const dir = new TempDir("x-bench-");
const impl = ours(node.url, dir);
try {
  const a = await impl.create();
  const b = await impl.create();
  if (what === "syncall") {
    // b in N groups: syncAll with nothing new (10 times), then with one new message in each.
    const groups: Awaited<ReturnType<typeof a.createGroup>>[] = [];
    for (let i = 0; i < n; i++) groups.push(await a.createGroup([b.inboxId]));
    await b.syncAll();
    await b.syncAll();
    await node.take();
    await profiling(async () => {
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) await b.syncAll();
      console.log(`syncAll x10, nothing new: ${Math.round(performance.now() - t0)} ms`);
      for (const g of groups) await a.send(g, "news");
      const t1 = performance.now();
      await b.syncAll();
      console.log(`syncAll, one new in each: ${Math.round(performance.now() - t1)} ms`);
    });
  } else if (what === "add") {
    // Adding one member to a group of N+1 (the group is made outside the profile).
    const pool: string[] = [];
    for (let i = 0; i < n + 1; i++) pool.push((await impl.create()).inboxId);
    const g = await a.createGroup(pool.slice(0, n));
    await node.take();
    await profiling(async () => {
      const t0 = performance.now();
      await a.addMembers(g, [pool[n]!]);
      console.log(`add one: ${Math.round(performance.now() - t0)} ms`, await node.take());
    });
  } else if (what === "group") {
    const pool: string[] = [];
    for (let i = 0; i < n + 1; i++) pool.push((await impl.create()).inboxId);
    // WARM=1: verify the members' identities before the measured part, as in the benchmark's
    // repetitions after the first.
    if (process.env.WARM === "1") await a.createGroup(pool);
    await node.take();
    await profiling(async () => {
      const t0 = performance.now();
      const g = await a.createGroup(pool.slice(0, n));
      console.log(`group of ${n + 1}: ${Math.round(performance.now() - t0)} ms`, await node.take());
      const t1 = performance.now();
      await a.addMembers(g, [pool[n]!]);
      console.log(`add one: ${Math.round(performance.now() - t1)} ms`, await node.take());
    });
  } else {
    const g = await a.createGroup([b.inboxId]);
    const theirs = await join(b, g.id);
    await a.send(g, "warm-up");
    await node.take();
    await profiling(async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await a.send(g, `m${i}`);
      console.log(
        `send ${n}: ${Math.round(performance.now() - t0)} ms`,
        (await node.take()).byMethod,
      );
      const t1 = performance.now();
      await b.syncConv(theirs);
      console.log(
        `sync ${n}: ${Math.round(performance.now() - t1)} ms`,
        (await node.take()).byMethod,
      );
    });
  }
} finally {
  session.disconnect();
  await node.stop();
  dir.remove();
}
