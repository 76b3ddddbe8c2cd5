// Group operations over ts-mls with XMTP's config: create, membership changes (Add/Remove plus the
// GroupMembership GCE in one commit, as libxmtp's UpdateGroupMembership intent does), metadata,
// admin and permission changes (GCE-only commits), and key updates (empty commits).
//
// Every operation returns a StagedCommit and leaves the given state untouched: publish the commit,
// and merge (adopt `newState`) only when it comes back from the network as the epoch's winner.
import type { PolicySet } from "@x/proto/mls/message_contents";
import {
  type ClientState,
  type Extension,
  encodeMlsMessage,
  type Proposal,
  type ProposalWithSender,
  createGroup as tsCreateGroup,
} from "ts-mls";
import { xmtpCiphersuite } from "./ciphersuite.js";
import { type BuiltCommit, buildCommit } from "./commit.js";
import { XMTP_CLIENT_CONFIG } from "./constants.js";
import { errorMessage, GroupOperationError } from "./errors.js";
import {
  groupMembershipExtension,
  initialGroupExtensions,
  mutableMetadataExtension,
  permissionsExtension,
  readGroupExtensions,
  replaceExtension,
} from "./extensions.js";
import { createKeyPackage, type VerifiedKeyPackage, type XmtpIdentity } from "./key-package.js";
import { groupMembers } from "./members.js";
import {
  defaultDmMutableMetadata,
  defaultGroupMutableMetadata,
  dmImmutableMetadata,
  type GroupMetadataOptions,
  groupImmutableMetadata,
  type MessageDisappearingSettings,
  metadataOverLimit,
} from "./metadata.js";
import {
  ConversationType,
  encodeGroupMembership,
  type GroupMembership,
  type MutableMetadata,
} from "./payloads.js";
import { defaultPolicySet, dmPolicySet } from "./policies.js";
import { bytesEqual, toHex } from "./tls.js";
import { encodeWelcomeMessage, type WelcomeRecipient } from "./welcome.js";

/** A commit made locally but not yet merged. */
export interface StagedCommit {
  groupId: Uint8Array;
  /** The epoch the commit was made in; it moves the group to `epoch + 1`. */
  epoch: bigint;
  /** TLS MLSMessage (a PrivateMessage) to publish with SendGroupMessages (should_push false). */
  commit: Uint8Array;
  /** The state before the commit; keep using it if another commit wins the epoch. */
  previousState: ClientState;
  /** The state after the commit; adopt it when the commit is confirmed. */
  newState: ClientState;
  /** The proposals it applies: with the two states, what XMTP's commit validation reads. */
  proposals: ProposalWithSender[];
  /** Set when the commit adds members: the welcome MLSMessage and who must receive it. */
  welcome?: { message: Uint8Array; recipients: WelcomeRecipient[] };
}

/** Adopts a staged commit once the network confirmed it (the client merges on read-back). */
export function mergeStagedCommit(staged: StagedCommit): ClientState {
  return staged.newState;
}

function randomGroupId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

async function newGroup(
  identity: XmtpIdentity,
  extensions: Extension[],
  groupId: Uint8Array,
  now: Date | undefined,
): Promise<ClientState> {
  const kp = await createKeyPackage(identity, now === undefined ? {} : { now });
  const cs = await xmtpCiphersuite();
  try {
    return await tsCreateGroup(
      groupId,
      kp.keyPackage,
      kp.privateKeyPackage,
      extensions,
      cs,
      XMTP_CLIENT_CONFIG,
    );
  } catch (e) {
    throw new GroupOperationError(
      "MLS_OPERATION_FAILED",
      `creating the group failed: ${errorMessage(e)}`,
      {
        cause: e,
      },
    );
  }
}

function checkLimits(attributes: Record<string, string>): void {
  const field = metadataOverLimit(attributes);
  if (field !== undefined) {
    throw new GroupOperationError(
      "MLS_INVALID_ARGUMENT",
      `the ${field} value is longer than libxmtp allows; members would reject the commit`,
    );
  }
}

export interface CreateGroupOptions extends GroupMetadataOptions {
  /** The permission policy set; libxmtp's "All members" default when omitted. */
  permissions?: PolicySet;
  /** 16 random bytes when omitted (libxmtp `GroupId::random`). */
  groupId?: Uint8Array;
  now?: Date;
}

