// The standing fault suite (bounded here; `pnpm test:reliability` runs it long): three of our
// clients talk to @x/node through fault-injecting API clients (delays, calls that never arrive,
// answers lost after the node acted, calls that arrive twice, answers out of order, streams reset
// mid-way) while they send, rename and rotate keys at the same time; a libxmtp 1.9.1 member on a
// clean connection sends too. Afterwards: nothing lost, nothing duplicated, every member in the
// same epoch with the same messages in the same order, libxmtp reading everything, and the live
// stream complete.
// XMTP_RELIABILITY_ROUNDS and XMTP_RELIABILITY_SEED replay a run.
import { openSqlite } from "@x/db/sqlite";
import { Client, type Conversation, type DecodedMessage } from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import type { Client as SdkClient } from "@xmtp/node-sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultStats, faultyApi, prng } from "./test-utils/faulty-api.js";
import {
  eventually,
  peer191,
  randomWallet,
  type SdkConversation,
  TempDir,
  texts191,
} from "./test-utils/libxmtp.js";
import { ourTexts } from "./test-utils/our-client.js";
import { record, textsOf } from "./test-utils/streams.js";

const ROUNDS = Number(process.env.XMTP_RELIABILITY_ROUNDS ?? 12);
const SEED = Number(process.env.XMTP_RELIABILITY_SEED ?? Math.floor(Math.random() * 1e9));
const RATE = 0.1;

describe(`reliability under injected faults (seed ${SEED}, ${ROUNDS} rounds)`, () => {
  const dir = new TempDir();
  let node: RunningNode;
  let libxmtp: SdkClient;
  const clients: Client[] = [];
  const apis: ReturnType<typeof faultyApi>[] = [];
  const stats: FaultStats = {
    calls: 0,
    faults: {
      delay: 0,
      unavailable: 0,
      "lost-answer": 0,
      duplicate: 0,
      "stream-reset": 0,
      reorder: 0,
    },
  };

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    for (let i = 0; i < 3; i++) {
      const api = faultyApi(node.url, { seed: SEED + i, rate: RATE, shared: stats });
      apis.push(api);
      clients.push(
        await Client.create(privateKeyToAccount(randomWallet().privateKey), {
          api: api.client,
          db: await openSqlite({ path: dir.file(`ours-${i}.sqlite`) }),
        }),
      );
    }
    libxmtp = await peer191(node.url, dir);
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await node?.stop();
    dir.remove();
  }, 60_000);

  it("loses nothing, duplicates nothing, forks nothing", async () => {
    const random = prng(SEED);
    const [a, b, c] = clients as [Client, Client, Client];
    const group = await a.conversations.createGroup([b.inboxId, c.inboxId, libxmtp.inboxId]);
    const groups: Conversation[] = [group];
    for (const other of [b, c]) {
      await other.conversations.sync();
      groups.push((await other.conversations.getConversationById(group.id))!);
    }
    const theirs = (await eventually(async () => {
      await libxmtp.conversations.sync();
      return libxmtp.conversations.getConversationById(group.id);
    }, "libxmtp's copy")) as SdkConversation;
    const stream = await b.conversations.streamAllMessages({ retry: { maxAttempts: 1_000 } });
    const streamed = record(stream);

    const sent = new Set<string>(); // sends that resolved: must arrive, once, everywhere
    const attempted = new Set<string>(); // sends that threw: may arrive, at most once
    const failures: { code: unknown; retryable: unknown }[] = [];
    let commits = 0;
    for (const api of apis) api.enabled = true;
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        groups.map(async (g, i) => {
          const r = random();
          const text = `r${round}-m${i}`;
          try {
            if (r < 0.7) {
              await g.sendText(text);
              sent.add(text);
            } else if (r < 0.85) {
              commits++;
              await (g as { updateName(n: string): Promise<void> }).updateName(
                `name ${round}.${i}`,
              );
            } else {
              commits++;
              await (g as { rotateKey(): Promise<void> }).rotateKey();
            }
          } catch (e) {
            if (r < 0.7) attempted.add(text);
            const err = e as { code?: unknown; retryable?: unknown };
            failures.push({ code: err.code, retryable: err.retryable });
          }
        }),
      );
      if (round % 4 === 3) {
        const text = `r${round}-libxmtp`;
        await theirs.sync();
        await theirs.sendText(text);
        sent.add(text);
      }
    }
    for (const api of apis) api.enabled = false;

    // Settle: every member syncs (finishing what failed calls left), libxmtp too.
    for (let pass = 0; pass < 2; pass++) for (const g of groups) await g.sync();
    await theirs.sync();
    const lists = [...(await Promise.all(groups.map(ourTexts))), await texts191(theirs)];
    const lost = [...sent].filter((t) => lists.some((l) => !l.includes(t)));
    const duplicated = lists.flatMap((l) => l.filter((t, i) => l.indexOf(t) !== i));
    const unknown = lists.flatMap((l) => l.filter((t) => !sent.has(t) && !attempted.has(t)));
    const epochs = [
      ...(await Promise.all(groups.map((g) => g.epoch()))),
      (await theirs.debugInfo()).epoch,
    ];
    // The live stream got every message too (it reconnects through the resets).
    await eventually(
      async () => [...sent].every((t) => textsOf(streamed.values).includes(t)),
      "the stream catching up",
      { timeoutMs: 20_000 },
    );
    const streamedTexts = textsOf(streamed.values as DecodedMessage[]);
    const figures = {
      seed: SEED,
      rounds: ROUNDS,
      calls: stats.calls,
      faults: stats.faults,
      sent: sent.size,
      failedCalls: failures.length,
      commits,
      lost: lost.length,
      duplicated: duplicated.length + (streamedTexts.length - new Set(streamedTexts).size),
      unknown: unknown.length,
      epochs: [...new Set(epochs.map(String))],
    };
    console.log(`reliability figures: ${JSON.stringify(figures)}`);

    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(unknown).toEqual([]);
    expect(new Set(streamedTexts).size).toBe(streamedTexts.length);
    for (const l of lists) expect(l).toEqual(lists[0]); // same messages, same (server) order
    expect(new Set(epochs.map(String)).size).toBe(1); // no fork
    // Whatever failed said so with a typed, retryable error (the network was at fault).
    for (const f of failures)
      expect(f).toMatchObject({ code: expect.any(String), retryable: true });
    expect(stats.calls).toBeGreaterThan(ROUNDS * 3);
    expect(Object.values(stats.faults).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);

    // And everyone still reads everyone after it all.
    await theirs.sendText("after the faults");
    await group.sendText("ours after the faults");
    for (const g of groups) await g.sync();
    for (const g of groups) {
      expect((await ourTexts(g)).slice(-2)).toEqual(["after the faults", "ours after the faults"]);
    }
    expect((await texts191(theirs)).slice(-2)).toEqual([
      "after the faults",
      "ours after the faults",
    ]);
    await stream.end();
  }, 600_000);
});
