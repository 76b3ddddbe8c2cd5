// The worker runner, the task worker and key-package maintenance, on an injected clock (time moves
// only when the test moves it) and a real SQLite database. Durability across kill -9 is proven in
// tooling/interop (client-workers.test.ts), with a real process killed.
import type { XmtpApi } from "@x/api";
import { ed25519PublicKey, generateEd25519PrivateKey } from "@x/crypto";
import { RegistrationState, type StoredTask } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { create } from "@x/proto";
import { ProcessPendingSelfRemoveSchema } from "@x/proto/mls/database";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeMlsCredential } from "../../engine/index.js";
import { ManualClock, settle } from "../../test-utils/manual-clock.js";
import {
  KEY_PACKAGE_DELETE_DELAY_NS,
  keyPackageUploaded,
  newStoredKeyPackage,
} from "../key-packages.js";
import {
  KEY_PACKAGE_QUEUE_INTERVAL_NS,
  keyPackageTaskHandlers,
  queueKeyRotation,
  seedKeyPackageTasks,
} from "./key-package-maintenance.js";
import { type Worker, WorkerRunner } from "./runner.js";
import { newTask, type TaskHandlers, TaskWorker } from "./tasks.js";

const SEC_NS = 1_000_000_000n;
const DAY_MS = 24 * 3600 * 1000;

/** A worker that counts its rounds and does what the test scripts for each one. */
function scripted(
  kind: string,
  script: (round: number) => Promise<number> | number,
): Worker & {
  rounds: number;
} {
  const w = {
    kind,
    rounds: 0,
    async runOnce() {
      w.rounds++;
      return script(w.rounds);
    },
  };
  return w;
}

describe("WorkerRunner", () => {
  let clock: ManualClock;
  let runner: WorkerRunner;
  beforeEach(() => {
    clock = new ManualClock();
  });
  afterEach(async () => {
    await runner?.stop();
  });

  it("runs each worker on its own schedule, and wake() runs one at once", async () => {
    const fast = scripted("fast", () => 1_000);
    const slow = scripted("slow", () => 10_000);
    runner = new WorkerRunner({ clock });
    runner.register(fast);
    runner.register(slow);
    runner.start();
    await runner.firstRounds();
    await settle();
    expect([fast.rounds, slow.rounds]).toEqual([1, 1]);
    await clock.advance(999);
    expect(fast.rounds).toBe(1);
    await clock.advance(1);
    expect([fast.rounds, slow.rounds]).toEqual([2, 1]);
    await clock.advance(9_000);
    expect([fast.rounds, slow.rounds]).toEqual([11, 2]);
    runner.wake("slow");
    await settle();
    expect([fast.rounds, slow.rounds]).toEqual([11, 3]);
    expect(() => runner.register(scripted("fast", () => 1))).toThrow(/registered already/);
  });

  it("reports failed rounds and retries them with backoff, never throwing out", async () => {
    const errors: { message: string; failures: number; retryInMs: number }[] = [];
    const flaky = scripted("flaky", (round) => {
      if (round <= 3) throw new Error(`round ${round} failed`);
      return 60_000;
    });
    runner = new WorkerRunner({
      clock,
      retry: { initialMs: 1_000, factor: 2, maxMs: 3_000 },
      onError: (e, info) => {
        errors.push({ message: (e as Error).message, ...info });
        throw new Error("a throwing callback changes nothing");
      },
    });
    runner.register(flaky);
    runner.start();
    await runner.firstRounds();
    await settle();
    expect(runner.status()).toEqual([
      { kind: "flaky", rounds: 0, failures: 1, lastError: expect.any(Error) },
    ]);
    await clock.advance(1_000); // first retry after 1 s
    await clock.advance(1_999);
    expect(flaky.rounds).toBe(2);
    await clock.advance(1); // second after 2 s
    expect(flaky.rounds).toBe(3);
    await clock.advance(3_000); // third capped at 3 s
    expect(flaky.rounds).toBe(4);
    expect(errors).toEqual([
      { message: "round 1 failed", worker: "flaky", failures: 1, retryInMs: 1_000 },
      { message: "round 2 failed", worker: "flaky", failures: 2, retryInMs: 2_000 },
      { message: "round 3 failed", worker: "flaky", failures: 3, retryInMs: 3_000 },
    ]);
    expect(runner.status()).toEqual([
      { kind: "flaky", rounds: 1, failures: 0, lastError: undefined },
    ]);
  });

  it("stops cleanly: the round in progress ends, no round starts after, start() resumes", async () => {
    let release!: () => void;
    let inRound = false;
    const slowRound = scripted("slow-round", async (round) => {
      if (round === 2) {
        inRound = true;
        await new Promise<void>((r) => {
          release = r;
        });
        inRound = false;
      }
      return 1_000;
    });
    runner = new WorkerRunner({ clock });
    runner.register(slowRound);
    runner.start();
    await runner.firstRounds();
    await clock.advance(1_000);
    expect(inRound).toBe(true);
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false); // waits for the round
    release();
    await stopping;
    expect(inRound).toBe(false);
    expect(runner.running).toBe(false);
    await clock.advance(60_000);
    expect(slowRound.rounds).toBe(2);
    expect(clock.sleeping).toBe(0); // nothing left waiting
    runner.start();
    await runner.firstRounds();
    expect(slowRound.rounds).toBe(3);
  });
});

