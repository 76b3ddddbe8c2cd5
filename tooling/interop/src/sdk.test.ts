// @x/sdk against a real @x/node and a real libxmtp 1.9.1 (node-sdk 5.5.0): a ten-line echo bot
// answers in a DM and a group; the client-less statics (fetchInboxStates, revokeInstallations)
// work against the node and libxmtp sees their effect; the bot's stream survives the node being
// stopped for 15 s and restarted on the same port, with no reply lost and none twice.
import { type RunningNode, startNode } from "@x/node";
import {
  Client,
  createSigner,
  type DecodedMessage,
  type EnrichedReply,
  type Group,
  getInboxIdForIdentifier,
  isReply,
  isText,
  type Logger,
  ReactionAction,
  ReactionSchema,
} from "@x/sdk";
import { encodeText } from "@xmtp/node-sdk";
import { afterAll, describe, expect, it } from "vitest";
import {
  eventually,
  peer191,
  type SdkConversation,
  TempDir,
  texts191,
  untilText191,
} from "./test-utils/libxmtp.js";
import { delay } from "./test-utils/streams.js";

const dir = new TempDir("x-sdk-interop-");
const nodes: RunningNode[] = [];
const clients: Client[] = [];

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const n of nodes) await n.stop().catch(() => {});
  dir.remove();
});

async function node(db = dir.unique("node.sqlite"), port = 0): Promise<RunningNode> {
  const n = await startNode({ port, webPort: null, historyPort: 0, db });
  nodes.push(n);
  return n;
}

