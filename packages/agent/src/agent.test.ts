import { ContentTypeText } from "@x/sdk";
import { describe, expect, it, vi } from "vitest";
import { Agent } from "./agent.js";
import { CommandRouter } from "./command-router.js";
import type { MessageContext } from "./context.js";
import {
  fakeClient,
  fakeConversation,
  message,
  reactionType,
  replyType,
} from "./test-utils/fake.js";

async function running() {
  const fake = fakeClient();
  fake.conversations.set("c1", fakeConversation("c1", "dm"));
  fake.conversations.set("g1", fakeConversation("g1", "group"));
  const agent = new Agent(fake.client);
  return { fake, agent };
}

describe("Agent event dispatch", () => {
  it("runs middleware in order around the content type's event, then 'message'", async () => {
    const { fake, agent } = await running();
    const log: string[] = [];
    agent.use(
      async (_ctx, next) => {
        log.push("a>");
        await next();
        log.push("<a");
      },
      [
        async (_ctx, next) => {
          log.push("b>");
          await next();
          log.push("<b");
        },
      ],
    );
    agent.on("text", (ctx) => {
      log.push(`text:${ctx.message.content}`);
    });
    agent.on("message", () => {
      log.push("message");
    });
    await agent.start();
    fake.messages.push(message("hi"));
    await vi.waitFor(() => expect(log).toHaveLength(6));
    expect(log).toEqual(["a>", "b>", "text:hi", "message", "<b", "<a"]);
    await agent.stop();
  });

  it("a middleware that does not call next stops the message there", async () => {
    const { fake, agent } = await running();
    const seen: string[] = [];
    agent.use(async (ctx, next) => {
      if (ctx.isText() && ctx.message.content === "drop") return;
      await next();
    });
    agent.on("text", (ctx) => {
      seen.push(ctx.message.content);
    });
    await agent.start();
    fake.messages.push(message("drop"));
    fake.messages.push(message("keep"));
    await vi.waitFor(() => expect(seen).toEqual(["keep"]));
    await agent.stop();
  });

  it("skips our own messages and undecodable ones; names reaction, reply and unknown", async () => {
    const { fake, agent } = await running();
    const events: string[] = [];
    for (const e of ["text", "reaction", "reply", "unknownMessage", "message"] as const) {
      agent.on(e, (ctx: MessageContext) => {
        events.push(`${e}:${ctx.message.id}`);
      });
    }
    await agent.start();
    fake.messages.push(message("mine", { id: "own", senderInboxId: "me" }));
    fake.messages.push(message(undefined, { id: "undecodable" }));
    fake.messages.push(message(undefined, { id: "no-type", contentType: undefined }));
    fake.messages.push(message({ content: "👍" }, { id: "r", contentType: reactionType }));
    fake.messages.push(message({ content: "x" }, { id: "re", contentType: replyType }));
    const custom = { authorityId: "example.com", typeId: "poll", versionMajor: 1, versionMinor: 0 };
    fake.messages.push(message({ q: 1 }, { id: "u", contentType: custom }));
    fake.messages.push(message("last", { id: "t" }));
    await vi.waitFor(() => expect(events).toContain("message:t"));
    expect(events).toEqual([
      "reaction:r",
      "message:r",
      "reply:re",
      "message:re",
      "unknownMessage:u",
      "message:u",
      "text:t",
      "message:t",
    ]);
    await agent.stop();
  });

  it("gives the context's helpers the message and its conversation", async () => {
    const { fake, agent } = await running();
    let address: string | undefined;
    agent.on("text", async (ctx) => {
      expect(ctx.isDm()).toBe(ctx.conversation.id === "c1");
      expect(ctx.isGroup()).toBe(ctx.conversation.id === "g1");
      await ctx.sendText("plain");
      await ctx.sendTextReply("quoted");
      await ctx.sendReaction("👍");
      address = await ctx.getSenderAddress();
    });
    await agent.start();
    const m = message("hi", { id: "m-ctx" });
    fake.messages.push(m);
    const sent = fake.conversations.get("c1")!.sent;
    await vi.waitFor(() => expect(address).toBe("0xpeer"));
    expect(sent).toEqual([
      { text: "plain" },
      { reply: { reference: "m-ctx", referenceInboxId: "peer", content: "quoted" } },
      {
        reaction: {
          reference: "m-ctx",
          referenceInboxId: "peer",
          action: "added",
          content: "👍",
          schema: "unicode",
        },
      },
    ]);
    await agent.stop();
  });

  it("emits conversation, dm and group for new conversations", async () => {
    const { fake, agent } = await running();
    const events: string[] = [];
    agent.on("conversation", (ctx) => {
      events.push(`conversation:${ctx.conversation.id}`);
    });
    agent.on("dm", (ctx) => {
      events.push(`dm:${ctx.conversation.id}`);
    });
    agent.on("group", (ctx) => {
      events.push(`group:${ctx.conversation.id}`);
    });
    await agent.start();
    const stream = fake.conversationStreams.at(-1)!;
    stream.push(fakeConversation("d9", "dm") as never);
    stream.push(fakeConversation("g9", "group") as never);
    await vi.waitFor(() => expect(events).toHaveLength(4));
    expect(events.sort()).toEqual(["conversation:d9", "conversation:g9", "dm:d9", "group:g9"]);
    await agent.stop();
  });

  it("routes commands before the events; plain text goes on", async () => {
    const { fake, agent } = await running();
    const router = new CommandRouter();
    router.command("/ping", (ctx) => ctx.sendText("pong"));
    router.default((ctx, cmd) => ctx.sendText(`unknown ${cmd.name}`));
    agent.use(router.middleware());
    agent.on("text", (ctx) => ctx.sendText(`echo: ${ctx.message.content}`));
    await agent.start();
    fake.messages.push(message("/ping"));
    fake.messages.push(message("/nope x"));
    fake.messages.push(message("hello"));
    const sent = fake.conversations.get("c1")!.sent;
    await vi.waitFor(() => expect(sent).toHaveLength(3));
    expect(sent).toEqual([{ text: "pong" }, { text: "unknown /nope" }, { text: "echo: hello" }]);
    await agent.stop();
  });
});