describe("TaskWorker", () => {
  let clock: ManualClock;
  let runner: WorkerRunner;
  let db: Awaited<ReturnType<typeof openSqlite>>;
  beforeEach(async () => {
    clock = new ManualClock();
    db = await openSqlite({ path: ":memory:" });
  });
  afterEach(async () => {
    await runner?.stop();
    await db.close();
  });

  const selfRemove = (n: number) =>
    ({
      case: "processPendingSelfRemove",
      value: create(ProcessPendingSelfRemoveSchema, { groupId: new Uint8Array([n]) }),
    }) as const;

  function start(handlers: TaskHandlers, errors: unknown[] = []) {
    runner = new WorkerRunner({ clock });
    runner.register(new TaskWorker({ db, clock, handlers, onTaskError: (e) => errors.push(e) }));
    runner.start();
    return runner.firstRounds();
  }

  it("runs a task when it is due, once, and deletes it when done", async () => {
    const ran: number[] = [];
    await db.tasks.create(
      newTask(selfRemove(1), clock.now(), { nextAttemptAtNs: clock.now() + 5n * SEC_NS }),
    );
    await start({
      processPendingSelfRemove: async (p) => {
        ran.push(p.groupId[0]!);
        return { kind: "done" };
      },
    });
    expect(ran).toEqual([]);
    await clock.advance(4_999);
    expect(ran).toEqual([]);
    await clock.advance(1);
    expect(ran).toEqual([1]);
    expect(await db.tasks.next(clock.now())).toBeUndefined();
    await clock.advance(3_600_000);
    expect(ran).toEqual([1]);
  });

  it("wakes for a task queued while it sleeps", async () => {
    const ran: number[] = [];
    await start({
      processPendingSelfRemove: async (p) => {
        ran.push(p.groupId[0]!);
        return undefined;
      },
    });
    await db.tasks.create(newTask(selfRemove(2), clock.now(), { nextAttemptAtNs: clock.now() }));
    runner.wake("tasks");
    await settle();
    expect(ran).toEqual([2]);
  });

  it("retries a failing task with its own backoff until its attempts run out, then drops it", async () => {
    const attempts: bigint[] = [];
    const errors: unknown[] = [];
    const t0 = clock.now();
    await db.tasks.create(
      newTask(selfRemove(3), t0, {
        nextAttemptAtNs: t0,
        maxAttempts: 3,
        initialBackoffNs: 2n * SEC_NS,
        backoffScalingFactor: 1.5,
        maxBackoffNs: 4n * SEC_NS,
      }),
    );
    await start(
      {
        processPendingSelfRemove: async () => {
          attempts.push((clock.now() - t0) / 1_000_000n);
          throw new Error("not yet");
        },
      },
      errors,
    );
    // Attempt 1 at once; then 2 s × 1.5 = 3 s; then 2 s × 1.5² = 4.5 s, capped at 4 s.
    await clock.advance(2_999);
    await clock.advance(1);
    await clock.advance(3_999);
    await clock.advance(1);
    expect(attempts).toEqual([0n, 3_000n, 7_000n]);
    expect(errors).toHaveLength(3);
    const row = (await db.tasks.listDue(clock.now() + 10n * SEC_NS))[0] as StoredTask;
    expect(row.attempts).toBe(3);
    await clock.advance(4_000); // out of attempts: dropped, not run
    expect(attempts).toHaveLength(3);
    expect(await db.tasks.next(clock.now())).toBeUndefined();
  });

  it("keeps tasks of kinds it does not handle for a later version, and drops unreadable ones", async () => {
    const kept = await db.tasks.create(
      newTask(selfRemove(4), clock.now(), { nextAttemptAtNs: clock.now() }),
    );
    await db.tasks.create({
      ...newTask(selfRemove(5), clock.now(), { nextAttemptAtNs: clock.now() }),
      data: new Uint8Array([0xff, 0xff, 0xff]),
    });
    const errors: unknown[] = [];
    await start({}, errors);
    await settle();
    const after = await db.tasks.get(kept.id);
    expect(after?.nextAttemptAtNs).toBe(clock.now() + 3_600n * SEC_NS);
    expect((await db.tasks.listDue(clock.now() + 7_200n * SEC_NS)).map((t) => t.id)).toEqual([
      kept.id,
    ]);
    expect(errors).toHaveLength(1);
  });
});

