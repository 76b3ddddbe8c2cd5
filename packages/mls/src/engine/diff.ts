// What a commit changed: the input to XMTP's commit validation (libxmtp validated_commit.rs), which
// the client runs after ts-mls processed the commit with acceptAll (ts-mls's callback is
// synchronous, XMTP's checks need identity look-ups). Drop the new state if the checks fail.
import type { ClientState, Extension, ProposalWithSender } from "ts-mls";
import { extensionTypeNumber } from "./extensions.js";
import { type GroupMember, leafMembers, memberAt } from "./members.js";
import type { GroupMembership } from "./payloads.js";
import { bytesEqual } from "./tls.js";

export interface CommitDiff {
  epochBefore: bigint;
  epochAfter: bigint;
  /** The committer as it was before the commit (its credential is what signed the commit). */
  committer: GroupMember | undefined;
  /** The committer's leaf after the commit (a new leaf node when the commit had an UpdatePath). */
  committerAfter: GroupMember | undefined;
  /** The proposals the commit applied, as ts-mls reported them. */
  proposals: ProposalWithSender[];
  /** The leaves the commit's Add proposals created, as they are in the new tree. */
  addedInstallations: GroupMember[];
  /** The leaves the commit's Remove proposals removed, as they were in the old tree. */
  removedInstallations: GroupMember[];
  /** Extension types added, removed or whose bytes changed in the group context. */
  changedExtensionTypes: number[];
  extensionsBefore: Extension[];
  extensionsAfter: Extension[];
  /** True when this commit removed us. */
  removedSelf: boolean;
}

export function changedExtensionTypes(
  before: readonly Extension[],
  after: readonly Extension[],
): number[] {
  const types = new Set<number>([...before, ...after].map(extensionTypeNumber));
  const changed: number[] = [];
  for (const t of types) {
    const a = before.find((e) => extensionTypeNumber(e) === t);
    const b = after.find((e) => extensionTypeNumber(e) === t);
    if (a === undefined || b === undefined || !bytesEqual(a.extensionData, b.extensionData))
      changed.push(t);
  }
  return changed.sort((x, y) => x - y);
}

export function diffGroupStates(
  before: ClientState,
  after: ClientState,
  committerLeafIndex: number | undefined,
  proposals: ProposalWithSender[] = [],
): CommitDiff {
  // Membership changes come from the Add and Remove proposals, not from comparing trees: a
  // remove and re-add of the same installation (libxmtp's readd) can reuse the same leaf index.
  const removedInstallations = proposals.flatMap((p) => {
    if (p.proposal.proposalType !== "remove") return [];
    const m = memberAt(before.ratchetTree, p.proposal.remove.removed);
    return m === undefined ? [] : [m];
  });
  const now = leafMembers(after.ratchetTree);
  const addedInstallations = proposals.flatMap((p) => {
    if (p.proposal.proposalType !== "add") return [];
    const leaf = p.proposal.add.keyPackage.leafNode;
    const m = now.find(
      (x) =>
        bytesEqual(x.installationId, leaf.signaturePublicKey) &&
        bytesEqual(x.leaf.hpkePublicKey, leaf.hpkePublicKey),
    );
    return m === undefined ? [] : [m];
  });
  return {
    epochBefore: before.groupContext.epoch,
    epochAfter: after.groupContext.epoch,
    committer:
      committerLeafIndex === undefined
        ? undefined
        : memberAt(before.ratchetTree, committerLeafIndex),
    committerAfter:
      committerLeafIndex === undefined
        ? undefined
        : memberAt(after.ratchetTree, committerLeafIndex),
    proposals,
    addedInstallations,
    removedInstallations,
    changedExtensionTypes: changedExtensionTypes(
      before.groupContext.extensions,
      after.groupContext.extensions,
    ),
    extensionsBefore: before.groupContext.extensions,
    extensionsAfter: after.groupContext.extensions,
    removedSelf: after.groupActiveState.kind === "removedFromGroup",
  };
}

/** libxmtp `GroupMembership::diff`: inboxes added, removed, and with a changed sequence id. */
export function diffGroupMembership(
  before: GroupMembership,
  after: GroupMembership,
): { addedInboxes: string[]; removedInboxes: string[]; updatedInboxes: string[] } {
  const addedInboxes = Object.keys(after.members).filter((k) => !(k in before.members));
  const removedInboxes = Object.keys(before.members).filter((k) => !(k in after.members));
  const updatedInboxes = Object.keys(before.members).filter(
    (k) => k in after.members && after.members[k] !== before.members[k],
  );
  return { addedInboxes, removedInboxes, updatedInboxes };
}
