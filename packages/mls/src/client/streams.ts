// The client's streams: new conversations, one conversation's messages, every conversation's
// messages. Each subscribes from cursors (so the node first replays what arrived since, then
// goes live) and hands every envelope to the same code as sync (under the group's lock, one
// transaction per message), then yields what that stored. Each stream keeps its own cursor per
// group (the last envelope it dealt with): when it reconnects it resumes from there, so a message
// a concurrent sync() already processed is still yielded, and none is yielded twice.
import { originatorOf, type VectorCursor } from "@x/api";
import { toHex } from "@x/crypto";
import type { ClientDatabase, StoredMessage } from "@x/db";
import type { GroupMessage, WelcomeMessage } from "@x/proto/mls/api/v1";
import { type ConsentStateName, conversationConsent } from "./consent.js";
import { type DecodedMessage, toDecodedMessage } from "./content.js";
import type { ClientContext } from "./context.js";
import { groupCursor, isSeen, welcomeCursor } from "./cursors.js";
import type { Conversation } from "./group.js";
import { reconnecting, type Stream, type StreamOptions } from "./stream.js";

export interface StreamConversationsOptions extends StreamOptions<Conversation> {
  /** Only groups or only DMs (default both). */
  conversationType?: "group" | "dm";
}

export interface StreamAllMessagesOptions extends StreamOptions<DecodedMessage> {
  conversationType?: "group" | "dm";
  /** Only messages of conversations in these consent states (default every state). */
  consentStates?: readonly ConsentStateName[];
}

export type StreamMessagesOptions = StreamOptions<DecodedMessage>;

/** What the streams need from client.conversations. */
export interface ConversationHooks {
  /**
   * Calls `listener` with every conversation created or joined from now on, with the cursor its
   * messages start after. Returns the function that stops it.
   */
  onConversation(listener: (c: Conversation, startCursor: VectorCursor) => void): () => void;
  /** Processes one streamed welcome as sync does (joined conversations reach the listeners). */
  processStreamedWelcome(w: WelcomeMessage): Promise<unknown>;
  /** The conversations that exist now, with their stored cursors. */
  current(type: "group" | "dm" | undefined): Promise<{ c: Conversation; cursor: VectorCursor }[]>;
}

/** The stored message (or transcript entry) an envelope became, if any. */
async function storedFor(
  db: ClientDatabase,
  groupId: Uint8Array,
  originatorId: number,
  id: bigint,
  createdNs: bigint,
): Promise<StoredMessage | undefined> {
  const rows = await db.messages.list(groupId, {
    sentAfterNs: createdNs > 0n ? createdNs - 1n : 0n,
    sentBeforeNs: createdNs + 1n,
  });
  return rows.find((r) => r.sequenceId === id && r.originatorId === originatorId);
}

function welcomeConnector(ctx: ClientContext, hooks: ConversationHooks) {
  return async (signal: AbortSignal, progress: () => void) => {
    const key = ctx.identity.installationKey.publicKey;
    const lastSeen = await welcomeCursor(ctx.db, key);
    // Accepted by the node counts as working, even before a welcome comes (they are rare).
    const welcomes = ctx.api.subscribeWelcomeMessages([{ installationKey: key, lastSeen }], {
      signal,
      onOpen: progress,
    });
    for await (const w of welcomes) {
      progress();
      await hooks.processStreamedWelcome(w);
    }
  };
}

/** The messages of a changing set of groups, over one subscription renewed when the set grows. */
class GroupFeed {
  readonly #groups = new Map<string, { c: Conversation; cursor: Map<number, bigint> }>();
  #current: AbortController | undefined;

  constructor(
    private readonly ctx: ClientContext,
    private readonly emit: (m: DecodedMessage) => void,
    private readonly accept: (c: Conversation) => Promise<boolean>,
  ) {}

  /** Adds a group whose messages after `cursor` are new to this stream (first add wins). */
  add(c: Conversation, cursor: VectorCursor): void {
    if (this.#groups.has(c.id)) return;
    this.#groups.set(c.id, { c, cursor: new Map(cursor) });
    this.#current?.abort(); // resubscribe with the new group
  }

  connect = async (signal: AbortSignal, progress: () => void): Promise<void> => {
    while (!signal.aborted) {
      const inner = new AbortController();
      const onAbort = () => inner.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#current = inner;
      try {
        if (this.#groups.size === 0) {
          await new Promise<void>((r) => inner.signal.addEventListener("abort", () => r()));
          continue;
        }
        const filters = [...this.#groups.values()].map((g) => ({
          groupId: g.c.groupId,
          lastSeen: new Map(g.cursor),
        }));
        const messages = this.ctx.api.subscribeGroupMessages(filters, {
          signal: inner.signal,
          onOpen: progress,
        });
        for await (const m of messages) {
          progress();
          await this.#handle(m);
        }
        if (!inner.signal.aborted) return; // the node ended it: the caller reconnects
      } finally {
        signal.removeEventListener("abort", onAbort);
        if (this.#current === inner) this.#current = undefined;
      }
    }
  };

