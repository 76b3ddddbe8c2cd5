#!/usr/bin/env node
// `pnpm demo`: runs the demo and exits 0 only if every check passed.
import { runDemo } from "./demo.js";

runDemo({
  print: (line) => process.stdout.write(`${line}\n`),
  progress: (line) => process.stderr.write(`${line}\n`),
}).then(
  ({ failures }) => process.exit(failures.length === 0 ? 0 : 1),
  (e) => {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
