// Leaving a group, as libxmtp 1.9 does it: the leaver sends a LeaveRequest (it cannot remove
// itself: its own commit would leave no one to hold the group's secrets); every member records the
// sender as pending removal and queues a durable ProcessPendingSelfRemove task; the task commits
// the removal when run by a super admin (a no-op for anyone else), then forgets the requests of
// inboxes that are no longer members. The leaver's own group shows PendingRemove until then.
import {
  ContentType,
  GroupMembershipState,
  type StoredMessage,
  type TransactionScope,
} from "@x/db";
import { create } from "@x/proto";
import { ProcessPendingSelfRemoveSchema, type Task } from "@x/proto/mls/database";
import type { ClientState } from "ts-mls";
import { readGroupExtensions } from "../engine/index.js";
import { newTask } from "./workers/tasks.js";

const DAY_NS = 24n * 3600n * 1_000_000_000n;

/** The durable task of a group's pending removals (one per group, by its bytes). */
export function pendingSelfRemoveTask(groupId: Uint8Array): Task["task"] {
  return {
    case: "processPendingSelfRemove",
    value: create(ProcessPendingSelfRemoveSchema, { groupId }),
  };
}

export const isLeaveRequest = (m: Pick<StoredMessage, "contentType">) =>
  m.contentType === ContentType.LeaveRequest;

/**
 * A LeaveRequest was stored (another member's, or ours read back): the sender is pending removal,
 * and the group's task is queued, in the caller's transaction. Our own request puts our group in
 * PendingRemove; a super admin's copy is flagged as having requests to act on.
 */
export async function recordLeaveRequest(
  tx: TransactionScope,
  message: Pick<StoredMessage, "id" | "groupId" | "senderInboxId" | "originatorId" | "sequenceId">,
  state: ClientState,
  me: string,
  nowNs: bigint,
): Promise<void> {
  await tx.pendingRemoves.add({
    groupId: message.groupId,
    inboxId: message.senderInboxId,
    messageId: message.id,
  });
  await tx.tasks.create(
    newTask(pendingSelfRemoveTask(message.groupId), nowNs, {
      nextAttemptAtNs: nowNs,
      expiresAtNs: nowNs + 3n * DAY_NS,
      maxAttempts: 20,
      originatingMessage: { originatorId: message.originatorId, sequenceId: message.sequenceId },
    }),
  );
  if (message.senderInboxId === me) {
    await tx.groups.update(message.groupId, {
      membershipState: GroupMembershipState.PendingRemove,
    });
    return;
  }
  const ext = readGroupExtensions(state.groupContext.extensions);
  if (ext.mutableMetadata.superAdminList.includes(me)) {
    await tx.groups.update(message.groupId, { hasPendingLeaveRequest: true });
  }
}
