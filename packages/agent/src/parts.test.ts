import { ContentTypeText } from "@x/sdk";
import { describe, expect, it } from "vitest";
import { CommandRouter, parseCommand } from "./command-router.js";
import { MessageContext } from "./context.js";
import { readAgentEnv } from "./env.js";
import { f, filter } from "./filters.js";
import { runErrorMiddleware, runMiddleware } from "./middleware.js";
import { fakeClient, fakeConversation, message, reactionType } from "./test-utils/fake.js";

const KEY = `0x${"11".repeat(32)}`;

describe("filter", () => {
  const { client } = fakeClient();
  const dm = fakeConversation("c1", "dm") as never;
  const group = fakeConversation("g1", "group") as never;

  it("fromSelf, hasContent, isText, isReaction, startsWith", () => {
    expect(filter.fromSelf(message("x", { senderInboxId: "me" }), client)).toBe(true);
    expect(filter.fromSelf(message("x"), client)).toBe(false);
    expect(filter.hasContent(message("x"))).toBe(true);
    expect(filter.hasContent(message(undefined))).toBe(false);
    expect(filter.isText(message("x"))).toBe(true);
    expect(filter.isText(message({}, { contentType: reactionType }))).toBe(false);
    expect(filter.isReaction(message({ content: "👍" }, { contentType: reactionType }))).toBe(true);
    expect(filter.startsWith(message("/ping"), "/")).toBe(true);
    expect(filter.startsWith(message("ping"), "/")).toBe(false);
    expect(f).toBe(filter);
  });

  it("isDM, isGroup, isGroupAdmin, usesCodec", async () => {
    expect(filter.isDM(dm)).toBe(true);
    expect(filter.isGroup(dm)).toBe(false);
    expect(filter.isGroup(group)).toBe(true);
    expect(await filter.isGroupAdmin(group, message("x", { senderInboxId: "admin" }))).toBe(true);
    expect(await filter.isGroupAdmin(group, message("x"))).toBe(false);
    expect(await filter.isGroupAdmin(dm, message("x", { senderInboxId: "admin" }))).toBe(false);
    const codec = { contentType: ContentTypeText } as never;
    expect(filter.usesCodec(message("x"), codec)).toBe(true);
  });
});

describe("parseCommand", () => {
  it("splits the command and its arguments", () => {
    expect(parseCommand("/ping")).toEqual({ name: "/ping", args: [], text: "" });
    expect(parseCommand("  /Echo  a   b ")).toEqual({
      name: "/echo",
      args: ["a", "b"],
      text: "a   b",
    });
    expect(parseCommand("/ping@agent now")).toEqual({ name: "/ping", args: ["now"], text: "now" });
    expect(parseCommand("/multi\nline")).toEqual({ name: "/multi", args: ["line"], text: "line" });
  });

  it("is not a command without a leading slash and a name", () => {
    for (const t of ["ping", "", "/", "/ ping", "a /ping", "//x", "http://x"]) {
      expect(parseCommand(t), t).toBeUndefined();
    }
  });
});

