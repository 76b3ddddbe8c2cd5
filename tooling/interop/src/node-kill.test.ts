// The node killed with SIGKILL again and again while clients send: `x-node` runs as a child
// process on a fixed port and SQLite file; each round it is killed mid-traffic and restarted.
// Afterwards every text whose send resolved is there exactly once, a send that failed is there
// at most once (and once its intent was resumed by a sync), and every member — two of ours and a
// libxmtp 1.9.1 one — reads the same messages in the same order, in the same epoch.
// XMTP_NODE_KILLS (default 3) sets the number of kills; `pnpm test:reliability` runs more.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  peer191,
  type SdkConversation,
  TempDir,
  texts191,
} from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";
import { delay } from "./test-utils/streams.js";

const KILLS = Number(process.env.XMTP_NODE_KILLS ?? 3);
const BIN = fileURLToPath(new URL("../../../packages/node/dist/bin.js", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** x-node in a child process; resolves once it prints its URL. */
async function startNodeProcess(port: number, db: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [BIN, "--port", String(port), "--no-web", "--no-d14n", "--no-history", "--db", db],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  child.stderr!.on("data", (d) => {
    err += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += String(d);
      if (out.includes(`:${port}`)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`x-node exited (${code}): ${err}`)));
  });
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGKILL");
  await exited;
}

describe(`the node killed with SIGKILL ${KILLS} times while clients send`, () => {
  const dir = new TempDir();
  let port: number;
  let url: string;
  let node: ChildProcess | undefined;
  const peers: OurPeer[] = [];

  beforeAll(async () => {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = await startNodeProcess(port, dir.file("node.sqlite"));
  });
  afterAll(async () => {
    for (const p of peers) await p.client.close().catch(() => {});
    if (node !== undefined && node.exitCode === null) await kill9(node);
    dir.remove();
  });

  it("loses nothing, duplicates nothing, forks nothing", async () => {
    const a = await ourPeer(url, dir);
    const b = await ourPeer(url, dir);
    peers.push(a, b);
    const l = await peer191(url, dir);
    const group = await a.client.conversations.createGroup([b.client.inboxId, l.inboxId]);
    await b.client.conversations.sync();
    const gb = (await b.client.conversations.getConversationById(group.id))!;
    await l.conversations.sync();
    const gl = (await l.conversations.getConversationById(group.id)) as SdkConversation;

    const sent: string[] = [];
    const failed: string[] = [];
    let stop = false;
    const sender = (who: string, send: (t: string) => Promise<unknown>) =>
      (async () => {
        for (let i = 0; !stop; i++) {
          const t = `${who}-${i}`;
          try {
            await send(t);
            sent.push(t);
          } catch {
            failed.push(t);
            await delay(100);
          }
          await delay(30);
        }
      })();
    const senders = [sender("a", (t) => group.sendText(t)), sender("b", (t) => gb.sendText(t))];
    for (let k = 0; k < KILLS; k++) {
      await delay(400 + Math.floor(Math.random() * 600));
      await kill9(node!);
      await delay(200 + Math.floor(Math.random() * 800));
      node = await startNodeProcess(port, dir.file("node.sqlite"));
    }
    await delay(500);
    stop = true;
    await Promise.all(senders);
    await gl.sendText("libxmtp after the kills");

    // Syncs resume what was left unpublished (both senders), then everyone reads the same list.
    for (const c of [group, gb, group, gb]) await c.sync();
    const [fromA, fromB, fromL] = await eventually(
      async () => {
        await group.sync();
        await gb.sync();
        const all = [await ourTexts(group), await ourTexts(gb), await texts191(gl)];
        const same = all.every((t) => JSON.stringify(t) === JSON.stringify(all[0]));
        return same && all[0]!.includes("libxmtp after the kills") ? all : false;
      },
      "every member to read the same messages",
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    for (const t of sent) expect(fromA!.filter((x) => x === t).length, t).toBe(1);
    for (const t of failed) expect(fromA!.filter((x) => x === t).length, t).toBeLessThanOrEqual(1);
    expect(new Set(fromA).size).toBe(fromA!.length);
    expect(fromB).toEqual(fromA);
    expect(fromL).toEqual(fromA);
    expect(await gb.epoch()).toBe(await group.epoch());
    console.log(
      `node kills: ${JSON.stringify({ kills: KILLS, sent: sent.length, failed: failed.length, read: fromA!.length })}`,
    );
    expect(sent.length).toBeGreaterThan(KILLS);
  }, 180_000);
});