describe("Agent errors", () => {
  it("passes errors along the error chain: next(e) transforms, next() handles", async () => {
    const { fake, agent } = await running();
    const seen: string[] = [];
    const unhandled: unknown[] = [];
    agent.on("unhandledError", (e) => {
      unhandled.push(e);
    });
    agent.on("text", () => {
      throw new Error("boom");
    });
    agent.errors.use(
      async (error, _ctx, next) => {
        seen.push(`first:${(error as Error).message}`);
        await next(new Error(`wrapped ${(error as Error).message}`));
      },
      async (error, ctx, next) => {
        seen.push(`second:${(error as Error).message}:${"message" in ctx}`);
        await next();
      },
      async () => {
        seen.push("third");
      },
    );
    await agent.start();
    fake.messages.push(message("x"));
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen).toEqual(["first:boom", "second:wrapped boom:true"]);
    expect(unhandled).toEqual([]);
    await agent.stop();
  });

  it("an error no middleware handles is the unhandledError; handling goes on", async () => {
    const { fake, agent } = await running();
    const unhandled: unknown[] = [];
    agent.on("unhandledError", (e) => {
      unhandled.push(e);
    });
    agent.errors.use((error, _ctx, next) => next(error));
    agent.use(async (ctx, next) => {
      if (ctx.isText() && ctx.message.content === "bad") throw new Error("from middleware");
      await next();
    });
    const texts: string[] = [];
    agent.on("text", (ctx) => {
      texts.push(ctx.message.content);
    });
    await agent.start();
    fake.messages.push(message("bad"));
    fake.messages.push(message("good"));
    await vi.waitFor(() => expect(texts).toEqual(["good"]));
    expect(unhandled.map((e) => (e as Error).message)).toEqual(["from middleware"]);
    await agent.stop();
  });
});

describe("Agent lifecycle", () => {
  it("start retries a stream that cannot open, and resolves once streaming", async () => {
    const { fake, agent } = await running();
    fake.failOpens.messages = 1;
    const errors: unknown[] = [];
    agent.on("unhandledError", (e) => {
      errors.push(e);
    });
    const started = vi.fn();
    agent.on("start", started);
    await agent.start();
    expect(agent.isRunning()).toBe(true);
    expect(started).toHaveBeenCalledTimes(1);
    expect(fake.messageStreams).toHaveLength(1);
    expect(errors.map((e) => (e as Error).message)).toEqual(["node unreachable"]);
    await agent.stop();
  });

  it("opens a stream again when it breaks, and keeps dispatching", async () => {
    const { fake, agent } = await running();
    agent.errors.use(() => {});
    const texts: string[] = [];
    agent.on("text", (ctx) => {
      texts.push(ctx.message.content);
    });
    await agent.start();
    fake.messages.push(message("before"));
    await vi.waitFor(() => expect(texts).toEqual(["before"]));
    fake.messages.fail(new Error("stream broke"));
    await vi.waitFor(() => expect(fake.messageStreams).toHaveLength(2), { timeout: 5_000 });
    fake.messages.push(message("after"));
    await vi.waitFor(() => expect(texts).toEqual(["before", "after"]));
    await agent.stop();
  });

  it("stop ends the streams after the handlers running, emits stop, and can start again", async () => {
    const { fake, agent } = await running();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const done: string[] = [];
    agent.on("text", async (ctx) => {
      await gate;
      done.push(ctx.message.content);
    });
    const stopped = vi.fn();
    agent.on("stop", stopped);
    await agent.start();
    fake.messages.push(message("slow"));
    await new Promise((r) => setTimeout(r, 20));
    const stopping = agent.stop();
    release();
    await stopping;
    expect(done).toEqual(["slow"]);
    expect(stopped).toHaveBeenCalledTimes(1);
    expect(agent.isRunning()).toBe(false);
    expect(fake.messageStreams.every((s) => s.ended)).toBe(true);
    expect(fake.conversationStreams.every((s) => s.ended)).toBe(true);

    await agent.start();
    fake.messages.push(message("again", { contentType: ContentTypeText }));
    await vi.waitFor(() => expect(done).toEqual(["slow", "again"]));
    await agent.stop();
    await agent.stop(); // twice is fine
  });
});
