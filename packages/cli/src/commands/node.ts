// x node: a local XMTP node (@x/node) with its SQLite file in the x home, until Ctrl-C.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { NODE_USAGE, NodeUsageError, parseCliArgs, startNode } from "@x/node";
import type { Context } from "../context.js";
import { CliError, usageError } from "../errors.js";

export const NODE_HELP = `usage: x node [options]

Runs a local XMTP node until Ctrl-C. Its database is <home>/node.sqlite unless --db is given.
${NODE_USAGE.split("\n").slice(1).join("\n")}`;

export async function nodeCommand(ctx: Context, rest: string[]): Promise<number> {
  const hasDb = rest.some((a) => a === "--db" || a.startsWith("--db="));
  const args = hasDb ? rest : ["--db", path.join(ctx.home, "node.sqlite"), ...rest];
  let options: ReturnType<typeof parseCliArgs>;
  try {
    options = parseCliArgs(args);
  } catch (e) {
    if (e instanceof NodeUsageError) throw usageError(`x node: ${e.message}`);
    throw e;
  }
  if (options === "help") {
    ctx.io.stdout(NODE_HELP);
    return 0;
  }
  if (!hasDb) mkdirSync(ctx.home, { recursive: true, mode: 0o700 });
  const out = ctx.out;
  let node: Awaited<ReturnType<typeof startNode>>;
  try {
    node = await startNode({
      ...options,
      ...(out.json ? {} : { log: (line: string) => ctx.io.stderr(`${line}\n`) }),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { port?: number };
    if (err.code === "EADDRINUSE" && err.port === options.historyPort) {
      // e.g. libxmtp's own history server from its docker-compose, on 5558
      throw new CliError(
        "cli.failed",
        `port ${err.port} (history server) is already in use — pick another with --history-port, or --no-history`,
        { cause: e },
      );
    }
    if (err.code === "EADDRINUSE") {
      throw new CliError(
        "cli.failed",
        `port ${options.port} is already in use — is another \`x node\` running? Stop it, or pick another with --port`,
        { cause: e },
      );
    }
    throw e;
  }
  out.item(
    {
      url: node.url,
      webUrl: node.webUrl ?? null,
      d14nUrl: node.d14nUrl ?? null,
      historyUrl: node.historyUrl ?? null,
      db: options.db,
    },
    [
      `x node: listening on ${node.url} (gRPC)${node.webUrl ? ` and ${node.webUrl} (gRPC-web)` : ""}`,
      ...(node.d14nUrl
        ? [
            `d14n: gateway and node on ${node.d14nUrl} (use x --d14n; v3 and d14n clients do not see each other's messages)`,
          ]
        : []),
      ...(node.historyUrl ? [`history server: ${node.historyUrl} (device sync archives)`] : []),
      `database: ${options.db}`,
      "Ctrl-C to stop.",
    ].join("\n"),
  );
  const signal = await ctx.interrupted;
  out.progress(`${signal}: stopping the node…`);
  await node.stop();
  return 0;
}