/**
 * A new group with only its creator, at epoch 0, carrying libxmtp's initial extensions:
 * ImmutableMetadata{GROUP, creator}, the default mutable metadata (creator as super admin),
 * GroupMembership{creator: 0}, the permission policies, required_capabilities. Add members with
 * `addMembers` (libxmtp also creates first, then adds in a separate commit).
 */
export async function createGroup(
  identity: XmtpIdentity,
  options: CreateGroupOptions = {},
): Promise<ClientState> {
  const mutableMetadata = defaultGroupMutableMetadata(identity.inboxId, options);
  checkLimits(mutableMetadata.attributes);
  const groupId = options.groupId ?? randomGroupId();
  if (groupId.length === 0)
    throw new GroupOperationError("MLS_INVALID_ARGUMENT", "the group id is empty");
  return newGroup(
    identity,
    initialGroupExtensions({
      metadata: groupImmutableMetadata(identity.inboxId),
      mutableMetadata,
      membership: { members: { [identity.inboxId]: 0n }, failedInstallations: [] },
      permissions: options.permissions ?? defaultPolicySet(),
    }),
    groupId,
    options.now,
  );
}

/**
 * The device-sync group of our own inbox (libxmtp `DeviceSyncClient::get_sync_group`): immutable
 * metadata SYNC with us as creator, the default mutable metadata (empty name, description, image
 * and app data; us as super admin) and the "All members" policies. Members: our inbox only.
 */
export async function createSyncGroup(
  identity: XmtpIdentity,
  options: { groupId?: Uint8Array; now?: Date } = {},
): Promise<ClientState> {
  return newGroup(
    identity,
    initialGroupExtensions({
      metadata: { conversationType: ConversationType.SYNC, creatorInboxId: identity.inboxId },
      mutableMetadata: defaultGroupMutableMetadata(identity.inboxId, {}),
      membership: { members: { [identity.inboxId]: 0n }, failedInstallations: [] },
      permissions: defaultPolicySet(),
    }),
    options.groupId ?? randomGroupId(),
    options.now,
  );
}

/**
 * A new DM with `peerInboxId`: DM immutable metadata with dm_members (creator, peer), DM
 * mutable metadata (no admins), the DM policy set. Add the peer's installations with `addMembers`.
 */
export async function createDm(
  identity: XmtpIdentity,
  peerInboxId: string,
  options: {
    messageDisappearing?: MessageDisappearingSettings;
    groupId?: Uint8Array;
    now?: Date;
  } = {},
): Promise<ClientState> {
  if (peerInboxId === "" || peerInboxId.toLowerCase() === identity.inboxId.toLowerCase()) {
    throw new GroupOperationError(
      "MLS_INVALID_ARGUMENT",
      "a DM needs a peer inbox other than our own",
    );
  }
  return newGroup(
    identity,
    initialGroupExtensions({
      metadata: dmImmutableMetadata(identity.inboxId, peerInboxId),
      mutableMetadata: defaultDmMutableMetadata(options),
      membership: { members: { [identity.inboxId]: 0n }, failedInstallations: [] },
      permissions: dmPolicySet(),
    }),
    options.groupId ?? randomGroupId(),
    options.now,
  );
}

async function stageCommit(
  state: ClientState,
  proposals: Proposal[],
  recipients: WelcomeRecipient[],
  includePending = false,
): Promise<StagedCommit> {
  if (state.groupActiveState.kind !== "active") {
    throw new GroupOperationError(
      "MLS_GROUP_INACTIVE",
      `the group is not active (${state.groupActiveState.kind}); it cannot commit`,
    );
  }
  const cs = await xmtpCiphersuite();
  let result: BuiltCommit;
  try {
    // Proposals received by reference are committed only by commitPendingProposals: libxmtp 1.5
    // never sends standalone proposals, and a pending GCE proposal next to ours would make an
    // invalid commit.
    result = await buildCommit(state, cs, { proposals, includePending });
  } catch (e) {
    throw new GroupOperationError(
      "MLS_OPERATION_FAILED",
      `creating the commit failed: ${errorMessage(e)}`,
      {
        cause: e,
      },
    );
  }
  const staged: StagedCommit = {
    groupId: state.groupContext.groupId,
    epoch: state.groupContext.epoch,
    commit: encodeMlsMessage(result.message),
    previousState: state,
    newState: result.newState,
    proposals: result.proposals,
  };
  if (result.welcome !== undefined) {
    staged.welcome = { message: encodeWelcomeMessage(result.welcome), recipients };
  }
  return staged;
}

