// The group_updated transcript of a commit (libxmtp `GroupUpdated` built from a validated commit):
// who committed, which inboxes came, went or left, which metadata fields and admin lists changed.
import { encodeContent, GroupUpdatedCodec } from "@x/content-types";
import { create } from "@x/proto";
import { GroupUpdatedSchema } from "@x/proto/mls/message_contents";
import { diffGroupMembership, type XmtpGroupExtensions } from "../engine/index.js";

const codec = new GroupUpdatedCodec();

/** The EncodedContent bytes of the transcript, or undefined when the commit changed nothing shown. */
export function groupUpdatedContent(
  committerInboxId: string,
  before: XmtpGroupExtensions,
  after: XmtpGroupExtensions,
  /** Inboxes that asked to leave: removed, they are listed as left (libxmtp's left_inboxes). */
  pendingRemovals: readonly string[] = [],
): Uint8Array | undefined {
  const m = diffGroupMembership(before.membership, after.membership);
  const inbox = (inboxId: string) => ({ inboxId });
  const left = m.removedInboxes.filter((i) => pendingRemovals.includes(i));
  const removed = m.removedInboxes.filter((i) => !pendingRemovals.includes(i));
  const fields = new Set([
    ...Object.keys(before.mutableMetadata.attributes),
    ...Object.keys(after.mutableMetadata.attributes),
  ]);
  const metadataFieldChanges = [...fields]
    .filter((f) => before.mutableMetadata.attributes[f] !== after.mutableMetadata.attributes[f])
    .map((fieldName) => ({
      fieldName,
      oldValue: before.mutableMetadata.attributes[fieldName],
      newValue: after.mutableMetadata.attributes[fieldName],
    }));
  const added = (a: string[], b: string[]) => b.filter((x) => !a.includes(x)).map(inbox);
  const update = create(GroupUpdatedSchema, {
    initiatedByInboxId: committerInboxId,
    addedInboxes: m.addedInboxes.map(inbox),
    removedInboxes: removed.map(inbox),
    metadataFieldChanges,
    leftInboxes: left.map(inbox),
    addedAdminInboxes: added(before.mutableMetadata.adminList, after.mutableMetadata.adminList),
    removedAdminInboxes: added(after.mutableMetadata.adminList, before.mutableMetadata.adminList),
    addedSuperAdminInboxes: added(
      before.mutableMetadata.superAdminList,
      after.mutableMetadata.superAdminList,
    ),
    removedSuperAdminInboxes: added(
      after.mutableMetadata.superAdminList,
      before.mutableMetadata.superAdminList,
    ),
  });
  const empty =
    update.addedInboxes.length +
      update.removedInboxes.length +
      update.leftInboxes.length +
      update.metadataFieldChanges.length +
      update.addedAdminInboxes.length +
      update.removedAdminInboxes.length +
      update.addedSuperAdminInboxes.length +
      update.removedSuperAdminInboxes.length ===
    0;
  return empty ? undefined : encodeContent(codec, update);
}
