// Profiles our client alone (run with node --cpu-prof): `node dist/profile.js <send|sync|group>`.
// Prints the wall time of the profiled part; the .cpuprofile shows where it goes.
import { performance } from "node:perf_hooks";
import { CountingNode } from "./harness.js";
import { join, ours } from "./impls.js";
import { TempDir } from "./peers.js";

const what = process.argv[2] ?? "send";
const node = await CountingNode.start();
const dir = new TempDir();
const impl = ours(node.url, dir);
try {
  const a = await impl.create();
  const b = await impl.create();
  if (what === "group") {
    const pool: string[] = [];
    for (let i = 0; i < 60; i++) pool.push((await impl.create()).inboxId);
    const t0 = performance.now();
    await a.createGroup(pool);
    console.log(`group of 61: ${Math.round(performance.now() - t0)} ms`, node.take().byMethod);
  } else {
    const g = await a.createGroup([b.inboxId]);
    const theirs = await join(b, g.id);
    await a.send(g, "warm-up");
    node.take();
    const t0 = performance.now();
    for (let i = 0; i < 300; i++) await a.send(g, `m${i}`);
    console.log(`send 300: ${Math.round(performance.now() - t0)} ms`, node.take().byMethod);
    const t1 = performance.now();
    await b.syncConv(theirs);
    console.log(`sync 300: ${Math.round(performance.now() - t1)} ms`, node.take().byMethod);
  }
} finally {
  await node.node.stop();
  dir.remove();
}
