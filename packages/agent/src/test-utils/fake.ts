// A fake @x/sdk client for unit tests: streams fed by the test, conversations that record sends.
import {
  type Client,
  type ContentTypeId,
  ContentTypeReaction,
  ContentTypeReply,
  ContentTypeText,
  type DecodedMessage,
  type Dm,
  type Group,
} from "@x/sdk";

export class FakeStream<V> implements AsyncIterable<V> {
  readonly #queue: V[] = [];
  #waiter: ((r: IteratorResult<V>) => void) | undefined;
  #failWaiter: ((e: unknown) => void) | undefined;
  ended = false;

  push(value: V): void {
    if (this.#waiter !== undefined) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w({ value, done: false });
    } else this.#queue.push(value);
  }

  /** The iterator throws (the stream broke). */
  fail(error: unknown): void {
    this.ended = true;
    this.#failWaiter?.(error);
  }

  async end(): Promise<void> {
    this.ended = true;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<V> {
    return {
      next: () => {
        const v = this.#queue.shift();
        if (v !== undefined) return Promise.resolve({ value: v, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiter = resolve;
          this.#failWaiter = reject;
        });
      },
      return: async () => {
        await this.end();
        return { value: undefined, done: true };
      },
    };
  }
}

export interface FakeConversation {
  id: string;
  conversationType: "dm" | "group";
  sent: unknown[];
}

export function fakeConversation(id: string, conversationType: "dm" | "group" = "dm") {
  const sent: unknown[] = [];
  const record = async (what: unknown) => {
    sent.push(what);
    return `sent-${sent.length}`;
  };
  return {
    id,
    conversationType,
    sent,
    sendText: (text: string) => record({ text }),
    sendMarkdown: (markdown: string) => record({ markdown }),
    sendReply: (reply: unknown) => record({ reply }),
    sendReaction: (reaction: unknown) => record({ reaction }),
    consentState: async () => "allowed",
    isAdmin: async (inboxId: string) => inboxId === "admin",
    isSuperAdmin: async () => false,
    members: async () => [
      { inboxId: "peer", accountIdentifiers: [{ identifier: "0xpeer", identifierKind: 0 }] },
    ],
  };
}

export function fakeClient() {
  const messageStreams: FakeStream<DecodedMessage>[] = [];
  const conversationStreams: FakeStream<Group | Dm>[] = [];
  const conversations = new Map<string, ReturnType<typeof fakeConversation>>();
  const failOpens = { messages: 0 };
  const client = {
    inboxId: "me",
    accountIdentifier: { identifier: "0xme", identifierKind: 0 },
    options: {},
    conversations: {
      streamAllMessages: async () => {
        if (failOpens.messages > 0) {
          failOpens.messages--;
          throw new Error("node unreachable");
        }
        const s = new FakeStream<DecodedMessage>();
        messageStreams.push(s);
        return s;
      },
      stream: async () => {
        const s = new FakeStream<Group | Dm>();
        conversationStreams.push(s);
        return s;
      },
      getConversationById: async (id: string) => conversations.get(id),
    },
  };
  return {
    client: client as unknown as Client,
    messageStreams,
    conversationStreams,
    conversations,
    failOpens,
    /** The current message stream (the last opened). */
    get messages() {
      return messageStreams.at(-1)!;
    },
  };
}

let n = 0;
export function message(
  content: unknown,
  over: Partial<DecodedMessage> & { contentType?: ContentTypeId | undefined } = {},
): DecodedMessage {
  n++;
  return {
    id: `m${n}`,
    conversationId: "c1",
    senderInboxId: "peer",
    senderInstallationId: "i1",
    sentAt: new Date(),
    sentAtNs: BigInt(Date.now()) * 1_000_000n,
    kind: "application",
    deliveryStatus: "published",
    contentType: ContentTypeText,
    content,
    fallback: undefined,
    reactions: [],
    numReplies: 0,
    encodedContent: undefined,
    ...over,
  } as DecodedMessage;
}

export const reactionType = ContentTypeReaction;
export const replyType = ContentTypeReply;
