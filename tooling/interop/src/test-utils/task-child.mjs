// A process running our task worker (@x/mls, built) on a SQLite file, for kill -9 tests.
//
// usage: node task-child.mjs <dbPath> <logPath> queue <count> <dueInMs>
//          queues `count` tasks due `dueInMs` from now, prints "queued", then waits to be killed
//        node task-child.mjs <dbPath> <logPath> run <handlerMs>
//          runs the task worker; each task's handler appends "<group byte>\n" to logPath (synced)
//          after `handlerMs`; prints "ran <n>" after each and "idle" when no task is left
import { appendFileSync, closeSync, fsyncSync, openSync } from "node:fs";
import { openSqlite } from "@x/db/sqlite";
import { newTask, systemClock, TaskWorker, WorkerRunner } from "@x/mls";
import { create } from "@x/proto";
import { ProcessPendingSelfRemoveSchema } from "@x/proto/mls/database";

const [dbPath, logPath, mode, a, b] = process.argv.slice(2);
const db = await openSqlite({ path: dbPath });
const now = systemClock.now();

if (mode === "queue") {
  for (let i = 0; i < Number(a); i++) {
    const task = {
      case: "processPendingSelfRemove",
      value: create(ProcessPendingSelfRemoveSchema, { groupId: new Uint8Array([i]) }),
    };
    await db.tasks.create(newTask(task, now, { nextAttemptAtNs: now + BigInt(b) * 1_000_000n }));
  }
  console.log("queued");
  setInterval(() => {}, 1_000);
} else {
  const handlerMs = Number(a);
  const runner = new WorkerRunner();
  runner.register(
    new TaskWorker({
      db,
      clock: systemClock,
      maxIdleMs: 50,
      handlers: {
        processPendingSelfRemove: async (p) => {
          await new Promise((r) => setTimeout(r, handlerMs));
          const fd = openSync(logPath, "a");
          appendFileSync(fd, `${p.groupId[0]}\n`);
          fsyncSync(fd);
          closeSync(fd);
          console.log(`ran ${p.groupId[0]}`);
          return { kind: "done" };
        },
      },
    }),
  );
  runner.start();
  setInterval(async () => {
    if ((await db.tasks.next(0n)) === undefined) console.log("idle");
  }, 50);
}
