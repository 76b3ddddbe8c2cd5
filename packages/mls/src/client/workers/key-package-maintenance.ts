// Key-package maintenance as durable tasks (libxmtp's KpRotation / KpDeletion): two recurring
// rows that never expire. Rotation runs when the identity's rotation time has come (30 days after
// the last upload, or 5 s after a welcome asked for one); deletion runs when a superseded key
// package's 24 h grace is over. The schedules live in the database, so they survive restarts.
import type { XmtpApi } from "@x/api";
import type { ClientDatabase, TransactionScope } from "@x/db";
import { create } from "@x/proto";
import { KpDeletionSchema, KpRotationSchema, type Task } from "@x/proto/mls/database";
import type { XmtpIdentity } from "../../engine/index.js";
import {
  deleteExpiredKeyPackages,
  KEY_PACKAGE_ROTATION_INTERVAL_NS,
  rotateKeyPackage,
} from "../key-packages.js";
import { newTask, type TaskHandlers, taskHash } from "./tasks.js";

/** A queued rotation waits this long, so a burst of welcomes rotates once (libxmtp: 5 s). */
export const KEY_PACKAGE_QUEUE_INTERVAL_NS = 5_000_000_000n;

const ROTATION: Task["task"] = { case: "kpRotation", value: create(KpRotationSchema) };
const DELETION: Task["task"] = { case: "kpDeletion", value: create(KpDeletionSchema) };
const ROTATION_HASH = taskHash(ROTATION);
const DELETION_HASH = taskHash(DELETION);

interface Deps {
  db: ClientDatabase;
  api: XmtpApi;
  identity: XmtpIdentity;
  now: () => bigint;
}

/** Both recurring rows exist (insert-or-ignore), brought forward to what the database says is due. */
export async function seedKeyPackageTasks(db: TransactionScope, nowNs: bigint): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.tasks.create(newTask(ROTATION, nowNs, { nextAttemptAtNs: nowNs }));
    await tx.tasks.create(newTask(DELETION, nowNs, { nextAttemptAtNs: nowNs }));
    const rotation = (await tx.identity.get())?.nextKeyPackageRotationNs;
    if (rotation !== null && rotation !== undefined) await tx.tasks.pullIn(ROTATION_HASH, rotation);
    const deletion = await tx.keyPackageHistory.nextDeletionAtNs();
    if (deletion !== undefined) await tx.tasks.pullIn(DELETION_HASH, deletion);
  });
}

/**
 * Asks for a rotation within 5 s unless one is due sooner (libxmtp's queue_key_rotation). Returns
 * when it is due. The caller wakes the task worker.
 */
export async function queueKeyRotation(db: TransactionScope, nowNs: bigint): Promise<bigint> {
  return db.transaction(async (tx) => {
    const at = nowNs + KEY_PACKAGE_QUEUE_INTERVAL_NS;
    const current = (await tx.identity.get())?.nextKeyPackageRotationNs ?? null;
    const due = current !== null && current <= at ? current : at;
    if (due !== current) await tx.identity.setNextKeyPackageRotationNs(due);
    await tx.tasks.create(newTask(ROTATION, nowNs, { nextAttemptAtNs: due }));
    await tx.tasks.pullIn(ROTATION_HASH, due);
    return due;
  });
}

export function keyPackageTaskHandlers(deps: Deps): TaskHandlers {
  return {
    kpRotation: async () => {
      const now = deps.now();
      const stored = await deps.db.identity.get();
      const due = stored?.nextKeyPackageRotationNs ?? null;
      if (stored !== undefined && (due === null || due <= now)) {
        await rotateKeyPackage(deps.identity, deps.db, deps.api, now);
      }
      // What the rotation superseded is deleted once its grace is over.
      const deletion = await deps.db.keyPackageHistory.nextDeletionAtNs();
      if (deletion !== undefined) await deps.db.tasks.pullIn(DELETION_HASH, deletion);
      const next = (await deps.db.identity.get())?.nextKeyPackageRotationNs ?? null;
      return { kind: "reschedule", atNs: next ?? now + KEY_PACKAGE_ROTATION_INTERVAL_NS };
    },
    kpDeletion: async () => {
      const now = deps.now();
      await deleteExpiredKeyPackages(deps.db, now);
      const next = await deps.db.keyPackageHistory.nextDeletionAtNs();
      return { kind: "reschedule", atNs: next ?? now + KEY_PACKAGE_ROTATION_INTERVAL_NS };
    },
  };
}
