#!/usr/bin/env node
// x: chat over XMTP from the terminal (see README.md).
import { run } from "./main.js";

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`x: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
