#!/usr/bin/env node
// `pnpm demo`: runs the demo and exits 0 only if every check passed. `pnpm demo --d14n` (or
// XMTP_D14N=1) runs it on the decentralized network: the node's d14n listener, @x/api-d14n, and
// libxmtp 1.9.1 in d14n mode.
import { runDemo } from "./demo.js";

const d14n = process.argv.includes("--d14n") || ["1", "true"].includes(process.env.XMTP_D14N ?? "");

runDemo({
  network: d14n ? "d14n" : "v3",
  print: (line) => process.stdout.write(`${line}\n`),
  progress: (line) => process.stderr.write(`${line}\n`),
}).then(
  ({ failures }) => process.exit(failures.length === 0 ? 0 : 1),
  (e) => {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
