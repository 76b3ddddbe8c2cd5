// examples/echo-bot run as a user runs it (node index.mjs, configured by environment variables)
// against a real @x/node, answering a real libxmtp 1.9.1 user in a DM and a group; stopped and
// started again on the same key and database, it is the same installation and answers what was
// sent while it was down.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningNode, startNode } from "@x/node";
import { Client, createSigner } from "@x/sdk";
import { afterAll, describe, expect, it } from "vitest";
import {
  eventually,
  peer191,
  type SdkConversation,
  TempDir,
  untilText191,
} from "./test-utils/libxmtp.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const BOT = path.join(ROOT, "examples/echo-bot/index.mjs");

const dir = new TempDir("x-echo-bot-");
let node: RunningNode | undefined;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await node?.stop();
  dir.remove();
});

interface Bot {
  child: ChildProcess;
  inboxId: string;
  output: () => string;
}

/** Starts the example bot and waits for its "ready" line. */
async function startBot(env: Record<string, string>): Promise<Bot> {
  const child = spawn(process.execPath, [BOT], {
    cwd: dir.path,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const inboxId = await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`the bot exited (${child.exitCode}): ${out}`);
      return /ready: inbox ([0-9a-f]{64})/.exec(out)?.[1];
    },
    "the bot's ready line",
    { timeoutMs: 30_000 },
  );
  return { child, inboxId, output: () => out };
}

async function stopBot(bot: Bot): Promise<void> {
  const exited = new Promise((r) => bot.child.once("exit", r));
  bot.child.kill("SIGTERM");
  await exited;
}

const waitForEcho = (c: SdkConversation, text: string) =>
  untilText191(c, `echo: ${text}`, `the bot's answer to "${text}"`);

describe("examples/echo-bot", () => {
  it("answers libxmtp 1.9.1 in a DM and a group, and after a restart what came meanwhile", async () => {
    node = await startNode({ port: 0, webPort: null, historyPort: 0, db: dir.file("node.sqlite") });
    const key = createSigner().privateKey;
    const env = {
      XMTP_WALLET_KEY: key,
      XMTP_ENV: "local",
      XMTP_API_URL: node.url,
      XMTP_DB_PATH: dir.file("bot.db3"),
    };
    const bot = await startBot(env);
    const lib = await peer191(node.url, dir);

    const dm = await lib.conversations.createDm(bot.inboxId);
    await dm.sendText("hi bot");
    await waitForEcho(dm, "hi bot");
    const group = await lib.conversations.createGroup([bot.inboxId]);
    await group.sendText("hi all");
    await waitForEcho(group, "hi all");

    await stopBot(bot);
    await dm.sendText("while you were away");
    const again = await startBot(env);
    expect(again.inboxId).toBe(bot.inboxId);
    const texts = await waitForEcho(dm, "while you were away");
    expect(texts.filter((t) => t.startsWith("echo: "))).toEqual([
      "echo: hi bot",
      "echo: while you were away",
    ]);
    // The same database: the same installation, no new one (and no warning about one).
    const [state] = await Client.fetchInboxStates([bot.inboxId], {
      env: "local",
      apiUrl: node.url,
    });
    expect(state!.installations).toHaveLength(1);
    expect(again.output()).not.toMatch(/new installation/);
    await stopBot(again);
  });
});
