// x stream [conversation]: messages as they arrive, every conversation (or one) until Ctrl-C.
// The client's stream catches up from the stored cursors first, then goes live, and reconnects
// with backoff when the node goes away.
import type { DecodedMessage } from "@x/mls";
import { parseCommandArgs } from "../args.js";
import { type Context, findConversation, type Session, withSession } from "../context.js";
import { explainNetworkError, usageError } from "../errors.js";
import { messageJson, messageLine, shortId } from "../format.js";

export async function streamCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals } = parseCommandArgs("stream", rest);
  if (positionals.length > 1) throw usageError("usage: x stream [conversation]");
  const [ref] = positionals;
  return withSession(ctx, async (s) => {
    const abort = new AbortController();
    void ctx.interrupted.then(() => abort.abort());
    const options = {
      signal: abort.signal,
      onRetry: ({ attempt, delayMs }: { attempt: number; delayMs: number }) =>
        ctx.out.progress(
          `lost the node at ${s.url}; reconnecting in ${delayMs} ms (attempt ${attempt})…`,
        ),
    };
    const stream =
      ref === undefined
        ? await s.client.conversations.streamAllMessages(options)
        : await (await findConversation(s, ref)).stream(options);
    ctx.out.progress(
      `streaming ${ref === undefined ? "every conversation" : ref} from ${s.url} — Ctrl-C to stop`,
    );
    const labels = new Labels(s);
    for await (const m of stream) {
      await s.names.load([m.senderInboxId]);
      ctx.out.item(
        messageJson(m, s.names.name),
        `${await labels.of(m)}  ${messageLine(m, s.names.name)}`,
      );
    }
    if (stream.error !== undefined && !abort.signal.aborted) {
      throw explainNetworkError(stream.error, s.url);
    }
    return 0;
  });
}

/** `[group "lunch"]` or `[dm 0x12ab…cdef]`, looked up once per conversation. */
class Labels {
  private readonly known = new Map<string, string>();

  constructor(private readonly s: Session) {}

  async of(m: DecodedMessage): Promise<string> {
    const cached = this.known.get(m.conversationId);
    if (cached !== undefined) return cached;
    const c = await this.s.client.conversations.getConversationById(m.conversationId);
    let label = `[${shortId(m.conversationId)}]`;
    if (c?.conversationType === "dm" && "peerInboxId" in c) {
      await this.s.names.load([c.peerInboxId]);
      label = `[dm ${this.s.names.name(c.peerInboxId)}]`;
    } else if (c !== undefined) {
      const name = await c.name();
      label = name ? `[group "${name}"]` : `[group ${shortId(c.id)}]`;
    }
    this.known.set(m.conversationId, label);
    return label;
  }
}
