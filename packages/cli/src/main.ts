// The x command: parses the line, runs the command, turns errors into a message and an exit code.

import { Client } from "@x/mls";
import { parseCommandLine } from "./args.js";
import {
  dmCommand,
  groupCommand,
  listCommand,
  messagesCommand,
  sendCommand,
  syncCommand,
} from "./commands/chat.js";
import { inboxCommand, initCommand, revokeCommand, whoamiCommand } from "./commands/identity.js";
import { NODE_HELP, nodeCommand } from "./commands/node.js";
import { streamCommand } from "./commands/stream.js";
import { type Context, makeContext } from "./context.js";
import { EXIT_FAILURE, EXIT_USAGE, errorCode } from "./errors.js";
import { type Io, Output, processIo } from "./output.js";
import { CLI_VERSION } from "./version.js";

export const USAGE = `usage: x [options] <command> [arguments]

Chat over XMTP from the terminal.

  x node [--db FILE] [--port N]       run a local XMTP node (Ctrl-C stops it)
  x init [--key 0x...]                create a profile: wallet key, encrypted database, registration
  x whoami                            address, inbox id and installation id of the profile
  x dm <address|inboxId> <text>       send a direct message (opens the DM if needed)
  x group create <members...> [--name N]
  x group add <conversation> <members...>
  x group remove <conversation> <members...>
  x send <conversation> <text>        send to a group or DM (id, id prefix, or DM peer)
  x list                              your conversations
  x messages <conversation> [--limit N]
  x stream [conversation]             print messages as they arrive (every conversation by default)
  x sync                              fetch welcomes and messages of every conversation
  x inbox                             inbox state and installations
  x revoke [installationId...]        revoke other installations of the inbox (default: all others)

Options (anywhere on the line):
  --profile NAME    the profile to use (default "default", or X_PROFILE)
  --home DIR        where profiles live (default ~/.x, or X_HOME)
  --env ENV         local (http://127.0.0.1:5556), dev or production
  --url URL         the node's URL (overrides --env and the profile's node)
  --d14n            use the decentralized network: --url is a gateway (local: http://127.0.0.1:5050);
                    also XMTP_D14N=1. A profile keeps the network it was created on
  --json            machine-readable output: one JSON document (JSON lines for x stream)
  --version         the versions of x, of @x/mls and of the protocol it speaks
  -h, --help        this help

XMTP_HISTORY_SYNC_URL (e.g. http://127.0.0.1:5558, x node's history server): the client answers
other installations' device-sync requests with an archive uploaded there.

Exit codes: 0 ok, 1 the command failed, 2 bad usage, 3 no node at the URL.
`;

type Command = (ctx: Context, rest: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  node: nodeCommand,
  init: initCommand,
  whoami: whoamiCommand,
  dm: dmCommand,
  group: groupCommand,
  send: sendCommand,
  list: listCommand,
  messages: messagesCommand,
  stream: streamCommand,
  sync: syncCommand,
  inbox: inboxCommand,
  revoke: revokeCommand,
};

export interface RunOptions {
  io?: Io;
  env?: NodeJS.ProcessEnv;
  /** Resolves when the user asks a long-running command to stop (default: SIGINT/SIGTERM). */
  interrupted?: Promise<string>;
}

function signals(): Promise<string> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}

/** Runs `x` with the given arguments; returns the exit code. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  const json = argv.includes("--json");
  let out = new Output(json, io);
  try {
    const line = parseCommandLine(argv);
    out = new Output(line.global.json, io);
    if (line.global.version || line.command === "version") {
      const v = { cli: CLI_VERSION, ...Client.version };
      if (line.global.json) io.stdout(`${JSON.stringify(v)}\n`);
      else {
        io.stdout(
          `x ${v.cli} (@x/mls ${v.library}; wire-compatible with libxmtp ${v.libxmtp}; ${v.mls}, ${v.ciphersuite})\n`,
        );
      }
      return 0;
    }
    if (line.global.help || line.command === undefined || line.command === "help") {
      if (line.command === undefined && !line.global.help) {
        io.stderr(USAGE);
        return EXIT_USAGE;
      }
      io.stdout(helpFor(line.command === "help" ? line.rest[0] : line.command));
      return 0;
    }
    const command = COMMANDS[line.command];
    if (command === undefined) {
      out.error("cli.usage", `unknown command "${line.command}" (see \`x --help\`)`);
      return EXIT_USAGE;
    }
    if (line.rest.includes("--help") || line.rest.includes("-h")) {
      io.stdout(helpFor(line.command));
      return 0;
    }
    const ctx = makeContext(
      line.global,
      io,
      out,
      options.env ?? process.env,
      options.interrupted ?? signals(),
    );
    return await command(ctx, line.rest);
  } catch (e) {
    out.error(errorCode(e), (e as Error).message ?? String(e));
    const exitCode = (e as { exitCode?: unknown }).exitCode;
    return typeof exitCode === "number" ? exitCode : EXIT_FAILURE;
  }
}

function helpFor(command: string | undefined): string {
  if (command === "node") return NODE_HELP;
  return USAGE;
}