describe("key-package maintenance", () => {
  let clock: ManualClock;
  let runner: WorkerRunner;
  let db: Awaited<ReturnType<typeof openSqlite>>;
  const uploads: Uint8Array[] = [];
  const api = {
    uploadKeyPackage: async (b: Uint8Array) => void uploads.push(b),
  } as unknown as XmtpApi;
  const privateKey = generateEd25519PrivateKey();
  const identity = {
    inboxId: "ab".repeat(32),
    installationKey: { privateKey, publicKey: ed25519PublicKey(privateKey) },
  };

  beforeEach(async () => {
    uploads.length = 0;
    clock = new ManualClock(BigInt(Date.now()) * 1_000_000n);
    clock.idleSleepers = 1;
    db = await openSqlite({ path: ":memory:" });
    await db.identity.create({
      inboxId: identity.inboxId,
      installationKeys: privateKey,
      credentialBytes: encodeMlsCredential(identity.inboxId),
      registrationState: RegistrationState.Registered,
      registrationCursor: { originatorId: 0, sequenceId: 1n },
      nextKeyPackageRotationNs: null,
    });
    // Registration: the first key package, uploaded.
    const kp = await db.transaction((tx) => newStoredKeyPackage(identity, tx, clock.now()));
    await keyPackageUploaded(db, kp.historyId, clock.now());
    runner = new WorkerRunner({ clock });
    runner.register(
      new TaskWorker({
        db,
        clock,
        handlers: keyPackageTaskHandlers({ db, api, identity, now: clock.now }),
        seed: () => seedKeyPackageTasks(db, clock.now()),
        maxIdleMs: DAY_MS,
      }),
    );
  });
  afterEach(async () => {
    await runner.stop();
    await db.close();
  });

  const historyIds = async () => {
    const rows = await db.kysely
      .selectFrom("key_package_history")
      .select("id")
      .orderBy("id")
      .execute();
    return rows.map((r) => Number(r.id));
  };

  it("rotates 30 days after the last upload, and deletes the old key package 24 h later", async () => {
    runner.start();
    await runner.firstRounds();
    await clock.idle();
    expect(uploads).toHaveLength(0); // just registered: nothing due
    await clock.advance(30 * DAY_MS - 1_000);
    expect(uploads).toHaveLength(0);
    await clock.advance(1_000);
    expect(uploads).toHaveLength(1);
    const [first, second] = await historyIds();
    expect((await db.keyPackageHistory.latest())?.id).toBe(second);
    expect((await db.identity.get())?.nextKeyPackageRotationNs).toBe(
      clock.now() + 30n * 24n * 3600n * SEC_NS,
    );
    await clock.advance(DAY_MS - 1_000);
    expect(await historyIds()).toEqual([first, second]);
    await clock.advance(1_000);
    expect(await historyIds()).toEqual([second]);
    expect(KEY_PACKAGE_DELETE_DELAY_NS).toBe(24n * 3600n * SEC_NS);
  });

  it("queueKeyRotation rotates within 5 s, once for a burst, and survives a restart", async () => {
    runner.start();
    await runner.firstRounds();
    const due = await queueKeyRotation(db, clock.now());
    expect(due).toBe(clock.now() + KEY_PACKAGE_QUEUE_INTERVAL_NS);
    await clock.advance(2_000);
    // A second request in the burst does not push the rotation back.
    expect(await queueKeyRotation(db, clock.now())).toBe(due);
    runner.wake("tasks");
    await clock.idle();
    // The runner stops and starts again (a restart): the queued rotation is in the database.
    await runner.stop();
    runner.start();
    await runner.firstRounds();
    await clock.idle();
    await clock.advance(2_999);
    expect(uploads).toHaveLength(0);
    await clock.advance(1);
    expect(uploads).toHaveLength(1);
    await clock.advance(60_000);
    expect(uploads).toHaveLength(1);
  });

  it("a failed upload keeps the old key package's secrets and is retried", async () => {
    let fail = true;
    const flakyApi = {
      uploadKeyPackage: async (b: Uint8Array) => {
        if (fail) throw new Error("node unreachable");
        uploads.push(b);
      },
    } as unknown as XmtpApi;
    await runner.stop();
    runner = new WorkerRunner({ clock });
    runner.register(
      new TaskWorker({
        db,
        clock,
        handlers: keyPackageTaskHandlers({ db, api: flakyApi, identity, now: clock.now }),
        seed: () => seedKeyPackageTasks(db, clock.now()),
        maxIdleMs: DAY_MS,
      }),
    );
    runner.start();
    await runner.firstRounds();
    await clock.idle();
    await queueKeyRotation(db, clock.now());
    runner.wake("tasks");
    await clock.idle();
    await clock.advance(5_000);
    expect(uploads).toHaveLength(0);
    const first = (await historyIds())[0]!;
    // The one the node still serves is not scheduled for deletion.
    expect(
      (
        await db.kysely
          .selectFrom("key_package_history")
          .select("delete_at_ns")
          .where("id", "=", first)
          .executeTakeFirst()
      )?.delete_at_ns,
    ).toBeNull();
    fail = false;
    await clock.advance(3_000); // the task's backoff: 2 s × 1.5
    expect(uploads).toHaveLength(1);
    expect(await historyIds()).toHaveLength(3); // the failed attempt's, kept until superseded
    const rows = await db.kysely
      .selectFrom("key_package_history")
      .select(["id", "delete_at_ns"])
      .execute();
    expect(rows.map((r) => r.delete_at_ns !== null)).toEqual([true, true, false]);
  });
});
