// Sync cursors as vector clocks: one last-seen sequence id per originator and topic. On v3
// nodes everything sits under originator 0 (the node's own sequence); on d14n commits are
// sequenced under 0, identity updates under 1, the rest under the node that received it.
import type { VectorCursor } from "@x/api";
import { CursorKind, type CursorStore } from "@x/db";

interface HasCursors {
  cursors: CursorStore;
}

/** Where a group's messages were read up to, per originator. */
export const groupCursor = (db: HasCursors, groupId: Uint8Array): Promise<Map<number, bigint>> =>
  db.cursors.getAll(groupId, CursorKind.ApplicationMessage);

/** Where an installation's welcomes were read up to, per originator. */
export const welcomeCursor = (db: HasCursors, key: Uint8Array): Promise<Map<number, bigint>> =>
  db.cursors.getAll(key, CursorKind.Welcome);

/** Whether `(originator, id)` is at or below the cursor (already processed). */
export const isSeen = (cursor: VectorCursor, originator: number, id: bigint): boolean =>
  id <= (cursor.get(originator) ?? 0n);

/**
 * libxmtp's `depends_on` for a message sent on d14n: the last commit this installation has
 * processed in the group (originator 0), none before the first.
 */
export async function commitDependency(
  db: HasCursors,
  groupId: Uint8Array,
): Promise<VectorCursor | undefined> {
  const commit = await db.cursors.get(groupId, CursorKind.ApplicationMessage, 0);
  return commit > 0n ? new Map([[0, commit]]) : undefined;
}
