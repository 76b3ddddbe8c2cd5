// @x/agent against a real @x/node and a real libxmtp 1.9.1 (node-sdk 5.5.0): a six-line agent
// answers texts in a DM and a group, a /ping command through the CommandRouter, never its own
// replies (no loop), and stop() ends its streams (a stopped agent answers nothing more).
import { Agent, CommandRouter, createSigner, type MessageContext } from "@x/agent";
import { type RunningNode, startNode } from "@x/node";
import { afterAll, describe, expect, it } from "vitest";
import {
  peer191,
  type SdkConversation,
  TempDir,
  texts191,
  untilText191,
} from "./test-utils/libxmtp.js";
import { delay } from "./test-utils/streams.js";

const dir = new TempDir("x-agent-interop-");
let node: RunningNode | undefined;
const agents: Agent[] = [];

afterAll(async () => {
  for (const a of agents) {
    await a.stop().catch(() => {});
    await a.client.close().catch(() => {});
  }
  await node?.stop();
  dir.remove();
});

const waitForAgent = (c: SdkConversation, text: string) =>
  untilText191(c, text, `the agent's "${text}"`);

describe("@x/agent with libxmtp 1.9.1", () => {
  it("answers texts and /ping in a DM and a group, never its own messages, until stop()", async () => {
    node = await startNode({ port: 0, webPort: null, historyPort: 0, db: dir.file("node.sqlite") });
    const handled: string[] = [];

    // The agent, as a user writes it:
    const agent = await Agent.create(createSigner(), {
      env: "local",
      apiUrl: node.url,
      dbPath: dir.file("agent.db3"),
    });
    agent.use(new CommandRouter().command("/ping", (ctx) => ctx.sendText("pong")).middleware());
    agent.on("text", (ctx) => ctx.sendText(`echo: ${ctx.message.content}`));
    await agent.start();

    agents.push(agent);
    agent.on("message", (ctx: MessageContext) => {
      handled.push(`${ctx.isDm() ? "dm" : "group"}:${String(ctx.message.content)}`);
    });
    const lib = await peer191(node.url, dir);

    const dm = await lib.conversations.createDm(agent.inboxId);
    await dm.sendText("hi agent");
    await waitForAgent(dm, "echo: hi agent");
    await dm.sendText("/ping");
    await waitForAgent(dm, "pong");

    const group = await lib.conversations.createGroup([agent.inboxId], { groupName: "agents" });
    await group.sendText("hi all");
    await waitForAgent(group, "echo: hi all");
    await group.sendText("/PING");
    await waitForAgent(group, "pong");

    // Give a loop time to show: the agent's own replies reach no handler.
    await delay(1_500);
    expect(await texts191(dm)).toEqual(["hi agent", "echo: hi agent", "/ping", "pong"]);
    expect(await texts191(group)).toEqual(["hi all", "echo: hi all", "/PING", "pong"]);
    // "message" ran for the plain texts only: the router answered the commands and stopped there.
    expect(handled).toEqual(["dm:hi agent", "group:hi all"]);

    let stopped = 0;
    agent.on("stop", () => {
      stopped++;
    });
    await agent.stop();
    expect(stopped).toBe(1);
    expect(agent.isRunning()).toBe(false);
    await dm.sendText("after stop");
    await delay(1_500);
    expect((await texts191(dm)).at(-1)).toBe("after stop");

    // Started again on the same client, it catches up with what came meanwhile.
    await agent.start();
    await waitForAgent(dm, "echo: after stop");
    await agent.stop();
  });
});
