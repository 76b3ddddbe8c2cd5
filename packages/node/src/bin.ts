#!/usr/bin/env node
// x-node: runs a local XMTP node until SIGINT/SIGTERM (see README.md).
import { parseCliArgs, startupLines, USAGE } from "./cli.js";
import { startNode } from "./server/node.js";

async function main(): Promise<void> {
  const options = parseCliArgs(process.argv.slice(2));
  if (options === "help") {
    process.stdout.write(USAGE);
    return;
  }
  const node = await startNode({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
  for (const line of startupLines(node)) process.stdout.write(`${line}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping\n`);
    node.stop().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`stop failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((e) => {
  process.stderr.write(`x-node: ${(e as Error).message}\n\n${USAGE}`);
  process.exit(1);
});
