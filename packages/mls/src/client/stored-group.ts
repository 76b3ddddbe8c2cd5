// A new row of the groups table: the fields a caller knows, libxmtp's defaults for the rest.
import { GroupMembershipState, type StoredGroup } from "@x/db";
import { nowNs } from "./context.js";

export function storedGroup(
  partial: Pick<
    StoredGroup,
    "id" | "conversationType" | "addedByInboxId" | "dmId" | "welcomeCursor" | "rotatedAtNs"
  > &
    Partial<StoredGroup>,
): StoredGroup {
  return {
    createdAtNs: nowNs(),
    membershipState: GroupMembershipState.Allowed,
    installationsLastCheckedNs: 0n,
    lastMessageNs: null,
    messageDisappearFromNs: null,
    messageDisappearInNs: null,
    pausedForVersion: null,
    maybeForked: false,
    forkDetails: "",
    shouldPublishCommitLog: false,
    commitLogPublicKey: null,
    isCommitLogForked: null,
    hasPendingLeaveRequest: false,
    ...partial,
  };
}