function gce(extensions: Extension[]): Proposal {
  return { proposalType: "group_context_extensions", groupContextExtensions: { extensions } };
}

function readExtensions(state: ClientState) {
  try {
    return readGroupExtensions(state.groupContext.extensions);
  } catch (e) {
    throw new GroupOperationError(
      "MLS_OPERATION_FAILED",
      `the group's XMTP extensions are unreadable: ${errorMessage(e)}`,
      {
        cause: e,
      },
    );
  }
}

export interface MembershipChange {
  /** Validated key packages of the installations to add. */
  add?: readonly VerifiedKeyPackage[];
  /** Installation ids (leaf signature keys) to remove. */
  removeInstallations?: readonly Uint8Array[];
  /** inbox id → identity-update sequence id to record (new inboxes and updated ones). */
  membershipUpdates?: Readonly<Record<string, bigint>>;
  /** Inboxes to drop from GroupMembership. */
  removeInboxes?: readonly string[];
  /** Installations whose key packages could not be used (recorded so nobody retries them). */
  failedInstallations?: readonly Uint8Array[];
}

/**
 * libxmtp's UpdateGroupMembership commit: Add proposals, Remove proposals and one
 * GroupContextExtensions proposal carrying the new GroupMembership, in a single commit with an
 * UpdatePath (commit.ts) and a welcome with the ratchet tree for the added installations.
 */
export async function updateGroupMembership(
  state: ClientState,
  change: MembershipChange,
): Promise<StagedCommit> {
  const old = readExtensions(state).membership;
  const members = { ...old.members };
  for (const [inbox, seq] of Object.entries(change.membershipUpdates ?? {})) members[inbox] = seq;
  for (const inbox of change.removeInboxes ?? []) delete members[inbox];
  const failed: Uint8Array[] = [];
  for (const f of [...old.failedInstallations, ...(change.failedInstallations ?? [])]) {
    if (!failed.some((x) => bytesEqual(x, f))) failed.push(f);
  }
  const membership: GroupMembership = { members, failedInstallations: failed };

  const current = groupMembers(state);
  const removeLeaves: number[] = [];
  for (const id of change.removeInstallations ?? []) {
    const member = current.find((m) => bytesEqual(m.installationId, id));
    if (member === undefined) {
      throw new GroupOperationError(
        "MLS_INVALID_ARGUMENT",
        `installation ${toHex(id)} is not in the group and cannot be removed`,
      );
    }
    if (member.leafIndex === state.privatePath.leafIndex) {
      throw new GroupOperationError(
        "MLS_INVALID_ARGUMENT",
        "a member cannot remove its own installation",
      );
    }
    if (!removeLeaves.includes(member.leafIndex)) removeLeaves.push(member.leafIndex);
  }
  const adds = change.add ?? [];
  for (const kp of adds) {
    // Removing and re-adding an installation in one commit is libxmtp's "readd" (fork recovery).
    const present = current.find((m) => bytesEqual(m.installationId, kp.installationId));
    if (present !== undefined && !removeLeaves.includes(present.leafIndex)) {
      throw new GroupOperationError(
        "MLS_INVALID_ARGUMENT",
        `installation ${toHex(kp.installationId)} is already in the group`,
      );
    }
  }
  // The encoding is canonical (entries sorted), so equal bytes mean an unchanged membership.
  const membershipChanged = !bytesEqual(
    encodeGroupMembership(old),
    encodeGroupMembership(membership),
  );
  if (adds.length === 0 && removeLeaves.length === 0 && !membershipChanged) {
    throw new GroupOperationError("MLS_INVALID_ARGUMENT", "the membership change changes nothing");
  }

  const proposals: Proposal[] = [
    ...adds.map((kp): Proposal => ({ proposalType: "add", add: { keyPackage: kp.keyPackage } })),
    ...removeLeaves.map((removed): Proposal => ({ proposalType: "remove", remove: { removed } })),
    gce(replaceExtension(state.groupContext.extensions, groupMembershipExtension(membership))),
  ];
  return stageCommit(
    state,
    proposals,
    adds.map((kp) => ({
      installationId: kp.installationId,
      initKey: kp.initKey,
      wrapper: kp.welcomeWrapperEncryption,
      supportsWelcomePointers: kp.supportsWelcomePointers,
    })),
  );
}

