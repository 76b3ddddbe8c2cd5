// Command-line parsing: global options (anywhere on the line), the command, its arguments and
// its own options. `x node` hands its options to @x/node's parser.
import { parseArgs } from "node:util";
import { usageError } from "./errors.js";

export interface GlobalOptions {
  home: string | undefined;
  profile: string | undefined;
  env: string | undefined;
  url: string | undefined;
  /** --d14n: talk to the decentralized network (a gateway) instead of a v3 node. */
  d14n: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
}

export interface CommandLine {
  global: GlobalOptions;
  /** e.g. "dm", "group", or undefined when only options were given. */
  command: string | undefined;
  /** Everything after the command, global options removed. */
  rest: string[];
}

const GLOBAL_WITH_VALUE = ["home", "profile", "env", "url"] as const;
type GlobalWithValue = (typeof GLOBAL_WITH_VALUE)[number];

/** Splits off the global options and the command. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const global: GlobalOptions = {
    home: undefined,
    profile: undefined,
    env: undefined,
    url: undefined,
    d14n: false,
    json: false,
    help: false,
    version: false,
  };
  const rest: string[] = [];
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === "--json") {
      global.json = true;
      continue;
    }
    if (arg === "--d14n") {
      global.d14n = true;
      continue;
    }
    if ((arg === "--help" || arg === "-h") && command === undefined) {
      global.help = true;
      continue;
    }
    if (arg === "--version" && command === undefined) {
      global.version = true;
      continue;
    }
    const [flag, inline] = arg.startsWith("--")
      ? splitEquals(arg.slice(2))
      : [undefined, undefined];
    if (flag !== undefined && (GLOBAL_WITH_VALUE as readonly string[]).includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith("--"))) {
        throw usageError(`--${flag} needs a value`);
      }
      global[flag as GlobalWithValue] = value;
      continue;
    }
    if (command === undefined && !arg.startsWith("-")) {
      command = arg;
      continue;
    }
    rest.push(arg);
  }
  return { global, command, rest };
}

function splitEquals(s: string): [string, string | undefined] {
  const at = s.indexOf("=");
  return at < 0 ? [s, undefined] : [s.slice(0, at), s.slice(at + 1)];
}

export interface CommandOptions {
  key?: string;
  name?: string;
  limit?: string;
  help?: boolean;
}

/** Positionals and the command's own options (--key, --name, --limit); unknown options fail. */
export function parseCommandArgs(
  command: string,
  rest: readonly string[],
  allowed: readonly (keyof CommandOptions)[] = [],
): { positionals: string[]; options: CommandOptions } {
  const all = {
    key: { type: "string" },
    name: { type: "string" },
    limit: { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  const options = Object.fromEntries(
    Object.entries(all).filter(
      ([k]) => k === "help" || allowed.includes(k as keyof CommandOptions),
    ),
  );
  try {
    const parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
    return { positionals: parsed.positionals, options: parsed.values as CommandOptions };
  } catch (e) {
    throw usageError(`x ${command}: ${(e as Error).message}`);
  }
}