describe("CommandRouter", () => {
  const ctxFor = (text: unknown, contentType = ContentTypeText) => {
    const conversation = fakeConversation("c1");
    const ctx = new MessageContext(
      message(text, { contentType }) as never,
      conversation as never,
      fakeClient().client,
    );
    return { ctx, sent: conversation.sent };
  };

  it("routes by name (with or without the slash), then to the default, else on", async () => {
    const calls: string[] = [];
    const router = new CommandRouter()
      .command("ping", (_ctx, c) => calls.push(`ping ${c.args.join(",")}`))
      .command("/Version", "the version", () => calls.push("version"));
    expect(router.commands).toEqual(["/ping", "/version"]);
    expect(await router.handle(ctxFor("/PING 1 2").ctx)).toBe(true);
    expect(await router.handle(ctxFor("/version").ctx)).toBe(true);
    expect(await router.handle(ctxFor("/unknown").ctx)).toBe(false);
    expect(await router.handle(ctxFor("hello").ctx)).toBe(false);
    expect(await router.handle(ctxFor({}, reactionType).ctx)).toBe(false);
    router.default((_ctx, c) => calls.push(`default ${c.name}`));
    expect(await router.handle(ctxFor("/unknown").ctx)).toBe(true);
    expect(calls).toEqual(["ping 1,2", "version", "default /unknown"]);
    expect(() => router.command("/ping", () => {})).toThrow(/already/);
    expect(() => router.command("two words", () => {})).toThrow(/not a command/);
  });

  it("answers the help command with the list", async () => {
    const router = new CommandRouter({ helpCommand: "/help" }).command(
      "/ping",
      "answers pong",
      () => {},
    );
    const { ctx, sent } = ctxFor("/help");
    await router.handle(ctx);
    expect(sent).toEqual([{ text: "/help: this list\n/ping: answers pong" }]);
  });

  it("as middleware: calls next only when nothing was routed", async () => {
    const router = new CommandRouter().command("/a", () => {});
    let nexts = 0;
    const mw = router.middleware();
    await mw(ctxFor("/a").ctx, async () => {
      nexts++;
    });
    await mw(ctxFor("b").ctx, async () => {
      nexts++;
    });
    expect(nexts).toBe(1);
  });
});

describe("middleware runners", () => {
  it("next twice is an error", async () => {
    const { ctx } = { ctx: {} as never };
    await expect(
      runMiddleware(
        [
          async (_c, next) => {
            await next();
            await next();
          },
        ],
        ctx,
        async () => {},
      ),
    ).rejects.toThrow(/more than once/);
  });

  it("a throwing error middleware passes its own error on", async () => {
    const out = await runErrorMiddleware(
      [
        () => {
          throw new Error("second");
        },
      ],
      new Error("first"),
      {} as never,
    );
    expect(out).toMatchObject({ handled: false, error: { message: "second" } });
    expect(await runErrorMiddleware([], "x", {} as never)).toEqual({ handled: false, error: "x" });
  });
});

describe("readAgentEnv", () => {
  it("reads agent-sdk's variables and XMTP_API_URL", () => {
    const { walletKey, options } = readAgentEnv({
      XMTP_WALLET_KEY: KEY.slice(2),
      XMTP_DB_ENCRYPTION_KEY: KEY,
      XMTP_ENV: "local",
      XMTP_DB_DIRECTORY: "/data",
      XMTP_GATEWAY_HOST: "http://127.0.0.1:5050",
      XMTP_API_URL: "http://127.0.0.1:5556",
      XMTP_FORCE_DEBUG_LEVEL: "Debug",
    });
    expect(walletKey).toBe(KEY);
    expect(options).toMatchObject({
      dbEncryptionKey: KEY,
      env: "local",
      gatewayHost: "http://127.0.0.1:5050",
      apiUrl: "http://127.0.0.1:5556",
      loggingLevel: "debug",
    });
    expect((options.dbPath as (id: string) => string)("abc")).toBe("/data/xmtp-local-abc.db3");
  });

  it("leaves out what is not set and refuses what is wrong", () => {
    expect(readAgentEnv({ XMTP_WALLET_KEY: KEY, XMTP_ENV: "" }).options).toEqual({});
    expect(() => readAgentEnv({})).toThrow(/XMTP_WALLET_KEY is not set/);
    expect(() => readAgentEnv({ XMTP_WALLET_KEY: "0x12" })).toThrow(/64 hex/);
    expect(() => readAgentEnv({ XMTP_WALLET_KEY: KEY, XMTP_ENV: "mainnet" })).toThrow(/XMTP_ENV/);
    expect(() => readAgentEnv({ XMTP_WALLET_KEY: KEY, XMTP_FORCE_DEBUG_LEVEL: "loud" })).toThrow(
      /XMTP_FORCE_DEBUG_LEVEL/,
    );
  });
});
