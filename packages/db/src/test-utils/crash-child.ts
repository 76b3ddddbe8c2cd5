// Child process of crash.test.ts: writes batches forever until it is killed. Each batch is one
// transaction: BATCH messages with the next sequence ids, the cursor at the last of them, and
// the MLS group state for the next epoch. It prints "B<epoch>" before a transaction and
// "C<epoch>" after it commits (stdout on a pipe is synchronous on Linux, so the parent sees
// every line written before the kill).
import { openSqlite } from "../sqlite.js";
import { CursorKind } from "../types.js";
import { BATCH, GROUP_ID, messageForSequence, stateForEpoch } from "./crash-shared.js";
import { makeGroup } from "./fixtures.js";

async function main() {
  const [file, keyHex] = process.argv.slice(2);
  if (!file) throw new Error("usage: crash-child <file> [key hex]");
  const encryptionKey = keyHex ? Uint8Array.from(Buffer.from(keyHex, "hex")) : undefined;
  const db = await openSqlite({ path: file, encryptionKey });
  await db.groups.insertOrIgnore(makeGroup(1));
  let epoch = (await db.mls.getGroupState(GROUP_ID))?.epoch ?? 0n;
  process.stdout.write("ready\n");
  for (;;) {
    epoch += 1n;
    const next = epoch;
    process.stdout.write(`B${next}\n`);
    await db.transaction(async (tx) => {
      const first = (next - 1n) * BigInt(BATCH) + 1n;
      for (let i = 0n; i < BigInt(BATCH); i++)
        await tx.messages.insert(messageForSequence(first + i));
      await tx.cursors.set(GROUP_ID, CursorKind.ApplicationMessage, 0, next * BigInt(BATCH));
      await tx.mls.putGroupState(GROUP_ID, next, stateForEpoch(next));
    });
    process.stdout.write(`C${next}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