/** A logger that keeps every line (and prints nothing). */
function lines(): Logger & { lines: string[] } {
  const out: string[] = [];
  const at =
    (level: string) =>
    (...a: unknown[]) =>
      out.push(`${level} ${a.join(" ")}`);
  return { lines: out, error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
}

/** The echo bot, as a user writes it with @x/sdk (the body of `run` is the whole bot). */
async function echoBot(apiUrl: string, dbPath: string, logger?: Logger) {
  const signer = createSigner();
  const bot = await Client.create(signer, {
    env: "local",
    apiUrl,
    dbPath,
    ...(logger === undefined ? {} : { logger, loggingLevel: "info" as const }),
  });
  clients.push(bot);
  const run = (async () => {
    for await (const m of await bot.conversations.streamAllMessages()) {
      if (m.senderInboxId === bot.inboxId || !isText(m)) continue;
      const c = await bot.conversations.getConversationById(m.conversationId);
      await c?.sendText(`echo: ${m.content}`);
    }
  })();
  return { bot, signer, run };
}

const echoes = (texts: string[]) => texts.filter((t) => t.startsWith("echo: "));

const waitForEcho = (c: SdkConversation, text: string) =>
  untilText191(c, `echo: ${text}`, `the bot's answer to "${text}"`);

describe("@x/sdk with libxmtp 1.9.1", () => {
  it("a ten-line echo bot answers a libxmtp 1.9.1 user in a DM and in a group", async () => {
    const n = await node();
    const { bot, run } = await echoBot(n.url, dir.unique("bot.db3"));
    const lib = await peer191(n.url, dir);

    const dm = await lib.conversations.createDm(bot.inboxId);
    await dm.sendText("hello dm");
    await waitForEcho(dm, "hello dm");

    const group = await lib.conversations.createGroup([bot.inboxId], { groupName: "echoes" });
    await group.sendText("hello group");
    await group.sendText("again");
    const texts = await waitForEcho(group, "again");
    expect(echoes(texts)).toEqual(["echo: hello group", "echo: again"]);

    // The bot sees the group as node-sdk shows it: name as a property, members with identifiers.
    const ours = await bot.conversations.getConversationById(group.id);
    expect(ours?.conversationType).toBe("group");
    expect(ours !== undefined && "name" in ours ? ours.name : undefined).toBe("echoes");
    const members = await ours!.members();
    expect(members.map((m) => m.inboxId).sort()).toEqual([bot.inboxId, lib.inboxId].sort());
    expect(members.find((m) => m.inboxId === lib.inboxId)?.accountIdentifiers).toEqual([
      { identifier: lib.accountIdentifier!.identifier, identifierKind: 0 },
    ]);
    // Our stored copy of the group has both sides' texts, once each.
    const stored = (await ours!.messages()).filter(isText).map((m) => m.content);
    expect(stored.sort()).toEqual(["again", "echo: again", "echo: hello group", "hello group"]);
    expect(echoes(await texts191(dm))).toEqual(["echo: hello dm"]);

    await bot.close();
    await run; // the stream ends with the client
  });

  it("with gatewayHost the same bot runs on d14n and answers libxmtp 1.9.1 in d14n mode", async () => {
    const n = await startNode({
      port: 0,
      webPort: null,
      historyPort: null,
      d14nPort: 0,
      db: dir.unique("d14n-node.sqlite"),
    });
    nodes.push(n);
    const gatewayHost = n.d14nUrl!;
    const bot = await Client.create(createSigner(), {
      env: "local",
      gatewayHost,
      dbPath: dir.unique("d14n-bot.db3"),
      loggingLevel: "off",
    });
    clients.push(bot);
    const run = (async () => {
      for await (const m of await bot.conversations.streamAllMessages()) {
        if (m.senderInboxId === bot.inboxId || !isText(m)) continue;
        const c = await bot.conversations.getConversationById(m.conversationId);
        await c?.sendText(`echo: ${m.content}`);
      }
    })();
    const lib = await peer191(n.url, dir, undefined, { gatewayHost });
    const dm = await lib.conversations.createDm(bot.inboxId);
    await dm.sendText("over d14n");
    expect(echoes(await waitForEcho(dm, "over d14n"))).toEqual(["echo: over d14n"]);
    // d14n only: the v3 API of the same node never heard of the bot.
    expect(
      (await Client.canMessage([bot.accountIdentifier], { env: "local", apiUrl: n.url })).get(
        bot.accountIdentifier.identifier,
      ),
    ).toBe(false);
    expect(
      (await Client.canMessage([bot.accountIdentifier], { env: "local", gatewayHost })).get(
        bot.accountIdentifier.identifier,
      ),
    ).toBe(true);
    await bot.close();
    await run;
  });

  it("typed sends reach libxmtp 1.9.1 with their types; its reactions and replies come back enriched", async () => {
    const n = await node();
    const lib = await peer191(n.url, dir);
    const sender = await Client.create(createSigner(), {
      env: "local",
      apiUrl: n.url,
      dbPath: dir.unique("typed.db3"),
      loggingLevel: "off",
    });
    clients.push(sender);
    const group = (await sender.conversations.createGroup([lib.inboxId], {
      groupName: "typed",
      groupDescription: "every content type",
    })) as Group;
    expect([group.name, group.description]).toEqual(["typed", "every content type"]);
    const textId = await group.sendText("question");
    await group.sendMarkdown("**bold**");
    await group.sendReaction({
      reference: textId,
      referenceInboxId: sender.inboxId,
      action: ReactionAction.Added,
      content: "👍",
      schema: ReactionSchema.Unicode,
    });
    await group.sendReply({ reference: textId, content: "an answer to myself" });
    await group.sendReadReceipt();
    await expect(group.sendText("fast", { optimistic: true })).rejects.toMatchObject({
      code: "SDK_NOT_SUPPORTED",
    });

    await lib.conversations.sync();
    const theirs = (await lib.conversations.getConversationById(group.id))!;
    await theirs.sync();
    const seen = await theirs.messages();
    const byType = (t: string) => seen.filter((m) => m.contentType?.typeId === t);
    expect(byType("text").map((m) => m.content)).toEqual(["question"]);
    expect(byType("markdown").map((m) => m.content)).toEqual(["**bold**"]);
    expect(byType("reply")[0]?.content).toMatchObject({
      referenceId: textId,
      content: "an answer to myself",
    });
    // libxmtp 1.9.1 lists no reactions or read receipts: reactions hang on their message.
    expect(byType("reaction")).toEqual([]);
    expect(byType("readReceipt")).toEqual([]);
    const question = byType("text")[0]!;
    expect(question.reactions.map((r) => r.content)).toMatchObject([{ content: "👍" }]);
    expect(question.numReplies).toBe(1);
    expect(await theirs.lastReadTimes()).toHaveProperty(sender.inboxId);

    // libxmtp reacts and replies; we show them attached to the message.
    await theirs.sendReaction({
      reference: textId,
      referenceInboxId: sender.inboxId,
      action: 1, // ReactionAction.Added in node-sdk
      content: "🎉",
      schema: 1, // ReactionSchema.Unicode
    } as never);
    await theirs.sendReply({ reference: textId, content: encodeText("from libxmtp") } as never);
    await group.sync();
    const messages = await group.messages();
    const ours = messages.find((m) => m.id === textId)!;
    expect(messages.filter((m) => m.contentType?.typeId === "reaction")).toEqual([]); // the same
    expect(ours.reactions.map((r) => r.content?.content).sort()).toEqual(["🎉", "👍"]);
    expect(ours.numReplies).toBe(2);
    const replyFromLib = messages.find(
      (m) => isReply(m) && m.senderInboxId === lib.inboxId,
    ) as DecodedMessage<EnrichedReply<string>>;
    expect(replyFromLib.content?.content).toBe("from libxmtp");
    expect(replyFromLib.content?.inReplyTo?.id).toBe(textId);
    expect(Object.keys(await group.lastReadTimes())).toEqual([sender.inboxId]);
  });

  it("fetchInboxStates and revokeInstallations work with no client, and libxmtp sees the revocation", async () => {
    const n = await node();
    const network = { env: "local" as const, apiUrl: n.url };
    const signer = createSigner();
    const first = await Client.create(signer, { ...network, dbPath: null, loggingLevel: "off" });
    const second = await Client.create(signer, { ...network, dbPath: null, loggingLevel: "off" });
    clients.push(first, second);
    const identifier = await signer.getIdentifier();
    expect(await getInboxIdForIdentifier(identifier, network)).toBe(first.inboxId);
    expect((await Client.canMessage([identifier], network)).get(signer.address)).toBe(true);

    const [before] = await Client.fetchInboxStates([first.inboxId], network);
    expect(before!.installations.map((i) => i.id).sort()).toEqual(
      [first.installationId, second.installationId].sort(),
    );
    expect(before!.identifiers).toEqual([identifier]);

    await Client.revokeInstallations(signer, first.inboxId, [second.installationIdBytes], network);
    const [after] = await Client.fetchInboxStates([first.inboxId], network);
    expect(after!.installations.map((i) => i.id)).toEqual([first.installationId]);

    const lib = await peer191(n.url, dir);
    const [seen] = await lib.preferences.fetchInboxStates([first.inboxId]);
    expect(seen!.installations.map((i) => i.id)).toEqual([first.installationId]);
  });

  it("the bot's stream survives the node stopped for 15 s and restarted on its port: no reply lost, none twice", async () => {
    const db = dir.unique("restart-node.sqlite");
    let n = await node(db);
    const { port, url } = n;
    const log = lines();
    const { bot, run } = await echoBot(url, dir.unique("restart-bot.db3"), log);
    const lib = await peer191(url, dir);
    const dm = await lib.conversations.createDm(bot.inboxId);
    await dm.sendText("before");
    await waitForEcho(dm, "before");

    await n.stop();
    await delay(15_000);
    n = await node(db, port);
    // Sent as soon as the node is back: the bot's stream may still be waiting to reconnect.
    await eventually(async () => {
      await dm.sync();
      return true;
    }, "libxmtp reaching the node again");
    await dm.sendText("after");
    const texts = await waitForEcho(dm, "after");
    await dm.sendText("later");
    const final = await waitForEcho(dm, "later");
    await delay(2_000); // a second answer would come by now
    expect(echoes(await texts191(dm))).toEqual(["echo: before", "echo: after", "echo: later"]);
    expect(echoes(final)).toEqual(["echo: before", "echo: after", "echo: later"]);
    expect(texts.filter((t) => t === "after")).toHaveLength(1);
    // It really lost the connection and came back, without giving up.
    expect(log.lines.some((l) => /connection failed/.test(l))).toBe(true);
    expect(log.lines.some((l) => /^error/.test(l))).toBe(false);
    await bot.close();
    await run;
  }, 120_000);
});
