// The agent: one @x/sdk client, one stream of every message and one of new conversations, kept
// open until stop(); each message from someone else that decoded goes through the middleware
// chain and then to the event handlers of its content type and of "message".
import {
  type AnySigner,
  type Client,
  type ClientOptions,
  type CreateGroupOptions,
  createSigner,
  type DecodedMessage,
  type Dm,
  type Group,
  IdentifierKind,
  isActions,
  isAttachment,
  isGroupUpdated,
  isIntent,
  isLeaveRequest,
  isMarkdown,
  isMultiRemoteAttachment,
  isReaction,
  isReadReceipt,
  isRemoteAttachment,
  isReply,
  isText,
  isTransactionReference,
  isWalletSendCalls,
  Client as SdkClient,
} from "@x/sdk";
import {
  AgentBaseContext,
  type AgentMessage,
  ConversationContext,
  MessageContext,
} from "./context.js";
import { readAgentEnv } from "./env.js";
import type { AgentEvents } from "./events.js";
import {
  type AgentErrorMiddleware,
  type AgentMiddleware,
  runErrorMiddleware,
  runMiddleware,
} from "./middleware.js";
import { AGENT_VERSION } from "./version.js";

type Listener<K extends keyof AgentEvents> = (event: AgentEvents[K]) => unknown;

/** The content-type events, first match wins ("message" follows every one of them). */
const CONTENT_EVENTS: [keyof AgentEvents, (m: DecodedMessage) => boolean][] = [
  ["text", isText],
  ["markdown", isMarkdown],
  ["reaction", isReaction],
  ["reply", isReply],
  ["read-receipt", isReadReceipt],
  ["attachment", isRemoteAttachment],
  ["inline-attachment", isAttachment],
  ["multi-attachment", isMultiRemoteAttachment],
  ["transaction-reference", isTransactionReference],
  ["wallet-send-calls", isWalletSendCalls],
  ["actions", isActions],
  ["intent", isIntent],
  ["group-update", isGroupUpdated],
  ["leave-request", isLeaveRequest],
];

/** The wait before reopening a stream that could not be opened or ended: 1 s doubling to 30 s. */
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

/** Errors after which the client is gone: the agent stops instead of retrying. */
const TERMINAL = new Set(["CLIENT_CLOSED", "CLIENT_DB_RELEASED", "db.closed", "db.released"]);
const isTerminal = (e: unknown) =>
  TERMINAL.has(String((e as { code?: unknown } | null)?.code ?? ""));

interface EndableStream<V> extends AsyncIterable<V> {
  end(): Promise<unknown> | unknown;
}

export type AgentOptions = ClientOptions;

export class Agent {
  readonly client: Client;
  /** The error chain: `agent.errors.use(async (error, ctx, next) => ...)`. */
  readonly errors = {
    use: (...mws: (AgentErrorMiddleware | AgentErrorMiddleware[])[]): Agent => {
      this.#errorMiddlewares.push(...mws.flat());
      return this;
    },
  };
  readonly #middlewares: AgentMiddleware[] = [];
  readonly #errorMiddlewares: AgentErrorMiddleware[] = [];
  readonly #listeners = new Map<keyof AgentEvents, Listener<never>[]>();
  #running = false;
  #abort: AbortController | undefined;
  #loops: Promise<void>[] = [];
  #streams = new Set<EndableStream<unknown>>();
  /** Messages being handled, chained per conversation (in order within one conversation). */
  readonly #chains = new Map<string, Promise<void>>();
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  /** An agent over a client made by the app (Agent.create makes one). */
  constructor(client: Client) {
    this.client = client;
  }

  /** agent-sdk's Agent.create: a client (registered if new) for the signer, then the agent. */
  static async create(signer: AnySigner, options: AgentOptions = {}): Promise<Agent> {
    const client = await SdkClient.create(signer, {
      appVersion: `@x/agent/${AGENT_VERSION}`,
      disableDeviceSync: true,
      ...options,
    });
    await warnAboutInstallations(client);
    return new Agent(client);
  }

  /** Agent.create with the signer and options from XMTP_* variables (see readAgentEnv). */
  static async createFromEnv(options: AgentOptions = {}): Promise<Agent> {
    const { walletKey, options: fromEnv } = readAgentEnv();
    return Agent.create(createSigner(walletKey), { ...fromEnv, ...options });
  }

  get address(): string {
    return this.client.accountIdentifier.identifier;
  }

  get inboxId(): string {
    return this.client.inboxId;
  }

