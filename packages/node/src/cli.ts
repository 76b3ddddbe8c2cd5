// Command-line options of x-node.
import { parseArgs } from "node:util";
import { toHex } from "@x/crypto";
import { MultiChainVerifier } from "@x/id";
import { DEFAULT_HISTORY_PORT } from "./history/server.js";
import {
  DEFAULT_D14N_PORT,
  DEFAULT_PORT,
  DEFAULT_WEB_PORT,
  type NodeOptions,
  type RunningNode,
} from "./server/node.js";

export const USAGE = `usage: x-node [options]

  --db <path|url>       SQLite file, ":memory:", or postgres://... (default ./node.sqlite)
  --host <address>      address to listen on (default 127.0.0.1)
  --port <n>            gRPC (HTTP/2 cleartext) port (default ${DEFAULT_PORT})
  --web-port <n>        gRPC-web (HTTP/1.1) port (default ${DEFAULT_WEB_PORT})
  --no-web              serve no gRPC-web listener
  --d14n-port <n>       d14n (decentralized network) gateway + node port, gRPC and gRPC-web
                        (default ${DEFAULT_D14N_PORT}; a free one with --port 0)
  --no-d14n             serve no d14n listener
  --history-port <n>    device sync history server (archive uploads, HTTP/1.1), files in
                        <db>.history/ (default ${DEFAULT_HISTORY_PORT}; a free one with --port 0)
  --no-history          serve no history server
  --rate-limit          limit calls per client address (node-go's limits)
  --chain-rpc <id=url>  chain RPC for smart-contract wallets, e.g. eip155:8453=https://... (repeatable)
  -h, --help            show this help
`;

export class UsageError extends Error {
  readonly code = "node.usage";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function parsePort(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new UsageError(
      `--${name} must be a port number (0..65535), got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** The node options the arguments ask for, or "help". Throws UsageError for bad arguments. */
export function parseCliArgs(args: string[]): NodeOptions | "help" {
  const spec = {
    args,
    options: {
      db: { type: "string", default: "./node.sqlite" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string" },
      "web-port": { type: "string" },
      "no-web": { type: "boolean", default: false },
      "d14n-port": { type: "string" },
      "no-d14n": { type: "boolean", default: false },
      "history-port": { type: "string" },
      "no-history": { type: "boolean", default: false },
      "rate-limit": { type: "boolean", default: false },
      "chain-rpc": { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
  } as const;
  let values: ReturnType<typeof parseArgs<typeof spec>>["values"];
  try {
    ({ values } = parseArgs(spec));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return "help";
  const rpcs: Record<string, string> = {};
  for (const entry of values["chain-rpc"] ?? []) {
    const at = entry.indexOf("=");
    if (at <= 0)
      throw new UsageError(`--chain-rpc takes <chain id>=<url>, got ${JSON.stringify(entry)}`);
    rpcs[entry.slice(0, at)] = entry.slice(at + 1);
  }
  // d14n and the history server on their default ports, or on free ports too when --port is 0.
  const freePorts = values.port !== undefined && Number(values.port) === 0;
  return {
    db: values.db,
    host: values.host,
    port: parsePort(values.port, DEFAULT_PORT, "port"),
    webPort: values["no-web"] ? null : parsePort(values["web-port"], DEFAULT_WEB_PORT, "web-port"),
    d14nPort: values["no-d14n"]
      ? null
      : parsePort(values["d14n-port"], freePorts ? 0 : DEFAULT_D14N_PORT, "d14n-port"),
    historyPort: values["no-history"]
      ? null
      : parsePort(values["history-port"], freePorts ? 0 : DEFAULT_HISTORY_PORT, "history-port"),
    rateLimit: values["rate-limit"],
    scwVerifier: Object.keys(rpcs).length > 0 ? MultiChainVerifier.fromUrls(rpcs) : undefined,
  };
}

/**
 * What x-node prints on stdout once it listens. The first line is the v3 gRPC URL alone
 * (scripts read it); the others are labelled: gRPC-web, d14n, the d14n node's public key, and
 * the history server.
 */
export function startupLines(
  node: Pick<RunningNode, "url" | "webUrl" | "d14nUrl" | "d14nNodePublicKey" | "historyUrl">,
): string[] {
  const lines = [node.url];
  if (node.webUrl) lines.push(`gRPC-web: ${node.webUrl}`);
  if (node.d14nUrl) {
    lines.push(
      `d14n: ${node.d14nUrl} (gateway and node; v3 and d14n clients do not see each other's messages)`,
    );
    if (node.d14nNodePublicKey) {
      lines.push(`d14n node public key: ${toHex(node.d14nNodePublicKey)}`);
    }
  }
  if (node.historyUrl) lines.push(`history server: ${node.historyUrl} (device sync archives)`);
  return lines;
}
