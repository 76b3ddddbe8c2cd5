// examples/echo-agent run as a user runs it (node index.mjs, configured by agent-sdk's XMTP_*
// variables plus our XMTP_API_URL) against a real @x/node, answering a real libxmtp 1.9.1 user
// in a DM and a group; on SIGTERM it calls agent.stop() only, and the process then exits by
// itself (nothing left running).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSigner } from "@x/agent";
import { type RunningNode, startNode } from "@x/node";
import { afterAll, describe, expect, it } from "vitest";
import {
  eventually,
  peer191,
  type SdkConversation,
  TempDir,
  texts191,
  untilText191,
} from "./test-utils/libxmtp.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const AGENT = path.join(ROOT, "examples/echo-agent/index.mjs");

const dir = new TempDir("x-echo-agent-");
let node: RunningNode | undefined;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await node?.stop();
  dir.remove();
});

const waitForAgent = (c: SdkConversation, text: string) =>
  untilText191(c, text, `the agent's "${text}"`);

describe("examples/echo-agent", () => {
  it("answers libxmtp 1.9.1 in a DM and a group, and exits by itself after SIGTERM", async () => {
    node = await startNode({ port: 0, webPort: null, historyPort: 0, db: dir.file("node.sqlite") });
    const child = spawn(process.execPath, [AGENT], {
      cwd: dir.path,
      env: {
        ...process.env,
        XMTP_WALLET_KEY: createSigner().privateKey.slice(2), // agent-sdk's keys come without 0x too
        XMTP_DB_ENCRYPTION_KEY: createSigner().privateKey,
        XMTP_ENV: "local",
        XMTP_API_URL: node.url,
        XMTP_DB_DIRECTORY: dir.file("agent-data"),
      },
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
        if (child.exitCode !== null)
          throw new Error(`the agent exited (${child.exitCode}): ${out}`);
        return /ready: inbox ([0-9a-f]{64})/.exec(out)?.[1];
      },
      "the agent's ready line",
      { timeoutMs: 30_000 },
    );
    // XMTP_DB_DIRECTORY: agent-sdk's file name in it.
    expect(existsSync(path.join(dir.file("agent-data"), `xmtp-local-${inboxId}.db3`))).toBe(true);
    const lib = await peer191(node.url, dir);

    const dm = await lib.conversations.createDm(inboxId);
    await dm.sendText("hi agent");
    await waitForAgent(dm, "echo: hi agent");
    await dm.sendText("/ping");
    await waitForAgent(dm, "pong");
    const group = await lib.conversations.createGroup([inboxId]);
    await group.sendText("hi all");
    const texts = await waitForAgent(group, "echo: hi all");
    expect(texts).toEqual(["hi all", "echo: hi all"]);
    expect(await texts191(dm)).toEqual(["hi agent", "echo: hi agent", "/ping", "pong"]);

    const sentAt = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 20_000);
      child.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
      child.kill("SIGTERM");
    });
    expect({ code, out: out.slice(-2000) }).toEqual({ code: 0, out: expect.any(String) });
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(out).not.toMatch(/unhandled error/);
  });
});
