// The workers a client runs (libxmtp's build() starts them): the task worker (key-package
// maintenance, pending self-removal, sync archives, welcome pointers), disappearing messages and
// device sync.
import type { ClientContext } from "../context.js";
import { DisappearingMessagesWorker } from "./disappearing-messages.js";
import { keyPackageTaskHandlers, seedKeyPackageTasks } from "./key-package-maintenance.js";
import {
  systemClock,
  type Worker,
  type WorkerClock,
  type WorkerErrorInfo,
  WorkerRunner,
} from "./runner.js";
import { type TaskHandlers, TaskWorker } from "./tasks.js";

export interface ClientWorkerOptions {
  /** Told about every failed worker round or task (default: ignored). */
  onError?: (error: unknown, info: WorkerErrorInfo) => void;
  /** Handlers of task kinds that need more than the context (e.g. the group operations). */
  handlers?: TaskHandlers;
  /** Workers that need more than the context (e.g. device sync). */
  workers?: readonly Worker[];
}

export function clientWorkers(ctx: ClientContext, options: ClientWorkerOptions): WorkerRunner {
  const clock: WorkerClock =
    ctx.clock === undefined ? systemClock : { now: ctx.clock, sleep: systemClock.sleep };
  const onError = options.onError ?? (() => {});
  const runner = new WorkerRunner({
    clock,
    onError,
    // The database went away under the workers: nothing to retry until it is back.
    isFatal: (e) => {
      const code = (e as { code?: unknown } | null)?.code;
      return code === "db.closed" || code === "db.released";
    },
  });
  runner.register(
    new TaskWorker({
      db: ctx.db,
      clock,
      handlers: {
        ...keyPackageTaskHandlers({
          db: ctx.db,
          api: ctx.api,
          identity: ctx.identity,
          now: clock.now,
        }),
        ...options.handlers,
      },
      seed: () => seedKeyPackageTasks(ctx.db, clock.now()),
      onTaskError: (error, task, retryAtNs) => {
        const retryInMs =
          retryAtNs === undefined
            ? Number.POSITIVE_INFINITY
            : Number((retryAtNs - clock.now()) / 1_000_000n);
        try {
          onError(error, { worker: `tasks#${task.id}`, failures: task.attempts + 1, retryInMs });
        } catch {
          // as in the runner: a throwing callback changes nothing
        }
      },
    }),
  );
  runner.register(new DisappearingMessagesWorker(ctx.db, clock));
  for (const worker of options.workers ?? []) runner.register(worker);
  return runner;
}
