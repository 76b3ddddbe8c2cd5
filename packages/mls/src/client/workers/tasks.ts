// Durable tasks (libxmtp's TaskRunner): work that must happen even if the process dies first is a
// row in the task table, holding a `Task` proto. The task worker runs each row when it is due:
// done → deleted; recurring → rescheduled; failed → retried with the row's own backoff until it
// expires or runs out of attempts. A task runs at least once after it is due, also across a
// crash; handlers are written so that running one twice does no harm.

import { sha256 } from "@x/crypto";
import type { ClientDatabase, NewTask, StoredTask } from "@x/db";
import { create, fromBinary, toBinary } from "@x/proto";
import { type Task, TaskSchema } from "@x/proto/mls/database";
import type { Worker, WorkerClock } from "./runner.js";

export type TaskKind = NonNullable<Task["task"]["case"]>;
export type TaskPayload<K extends TaskKind> = Extract<Task["task"], { case: K }>["value"];

/** What a handler wants next: nothing (the task is deleted) or another run at a time (ns). */
export type TaskOutcome = { kind: "done" } | { kind: "reschedule"; atNs: bigint };

export type TaskHandler<K extends TaskKind = TaskKind> = (
  payload: TaskPayload<K>,
  task: StoredTask,
) => Promise<TaskOutcome | undefined>;

export type TaskHandlers = { [K in TaskKind]?: TaskHandler<K> };

/** A task that never expires (libxmtp's NEVER_EXPIRES). */
export const NEVER_EXPIRES = 2n ** 63n - 1n;
const NS_PER_MS = 1_000_000n;
/** Tasks of a kind this version does not handle are kept for one that does: looked at hourly. */
const UNKNOWN_TASK_DEFER_NS = 3_600_000n * NS_PER_MS;
/** The most tasks one round runs; the next round follows at once when more are due. */
const TASKS_PER_ROUND = 20;
/** A round with nothing due comes back at least this often (new rows may have been written). */
const MAX_IDLE_MS = 60_000;

export interface TaskOptions {
  nextAttemptAtNs: bigint;
  expiresAtNs?: bigint;
  maxAttempts?: number;
  /** libxmtp's defaults: 2 s first, ×1.5, at most 60 s. */
  initialBackoffNs?: bigint;
  backoffScalingFactor?: number;
  maxBackoffNs?: bigint;
  originatingMessage?: NewTask["originatingMessage"];
}

/** The row for a task; the same task (same bytes) is queued once. */
export function newTask(task: Task["task"], nowNs: bigint, options: TaskOptions): NewTask {
  const data = toBinary(TaskSchema, create(TaskSchema, { task }));
  return {
    data,
    dataHash: sha256(data),
    originatingMessage: options.originatingMessage ?? null,
    createdAtNs: nowNs,
    expiresAtNs: options.expiresAtNs ?? NEVER_EXPIRES,
    maxAttempts: options.maxAttempts ?? 2 ** 31 - 1,
    initialBackoffNs: options.initialBackoffNs ?? 2_000n * NS_PER_MS,
    backoffScalingFactor: options.backoffScalingFactor ?? 1.5,
    maxBackoffNs: options.maxBackoffNs ?? 60_000n * NS_PER_MS,
    nextAttemptAtNs: options.nextAttemptAtNs,
  };
}

/** The data hash a task's row has (to find or pull in a singleton task). */
export function taskHash(task: Task["task"]): Uint8Array {
  return sha256(toBinary(TaskSchema, create(TaskSchema, { task })));
}

export interface TaskWorkerOptions {
  db: ClientDatabase;
  clock: WorkerClock;
  handlers: TaskHandlers;
  /** Runs before the first round (e.g. seeding recurring tasks). */
  seed?: () => Promise<void>;
  /** The longest wait between rounds when nothing is due (default 60 s). */
  maxIdleMs?: number;
  /**
   * Told about every failed task, with when it is tried again (undefined: never, it was dropped).
   */
  onTaskError?: (error: unknown, task: StoredTask, retryAtNs: bigint | undefined) => void;
}

export class TaskWorker implements Worker {
  readonly kind = "tasks";
  #seeded = false;

  constructor(private readonly options: TaskWorkerOptions) {}

  async runOnce(signal: AbortSignal): Promise<number> {
    const { db, clock } = this.options;
    if (!this.#seeded) {
      await this.options.seed?.();
      this.#seeded = true;
    }
    await db.tasks.deleteExpired(clock.now());
    const due = await db.tasks.listDue(clock.now(), TASKS_PER_ROUND);
    for (const task of due) {
      if (signal.aborted) return 0;
      await this.#run(task);
    }
    if (due.length === TASKS_PER_ROUND) return 0;
    const now = clock.now();
    const next = await db.tasks.next(now);
    const maxIdle = this.options.maxIdleMs ?? MAX_IDLE_MS;
    if (next === undefined) return maxIdle;
    const waitNs = next.nextAttemptAtNs - now;
    return waitNs <= 0n ? 0 : Math.min(maxIdle, Number((waitNs + NS_PER_MS - 1n) / NS_PER_MS));
  }

  async #run(task: StoredTask): Promise<void> {
    const { db, clock, handlers } = this.options;
    const now = clock.now();
    if (task.attempts >= task.maxAttempts || task.expiresAtNs <= now) {
      await db.tasks.delete(task.id);
      return;
    }
    let decoded: Task;
    try {
      decoded = fromBinary(TaskSchema, task.data);
    } catch (e) {
      // Bytes no version can read: nothing will ever run them.
      await db.tasks.delete(task.id);
      this.options.onTaskError?.(e, task, undefined);
      return;
    }
    const payload = decoded.task;
    if (payload.case === undefined) {
      await db.tasks.delete(task.id);
      return;
    }
    const handler = handlers[payload.case] as TaskHandler | undefined;
    if (handler === undefined) {
      await this.#keep(task, now + UNKNOWN_TASK_DEFER_NS);
      return;
    }
    let outcome: TaskOutcome | undefined;
    try {
      outcome = await handler(payload.value, task);
    } catch (e) {
      const attempts = task.attempts + 1;
      const backoff = Number(task.initialBackoffNs) * task.backoffScalingFactor ** attempts;
      const waitNs = BigInt(Math.min(Math.floor(backoff), Number(task.maxBackoffNs)));
      await ignoreGone(db.tasks.recordAttempt(task.id, now, now + waitNs));
      this.options.onTaskError?.(e, task, attempts < task.maxAttempts ? now + waitNs : undefined);
      return;
    }
    if (outcome?.kind === "reschedule") await this.#keep(task, outcome.atNs);
    else await db.tasks.delete(task.id);
  }

  #keep(task: StoredTask, atNs: bigint): Promise<void> {
    return ignoreGone(this.options.db.tasks.reschedule(task.id, this.options.clock.now(), atNs));
  }
}

/** A task deleted while it ran (e.g. by its own handler) is not an error. */
async function ignoreGone(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if ((e as { code?: unknown }).code !== "db.not_found") throw e;
  }
}
