// Slash commands: `/name args...` in a text message goes to the command's handler; a slash
// command no handler knows goes to the default handler (when there is one). Other messages pass
// on to the next middleware.
import { isText } from "@x/sdk";
import type { MessageContext } from "./context.js";
import type { AgentMiddleware } from "./middleware.js";

export interface ParsedCommand {
  /** Lower case, with its slash: "/ping". */
  name: string;
  /** The words after the command. */
  args: string[];
  /** Everything after the command, trimmed. */
  text: string;
}

export type CommandHandler = (ctx: MessageContext<string>, command: ParsedCommand) => unknown;

export interface CommandRouterOptions {
  /** A command that answers with the list of commands and their descriptions (e.g. "/help"). */
  helpCommand?: string;
}

/** `/ping a b` → { name: "/ping", args: ["a", "b"], text: "a b" }; not a command → undefined. */
export function parseCommand(text: string): ParsedCommand | undefined {
  const trimmed = text.trim();
  const match = /^(\/[^\s/]+)(?:\s+([\s\S]*))?$/.exec(trimmed);
  if (match === null) return undefined;
  const rest = (match[2] ?? "").trim();
  // "/ping@agent" (a chat-style mention of the bot) is "/ping".
  const name = match[1]!.toLowerCase().replace(/@.*$/, "");
  return { name, args: rest === "" ? [] : rest.split(/\s+/), text: rest };
}

function normalize(name: string): string {
  const n = name.trim().toLowerCase();
  if (!/^\/?[^\s/@]+$/.test(n)) throw new TypeError(`not a command name: ${JSON.stringify(name)}`);
  return n.startsWith("/") ? n : `/${n}`;
}

export class CommandRouter {
  readonly #commands = new Map<string, { handler: CommandHandler; description?: string }>();
  #default: CommandHandler | undefined;

  constructor(options: CommandRouterOptions = {}) {
    if (options.helpCommand !== undefined) {
      this.command(options.helpCommand, "this list", (ctx) => ctx.sendText(this.helpText()));
    }
  }

  /** Adds `/name` (with or without the slash), with an optional description for help. */
  command(name: string, handler: CommandHandler): this;
  command(name: string, description: string, handler: CommandHandler): this;
  command(name: string, a: string | CommandHandler, b?: CommandHandler): this {
    const handler = typeof a === "function" ? a : b;
    if (typeof handler !== "function") throw new TypeError("command() needs a handler");
    const key = normalize(name);
    if (this.#commands.has(key)) throw new TypeError(`command ${key} is already routed`);
    this.#commands.set(key, typeof a === "string" ? { handler, description: a } : { handler });
    return this;
  }

  /** For slash commands no handler knows. */
  default(handler: CommandHandler): this {
    this.#default = handler;
    return this;
  }

  get commands(): string[] {
    return [...this.#commands.keys()];
  }

  helpText(): string {
    return [...this.#commands]
      .map(([name, c]) => (c.description === undefined ? name : `${name}: ${c.description}`))
      .join("\n");
  }

  /** Handles the message if it is a command; true when a handler ran. */
  async handle(ctx: MessageContext): Promise<boolean> {
    if (!isText(ctx.message) || ctx.message.content === undefined) return false;
    const command = parseCommand(ctx.message.content);
    if (command === undefined) return false;
    const handler = this.#commands.get(command.name)?.handler ?? this.#default;
    if (handler === undefined) return false;
    await handler(ctx as MessageContext<string>, command);
    return true;
  }

  /** The router as a middleware: a handled command stops there, anything else goes on. */
  middleware(): AgentMiddleware {
    return async (ctx, next) => {
      if (!(await this.handle(ctx))) await next();
    };
  }
}