  async #handle(m: GroupMessage): Promise<void> {
    if (m.version.case !== "v1") return;
    const v = m.version.value;
    const entry = this.#groups.get(toHex(v.groupId));
    const originator = originatorOf(m);
    if (entry === undefined || isSeen(entry.cursor, originator, v.id)) return;
    await entry.c.processStreamed(m);
    const stored = await storedFor(this.ctx.db, v.groupId, originator, v.id, v.createdNs);
    if (stored !== undefined && (await this.accept(entry.c))) {
      this.emit(toDecodedMessage(stored, this.ctx.codecs));
    }
    entry.cursor.set(originator, v.id);
  }
}

/** Runs the connections together; when one fails for good, the others stop too. */
async function together(
  signal: AbortSignal,
  runs: ((signal: AbortSignal) => Promise<void>)[],
): Promise<void> {
  const local = new AbortController();
  const onAbort = () => local.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await Promise.all(
      runs.map((run) =>
        run(local.signal).catch((e: unknown) => {
          local.abort();
          throw e;
        }),
      ),
    );
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

const typeMatches = (c: Conversation, type: "group" | "dm" | undefined) =>
  type === undefined || c.conversationType === type;

export async function streamConversations(
  ctx: ClientContext,
  hooks: ConversationHooks,
  options: StreamConversationsOptions,
): Promise<Stream<Conversation>> {
  return ctx.streams.open<Conversation>(options, async (emit, signal) => {
    const seen = new Set<string>();
    const off = hooks.onConversation((c) => {
      if (!typeMatches(c, options.conversationType) || seen.has(c.id)) return;
      seen.add(c.id);
      emit(c);
    });
    try {
      await reconnecting(signal, options, "welcome", welcomeConnector(ctx, hooks));
    } finally {
      off();
    }
  });
}

export async function streamAllMessages(
  ctx: ClientContext,
  hooks: ConversationHooks,
  options: StreamAllMessagesOptions,
): Promise<Stream<DecodedMessage>> {
  const type = options.conversationType;
  const states = options.consentStates;
  // Conversations created or joined from now on; registered before the current ones are read.
  const early: [Conversation, VectorCursor][] = [];
  let feed: GroupFeed | undefined;
  const off = hooks.onConversation((c, cursor) => {
    if (!typeMatches(c, type)) return;
    if (feed === undefined) early.push([c, cursor]);
    else feed.add(c, cursor);
  });
  let current: Awaited<ReturnType<ConversationHooks["current"]>>;
  try {
    current = await hooks.current(type);
  } catch (e) {
    off();
    throw e;
  }
  const accept = async (c: Conversation) => {
    if (states === undefined) return true;
    const stored = await ctx.db.groups.get(c.groupId);
    return (
      stored !== undefined &&
      states.includes(await conversationConsent(ctx.db, stored, ctx.identity.inboxId))
    );
  };
  return ctx.streams.open<DecodedMessage>(options, async (emit, signal) => {
    const f = new GroupFeed(ctx, emit, accept);
    for (const [c, cursor] of early) f.add(c, cursor);
    for (const { c, cursor } of current) f.add(c, cursor);
    feed = f;
    try {
      await together(signal, [
        (s) => reconnecting(s, options, "welcome", welcomeConnector(ctx, hooks)),
        (s) => reconnecting(s, options, "message", f.connect),
      ]);
    } finally {
      off();
    }
  });
}

export async function streamGroupMessages(
  ctx: ClientContext,
  c: Conversation,
  options: StreamMessagesOptions,
): Promise<Stream<DecodedMessage>> {
  const cursor = await groupCursor(ctx.db, c.groupId);
  return ctx.streams.open<DecodedMessage>(options, async (emit, signal) => {
    const f = new GroupFeed(ctx, emit, async () => true);
    f.add(c, cursor);
    await reconnecting(signal, options, "message", f.connect);
  });
}
