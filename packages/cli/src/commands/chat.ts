// x dm, x group, x send, x list, x messages, x sync: conversations and messages.
import { Dm } from "@x/mls";
import { parseCommandArgs } from "../args.js";
import { type Context, findConversation, resolveInboxIds, withSession } from "../context.js";
import { usageError } from "../errors.js";
import { conversationJson, messageJson, messageLine, shortId } from "../format.js";

export async function dmCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals } = parseCommandArgs("dm", rest);
  const [who, ...words] = positionals;
  if (who === undefined || words.length === 0) {
    throw usageError("usage: x dm <address|inboxId> <text>");
  }
  return withSession(ctx, async ({ client, url }) => {
    const [peer] = await resolveInboxIds(client, [who], url);
    if (peer === client.inboxId) throw usageError("you cannot open a DM with yourself");
    ctx.out.progress("opening the DM…");
    const dm = await client.conversations.createDm(peer!);
    const messageId = await dm.sendText(words.join(" "));
    ctx.out.result({ conversationId: dm.id, peerInboxId: peer, messageId }, [
      `sent to ${who} in DM ${dm.id}`,
    ]);
    return 0;
  });
}

export async function groupCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals, options } = parseCommandArgs("group", rest, ["name"]);
  const [sub, ...args] = positionals;
  if (sub === "create") {
    return withSession(ctx, async ({ client, url }) => {
      const members = await resolveInboxIds(client, args, url);
      ctx.out.progress(`creating the group with ${members.length} member(s)…`);
      const group = await client.conversations.createGroup(
        members,
        options.name === undefined ? {} : { name: options.name },
      );
      ctx.out.result(await conversationJson(group), [
        `created group ${group.id}${options.name ? ` "${options.name}"` : ""} with ${members.length} member(s)`,
      ]);
      return 0;
    });
  }
  if (sub === "add" || sub === "remove") {
    const [ref, ...refs] = args;
    if (ref === undefined || refs.length === 0) {
      throw usageError(`usage: x group ${sub} <conversation> <address|inboxId>...`);
    }
    if (options.name !== undefined) throw usageError(`x group ${sub} takes no --name`);
    return withSession(ctx, async (s) => {
      const group = await findConversation(s, ref);
      if (group instanceof Dm)
        throw usageError(`${ref} is a DM; members can change only in groups`);
      const members = await resolveInboxIds(s.client, refs, s.url);
      ctx.out.progress(`${sub === "add" ? "adding" : "removing"} ${members.length} member(s)…`);
      await group.sync();
      if (sub === "add") await group.addMembers(members);
      else await group.removeMembers(members);
      ctx.out.result(await conversationJson(group), [
        `${sub === "add" ? "added" : "removed"} ${refs.join(", ")} ${sub === "add" ? "to" : "from"} ${group.id}`,
      ]);
      return 0;
    });
  }
  throw usageError("usage: x group create|add|remove ...");
}

export async function sendCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals } = parseCommandArgs("send", rest);
  const [ref, ...words] = positionals;
  if (ref === undefined || words.length === 0) {
    throw usageError("usage: x send <conversation> <text>");
  }
  return withSession(ctx, async (s) => {
    const conversation = await findConversation(s, ref);
    const messageId = await conversation.sendText(words.join(" "));
    ctx.out.result({ conversationId: conversation.id, messageId }, [`sent to ${conversation.id}`]);
    return 0;
  });
}

export async function listCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals } = parseCommandArgs("list", rest);
  if (positionals.length > 0) throw usageError("x list takes no arguments");
  return withSession(ctx, async ({ client, names }) => {
    ctx.out.progress("checking for new conversations…");
    await client.conversations.sync();
    const conversations = await client.conversations.list();
    const items = await Promise.all(conversations.map(conversationJson));
    await names.load(items.flatMap((c) => c.members));
    ctx.out.result(
      items,
      items.length === 0
        ? ["no conversations yet — start one with `x dm <address> <text>` or `x group create`"]
        : items.map((c) =>
            c.type === "dm"
              ? `${c.id}  dm     with ${names.name(c.peerInboxId ?? "")}`
              : `${c.id}  group  ${c.name ? `"${c.name}"  ` : ""}${c.members.length} members: ${c.members.map(names.name).join(", ")}`,
          ),
    );
    return 0;
  });
}

export async function messagesCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals, options } = parseCommandArgs("messages", rest, ["limit"]);
  const [ref, extra] = positionals;
  if (ref === undefined || extra !== undefined) {
    throw usageError("usage: x messages <conversation> [--limit N]");
  }
  let limit: number | undefined;
  if (options.limit !== undefined) {
    limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw usageError(`--limit must be a positive integer, got ${JSON.stringify(options.limit)}`);
    }
  }
  return withSession(ctx, async (s) => {
    const conversation = await findConversation(s, ref);
    ctx.out.progress("fetching new messages…");
    await conversation.sync();
    const messages =
      limit === undefined
        ? await conversation.messages()
        : (await conversation.messages({ direction: "descending", limit })).reverse();
    const members = (await conversation.members()).map((m) => m.inboxId);
    await s.names.load([...messages.map((m) => m.senderInboxId), ...members]);
    ctx.out.result(
      messages.map((m) => messageJson(m, s.names.name)),
      messages.length === 0
        ? [`no messages in ${shortId(conversation.id)} yet`]
        : messages.map((m) => messageLine(m, s.names.name)),
    );
    return 0;
  });
}

export async function syncCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals } = parseCommandArgs("sync", rest);
  if (positionals.length > 0) throw usageError("x sync takes no arguments");
  return withSession(ctx, async ({ client }) => {
    ctx.out.progress("syncing welcomes and every conversation…");
    const result = await client.conversations.syncAll();
    ctx.out.result(result, [
      `synced ${result.conversations} conversation(s), ${result.messages} new message(s)`,
    ]);
    return 0;
  });
}