/** Adds installations (one commit) and records their inboxes' sequence ids. */
export async function addMembers(
  state: ClientState,
  keyPackages: readonly VerifiedKeyPackage[],
  membershipUpdates: Readonly<Record<string, bigint>>,
): Promise<StagedCommit> {
  if (keyPackages.length === 0) {
    throw new GroupOperationError("MLS_INVALID_ARGUMENT", "no key packages to add");
  }
  return updateGroupMembership(state, { add: keyPackages, membershipUpdates });
}

/** Removes inboxes: their installations' leaves and their GroupMembership entries (one commit). */
export async function removeMembers(
  state: ClientState,
  inboxIds: readonly string[],
): Promise<StagedCommit> {
  if (inboxIds.length === 0) {
    throw new GroupOperationError("MLS_INVALID_ARGUMENT", "no inboxes to remove");
  }
  const installations = groupMembers(state)
    .filter((m) => m.inboxId !== undefined && inboxIds.includes(m.inboxId))
    .map((m) => m.installationId);
  return updateGroupMembership(state, {
    removeInstallations: installations,
    removeInboxes: inboxIds,
  });
}

async function updateMutableMetadata(
  state: ClientState,
  update: (m: MutableMetadata) => MutableMetadata,
): Promise<StagedCommit> {
  const next = update(readExtensions(state).mutableMetadata);
  checkLimits(next.attributes);
  return stageCommit(
    state,
    [gce(replaceExtension(state.groupContext.extensions, mutableMetadataExtension(next)))],
    [],
  );
}

/** Sets one mutable-metadata attribute (group_name, description, ...) in a GCE-only commit. */
export function updateMetadataField(
  state: ClientState,
  field: string,
  value: string,
): Promise<StagedCommit> {
  if (field === "")
    throw new GroupOperationError("MLS_INVALID_ARGUMENT", "the field name is empty");
  return updateMutableMetadata(state, (m) => ({
    ...m,
    attributes: { ...m.attributes, [field]: value },
  }));
}

export type AdminListAction =
  | "add_admin"
  | "remove_admin"
  | "add_super_admin"
  | "remove_super_admin";

/** libxmtp's UpdateAdminList intent: one GCE-only commit changing an admin list. */
export function updateAdminList(
  state: ClientState,
  action: AdminListAction,
  inboxId: string,
): Promise<StagedCommit> {
  return updateMutableMetadata(state, (m) => {
    const adminList = [...m.adminList];
    const superAdminList = [...m.superAdminList];
    const list = action === "add_admin" || action === "remove_admin" ? adminList : superAdminList;
    const at = list.indexOf(inboxId);
    if (action.startsWith("add")) {
      if (at !== -1)
        throw new GroupOperationError("MLS_INVALID_ARGUMENT", `${inboxId} is already on that list`);
      list.push(inboxId);
    } else {
      if (at === -1)
        throw new GroupOperationError("MLS_INVALID_ARGUMENT", `${inboxId} is not on that list`);
      if (action === "remove_super_admin" && superAdminList.length === 1) {
        throw new GroupOperationError(
          "MLS_INVALID_ARGUMENT",
          "the last super admin cannot be removed; add another super admin first",
        );
      }
      list.splice(at, 1);
    }
    return { attributes: m.attributes, adminList, superAdminList };
  });
}

/** Replaces the permission policy set (GCE-only commit). */
export function updatePermissions(state: ClientState, policies: PolicySet): Promise<StagedCommit> {
  return stageCommit(
    state,
    [gce(replaceExtension(state.groupContext.extensions, permissionsExtension(policies)))],
    [],
  );
}

/**
 * Commits the proposals other members sent by reference (libxmtp's CommitPendingProposals intent).
 * Until they are committed, ts-mls (like OpenMLS) refuses to send application messages.
 */
export async function commitPendingProposals(state: ClientState): Promise<StagedCommit> {
  if (Object.keys(state.unappliedProposals).length === 0) {
    throw new GroupOperationError(
      "MLS_INVALID_ARGUMENT",
      "there are no pending proposals to commit",
    );
  }
  return stageCommit(state, [], [], true);
}

/** A key update: an empty commit, which always carries an UpdatePath (libxmtp `self_update`). */
export function selfUpdate(state: ClientState): Promise<StagedCommit> {
  return stageCommit(state, [], []);
}
