// The @x/node under test, in its own process (forked by harness.ts). libxmtp does its work on
// native threads while the node answers on another core; running the node inside the benchmark
// process would put the node's work on our client's thread only, and bill it to us.
// Protocol over the IPC channel: it sends {url} once listening; "take" is answered with the
// counts since the last "take"; "stop" stops the node and exits.
import { startNode } from "@x/node";
import type { Counts } from "./harness.js";

let counts: Counts = { calls: 0, bytes: 0, byMethod: {} };
const node = await startNode({
  port: 0,
  webPort: null,
  d14nPort: 0,
  db: ":memory:",
  onCall: (method, bytes) => {
    counts.calls++;
    counts.bytes += bytes;
    counts.byMethod[method] = (counts.byMethod[method] ?? 0) + 1;
  },
});
const send = (m: unknown) => process.send?.(m);
process.on("message", async (m: string) => {
  if (m === "take") {
    send({ counts });
    counts = { calls: 0, bytes: 0, byMethod: {} };
  } else if (m === "stop") {
    await node.stop();
    process.exit(0);
  }
});
send({ url: node.url, d14nUrl: node.d14nUrl });