  isRunning(): boolean {
    return this.#running;
  }

  // ---- handlers ----

  on<K extends keyof AgentEvents>(event: K, listener: Listener<K>): this {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as Listener<never>);
    this.#listeners.set(event, list);
    return this;
  }

  off<K extends keyof AgentEvents>(event: K, listener: Listener<K>): this {
    const list = this.#listeners.get(event);
    const at = list?.indexOf(listener as Listener<never>) ?? -1;
    if (at >= 0) list!.splice(at, 1);
    return this;
  }

  once<K extends keyof AgentEvents>(event: K, listener: Listener<K>): this {
    const wrapped: Listener<K> = (e) => {
      this.off(event, wrapped);
      return listener(e);
    };
    return this.on(event, wrapped);
  }

  listenerCount(event: keyof AgentEvents): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** Message middleware, run in order before the event handlers. */
  use(...mws: (AgentMiddleware | AgentMiddleware[])[]): this {
    this.#middlewares.push(...mws.flat());
    return this;
  }

  // ---- helpers ----

  async createDmWithAddress(address: string): Promise<Dm> {
    return this.client.conversations.createDmWithIdentifier({
      identifier: address,
      identifierKind: IdentifierKind.Ethereum,
    });
  }

  async createGroupWithAddresses(
    addresses: string[],
    options?: CreateGroupOptions,
  ): Promise<Group> {
    return this.client.conversations.createGroupWithIdentifiers(
      addresses.map((identifier) => ({ identifier, identifierKind: IdentifierKind.Ethereum })),
      options,
    );
  }

  async getConversationContext(id: string): Promise<ConversationContext | undefined> {
    const c = await this.client.conversations.getConversationById(id);
    return c === undefined ? undefined : new ConversationContext(c, this.client);
  }

  // ---- lifecycle ----

  /** Opens the streams (retrying until they open, or stop()); resolves once they are open. */
  async start(): Promise<void> {
    if (this.#stopping !== undefined) await this.#stopping;
    if (this.#running) return;
    if (this.#starting !== undefined) return this.#starting;
    this.#starting = this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    const [messages, conversations] = await Promise.all([
      this.#open(abort.signal, () => this.#openMessages()),
      this.#open(abort.signal, () => this.#openConversations()),
    ]);
    if (abort.signal.aborted || messages === undefined || conversations === undefined) {
      await Promise.all([messages?.end(), conversations?.end()]);
      return;
    }
    this.#running = true;
    this.#loops = [
      this.#consume(
        abort.signal,
        messages,
        () => this.#openMessages(),
        (m) => this.#onMessage(m),
      ),
      this.#consume(
        abort.signal,
        conversations,
        () => this.#openConversations(),
        (c) => this.#onConversation(c),
      ),
    ];
    await this.#emit("start", new AgentBaseContext(this.client));
  }

  /** Ends the streams and waits for the handlers running; the client stays open. */
  async stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    if (this.#abort === undefined) return;
    this.#stopping = this.#stop().finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const wasRunning = this.#running;
    this.#abort?.abort();
    this.#abort = undefined;
    await Promise.all([...this.#streams].map((s) => s.end()));
    await this.#starting?.catch(() => {});
    await Promise.all(this.#loops);
    this.#loops = [];
    while (this.#chains.size > 0) await Promise.all(this.#chains.values());
    this.#running = false;
    if (wasRunning) await this.#emit("stop", new AgentBaseContext(this.client));
  }

  #streamHooks(what: string) {
    return {
      onError: (error: unknown) => {
        void this.#handleError(error, new AgentBaseContext(this.client));
      },
      onFail: () => {
        this.client.options.logger?.debug?.(`[@x/agent] the ${what} stream failed; retrying`);
      },
    };
  }

  #openMessages(): Promise<EndableStream<DecodedMessage>> {
    return this.client.conversations.streamAllMessages(this.#streamHooks("messages"));
  }

  #openConversations(): Promise<EndableStream<Group | Dm>> {
    return this.client.conversations.stream(this.#streamHooks("conversations"));
  }

  /** Opens a stream, retrying with backoff; undefined when stopped (or the client closed). */
  async #open<V>(
    signal: AbortSignal,
    open: () => Promise<EndableStream<V>>,
  ): Promise<EndableStream<V> | undefined> {
    let delay = FIRST_DELAY_MS;
    while (!signal.aborted) {
      try {
        const stream = await open();
        if (signal.aborted) {
          await stream.end();
          return undefined;
        }
        this.#streams.add(stream as EndableStream<unknown>);
        return stream;
      } catch (error) {
        if (signal.aborted) return undefined;
        if (isTerminal(error)) {
          void this.stop();
          return undefined;
        }
        await this.#handleError(error, new AgentBaseContext(this.client));
        await sleep(delay, signal);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      }
    }
    return undefined;
  }

  /** Reads a stream until stop(); a stream that ends or throws otherwise is opened again. */
  async #consume<V>(
    signal: AbortSignal,
    first: EndableStream<V>,
    open: () => Promise<EndableStream<V>>,
    handle: (value: V) => void,
  ): Promise<void> {
    let stream: EndableStream<V> | undefined = first;
    while (stream !== undefined) {
      try {
        for await (const value of stream) {
          if (signal.aborted) break;
          handle(value);
        }
      } catch (error) {
        if (!signal.aborted && !isTerminal(error)) {
          await this.#handleError(error, new AgentBaseContext(this.client));
        }
      }
      this.#streams.delete(stream as EndableStream<unknown>);
      if (signal.aborted) return;
      await sleep(FIRST_DELAY_MS, signal);
      stream = await this.#open(signal, open);
    }
  }

  /** Queues a value behind the previous one of the same conversation. */
  #enqueue(conversationId: string, work: () => Promise<void>): void {
    const previous = this.#chains.get(conversationId) ?? Promise.resolve();
    const next = previous.then(work).catch(() => {});
    this.#chains.set(conversationId, next);
    void next.then(() => {
      if (this.#chains.get(conversationId) === next) this.#chains.delete(conversationId);
    });
  }

  #onMessage(message: DecodedMessage): void {
    // Our own messages (any installation of our inbox) and undecodable ones reach no handler.
    if (message.senderInboxId === this.client.inboxId) return;
    if (message.contentType === undefined || message.content === undefined) return;
    this.#enqueue(message.conversationId, () => this.#dispatchMessage(message));
  }

  #onConversation(conversation: Group | Dm): void {
    this.#enqueue(conversation.id, async () => {
      const ctx = new ConversationContext(conversation, this.client);
      await this.#emit("conversation", ctx);
      if (ctx.isDm()) await this.#emit("dm", ctx as ConversationContext<Dm>);
      else if (ctx.isGroup()) await this.#emit("group", ctx as ConversationContext<Group>);
    });
  }

  /** Middleware, then the content type's event, then "message"; errors go to the error chain. */
  async #dispatchMessage(message: DecodedMessage): Promise<void> {
    let ctx: MessageContext | undefined;
    try {
      const conversation = await this.client.conversations.getConversationById(
        message.conversationId,
      );
      if (conversation === undefined) return;
      const c = new MessageContext(message as AgentMessage, conversation, this.client);
      ctx = c;
      await runMiddleware(this.#middlewares, c, async () => {
        const event = CONTENT_EVENTS.find(([, is]) => is(message))?.[0] ?? "unknownMessage";
        await this.#emit(event, c as never);
        await this.#emit("message", c);
      });
    } catch (error) {
      await this.#handleError(error, ctx ?? new AgentBaseContext(this.client));
    }
  }

  /** Calls the listeners in order; a listener's error goes to the error chain. */
  async #emit<K extends keyof AgentEvents>(event: K, value: AgentEvents[K]): Promise<void> {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        await (listener as Listener<K>)(value);
      } catch (error) {
        if (event === "unhandledError") {
          console.error("[@x/agent] an unhandledError listener threw:", error);
        } else {
          await this.#handleError(
            error,
            value instanceof AgentBaseContext ? value : new AgentBaseContext(this.client),
          );
        }
      }
    }
  }

  async #handleError(error: unknown, ctx: AgentBaseContext): Promise<void> {
    const outcome = await runErrorMiddleware(this.#errorMiddlewares, error, ctx);
    if (outcome.handled) return;
    if (this.listenerCount("unhandledError") > 0) await this.#emit("unhandledError", outcome.error);
    else console.error("[@x/agent] unhandled error:", outcome.error);
  }
}

async function warnAboutInstallations(client: Client): Promise<void> {
  try {
    const state = await client.preferences.inboxState();
    if (state.installations.length > 1) {
      (client.options.logger ?? console).warn(
        `[@x/agent] inbox ${client.inboxId} has ${state.installations.length} installations ` +
          "(at most 10): keep the agent's database to keep using the same one",
      );
    }
  } catch {
    // informational only
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
