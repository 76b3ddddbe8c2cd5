// XMTP's checks on another member's commit (libxmtp groups/validated_commit.rs), run after ts-mls
// processed it and before its new state is adopted: membership must match identity state, the
// committer must be allowed by the permission policies, metadata within limits. Throws
// CommitValidationError; the caller then keeps the old state.
import { toHex } from "@x/crypto";
import {
  MetadataPolicy_MetadataBasePolicy as D,
  MembershipPolicy_BasePolicy as M,
  type MembershipPolicy,
  type MetadataPolicy,
  PermissionsUpdatePolicy_PermissionsBasePolicy as P,
  type PermissionsUpdatePolicy,
  type PolicySet,
} from "@x/proto/mls/message_contents";
import {
  diffGroupMembership,
  EXTENSION_GROUP_PERMISSIONS,
  EXTENSION_IMMUTABLE_METADATA,
  groupMembers,
  metadataOverLimit,
  type ProcessedCommit,
  readGroupExtensions,
  type XmtpGroupExtensions,
} from "../engine/index.js";
import { CommitValidationError, errorText } from "./errors.js";
import type { IdentityUpdates } from "./identity.js";

interface Actor {
  inboxId: string;
  isAdmin: boolean;
  isSuperAdmin: boolean;
}

function membershipAllowed(p: MembershipPolicy | undefined, a: Actor): boolean {
  const k = p?.kind;
  if (k === undefined || k.case === undefined) return false;
  if (k.case === "andCondition") return k.value.policies.every((x) => membershipAllowed(x, a));
  if (k.case === "anyCondition") return k.value.policies.some((x) => membershipAllowed(x, a));
  switch (k.value) {
    case M.ALLOW:
      return true;
    case M.ALLOW_IF_ADMIN_OR_SUPER_ADMIN:
      return a.isAdmin || a.isSuperAdmin;
    case M.ALLOW_IF_SUPER_ADMIN:
      return a.isSuperAdmin;
    default:
      return false;
  }
}

function metadataAllowed(p: MetadataPolicy | undefined, a: Actor): boolean {
  const k = p?.kind;
  if (k === undefined || k.case === undefined) return a.isSuperAdmin;
  if (k.case === "andCondition") return k.value.policies.every((x) => metadataAllowed(x, a));
  if (k.case === "anyCondition") return k.value.policies.some((x) => metadataAllowed(x, a));
  switch (k.value) {
    case D.ALLOW:
      return true;
    case D.ALLOW_IF_ADMIN:
      return a.isAdmin || a.isSuperAdmin;
    case D.ALLOW_IF_SUPER_ADMIN:
      return a.isSuperAdmin;
    default:
      return false;
  }
}

function permissionsAllowed(p: PermissionsUpdatePolicy | undefined, a: Actor): boolean {
  const k = p?.kind;
  if (k === undefined || k.case === undefined) return false;
  if (k.case === "andCondition") return k.value.policies.every((x) => permissionsAllowed(x, a));
  if (k.case === "anyCondition") return k.value.policies.some((x) => permissionsAllowed(x, a));
  switch (k.value) {
    case P.ALLOW_IF_ADMIN:
      return a.isAdmin || a.isSuperAdmin;
    case P.ALLOW_IF_SUPER_ADMIN:
      return a.isSuperAdmin;
    default:
      return false;
  }
}

function read(extensions: Parameters<typeof readGroupExtensions>[0]): XmtpGroupExtensions {
  try {
    return readGroupExtensions(extensions);
  } catch (e) {
    throw new CommitValidationError(
      `the commit leaves unreadable XMTP extensions: ${errorText(e)}`,
      {
        cause: e,
      },
    );
  }
}

const listChanged = (a: readonly string[], b: readonly string[]) =>
  a.length !== b.length || a.some((x) => !b.includes(x));

function checkPermissions(
  policies: PolicySet,
  before: XmtpGroupExtensions,
  after: XmtpGroupExtensions,
  actor: Actor,
  addedInboxes: string[],
  removedInboxes: string[],
): void {
  const deny = (what: string) => {
    throw new CommitValidationError(
      `inbox ${actor.inboxId} may not ${what} in this group (permission policy)`,
    );
  };
  const dmMembers = before.metadata.dmMembers;
  const dm =
    dmMembers === undefined ? [] : [dmMembers.memberOneInboxId, dmMembers.memberTwoInboxId];
  // A DM's two members are part of it from the start; adding them is no policy decision.
  const newInboxes = addedInboxes.filter((i) => !dm.includes(i));
  if (newInboxes.length > 0 && !membershipAllowed(policies.addMemberPolicy, actor)) {
    if (!actor.isSuperAdmin) deny("add members");
  }
  if (removedInboxes.length > 0 && !membershipAllowed(policies.removeMemberPolicy, actor)) {
    if (!actor.isSuperAdmin) deny("remove members");
  }
  if (removedInboxes.some((i) => before.mutableMetadata.superAdminList.includes(i))) {
    deny("remove a super admin");
  }
  const a = before.mutableMetadata.attributes;
  const b = after.mutableMetadata.attributes;
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[field] === b[field]) continue;
    const allowed = field.startsWith("_")
      ? actor.isSuperAdmin
      : metadataAllowed(policies.updateMetadataPolicy[field], actor);
    if (!allowed) deny(`change ${field}`);
  }
  const m = (x: XmtpGroupExtensions) => x.mutableMetadata;
  if (listChanged(m(before).adminList, m(after).adminList)) {
    const added = m(after).adminList.some((x) => !m(before).adminList.includes(x));
    const removed = m(before).adminList.some((x) => !m(after).adminList.includes(x));
    if (added && !permissionsAllowed(policies.addAdminPolicy, actor)) deny("add admins");
    if (removed && !permissionsAllowed(policies.removeAdminPolicy, actor)) deny("remove admins");
  }
  if (listChanged(m(before).superAdminList, m(after).superAdminList) && !actor.isSuperAdmin) {
    deny("change super admins");
  }
}

/**
 * Checks a processed commit against identity state and policies: another member's, or our own
 * when it comes back. With `identities: "none"` (our own commit before it is published), only what
 * needs no network: policies and admin status, limits, immutable metadata, sequence ids.
 */
export async function validateCommit(
  identities: IdentityUpdates,
  processed: ProcessedCommit,
  options: {
    /**
     * How installations are checked against identity states: "fetch" new identity updates first
     * (default), use the "stored" ones (our own commit, staged from them), or "none" (our own
     * commit before it is published: no network).
     */
    identities?: "fetch" | "stored" | "none";
  } = {},
): Promise<{ committerInboxId: string; before: XmtpGroupExtensions; after: XmtpGroupExtensions }> {
  const { diff } = processed;
  const committerInbox = diff.committer?.inboxId;
  if (committerInbox === undefined) {
    throw new CommitValidationError("the commit's sender has no XMTP credential");
  }
  if (diff.committerAfter !== undefined && diff.committerAfter.inboxId !== committerInbox) {
    throw new CommitValidationError("the committer's update path changes its inbox");
  }
  const before = read(diff.extensionsBefore);
  if (diff.removedSelf && diff.changedExtensionTypes.length === 0) {
    // A commit that removes us: ts-mls stops before applying its group-context extensions, so the
    // new membership is not visible. We check what we can see: an installation its inbox revoked
    // (latest identity state) may go; any other removed installation removes its inbox, which
    // the committer must be allowed to do.
    const removedInboxes = new Set<string>();
    const inboxes = [...new Set(diff.removedInstallations.map((r) => r.inboxId ?? ""))];
    const latest = await identities.latest(inboxes.filter((i) => i !== ""));
    for (const r of diff.removedInstallations) {
      const held = latest.get(r.inboxId ?? "")?.state.installationIds() ?? [];
      if (held.some((k) => toHex(k) === toHex(r.installationId))) removedInboxes.add(r.inboxId!);
    }
    const actor: Actor = {
      inboxId: committerInbox,
      isAdmin: before.mutableMetadata.adminList.includes(committerInbox),
      isSuperAdmin: before.mutableMetadata.superAdminList.includes(committerInbox),
    };
    checkPermissions(before.permissions, before, before, actor, [], [...removedInboxes]);
    return { committerInboxId: committerInbox, before, after: before };
  }
  const after = read(diff.extensionsAfter);
  if (diff.changedExtensionTypes.includes(EXTENSION_IMMUTABLE_METADATA)) {
    throw new CommitValidationError("the commit changes the group's immutable metadata");
  }
  const over = metadataOverLimit(after.mutableMetadata.attributes);
  if (over !== undefined) throw new CommitValidationError(`${over} is over its length limit`);

  const md = diffGroupMembership(before.membership, after.membership);
  for (const inbox of md.updatedInboxes) {
    if ((after.membership.members[inbox] ?? 0n) < (before.membership.members[inbox] ?? 0n)) {
      throw new CommitValidationError(`the sequence id of inbox ${inbox} goes backwards`);
    }
  }
  const mode = options.identities ?? "fetch";
  if (mode !== "none") await checkIdentities(identities, processed, after, md, mode === "fetch");
  const actor: Actor = {
    inboxId: committerInbox,
    isAdmin: before.mutableMetadata.adminList.includes(committerInbox),
    isSuperAdmin: before.mutableMetadata.superAdminList.includes(committerInbox),
  };
  checkPermissions(before.permissions, before, after, actor, md.addedInboxes, md.removedInboxes);
  // libxmtp: a change of the permission policies themselves always needs a super admin.
  if (diff.changedExtensionTypes.includes(EXTENSION_GROUP_PERMISSIONS) && !actor.isSuperAdmin) {
    throw new CommitValidationError(
      `inbox ${committerInbox} may not change the group's permissions (only super admins may)`,
    );
  }
  return { committerInboxId: committerInbox, before, after };
}

/** The installations the commit adds and removes match the inboxes' identity states. */
async function checkIdentities(
  identities: IdentityUpdates,
  processed: ProcessedCommit,
  after: XmtpGroupExtensions,
  md: ReturnType<typeof diffGroupMembership>,
  refresh: boolean,
): Promise<void> {
  const { diff } = processed;
  const changed = [...md.addedInboxes, ...md.updatedInboxes];
  if (refresh) await identities.refresh(changed);
  const expected = new Map<string, Set<string>>();
  await identities.batch(async () => {
    for (const inbox of changed) {
      const seq = after.membership.members[inbox] ?? 0n;
      let ids: Uint8Array[] = [];
      if (seq > 0n) {
        try {
          ids = (await identities.stateOf(inbox, seq)).state.installationIds();
        } catch (e) {
          throw new CommitValidationError(
            `the identity of inbox ${inbox} at sequence ${seq} is not valid: ${errorText(e)}`,
            { cause: e },
          );
        }
      }
      expected.set(inbox, new Set(ids.map(toHex)));
    }
  });
  const failed = new Set(after.membership.failedInstallations.map(toHex));
  const readded = new Set(
    diff.removedInstallations
      .filter((r) =>
        diff.addedInstallations.some((a) => toHex(a.installationId) === toHex(r.installationId)),
      )
      .map((r) => toHex(r.installationId)),
  );
  for (const a of diff.addedInstallations) {
    const id = toHex(a.installationId);
    if (readded.has(id)) continue;
    const inbox = a.inboxId;
    if (inbox === undefined || !expected.has(inbox)) {
      throw new CommitValidationError(
        `installation ${id} was added without a membership update of its inbox ${inbox ?? "(none)"}`,
      );
    }
    if (!expected.get(inbox)!.has(id)) {
      throw new CommitValidationError(
        `installation ${id} does not belong to inbox ${inbox} at its recorded sequence id`,
      );
    }
  }
  for (const r of diff.removedInstallations) {
    const id = toHex(r.installationId);
    const inbox = r.inboxId ?? "";
    if (readded.has(id) || md.removedInboxes.includes(inbox)) continue;
    if (expected.has(inbox) && !expected.get(inbox)!.has(id)) continue;
    if (failed.has(id)) continue;
    throw new CommitValidationError(
      `installation ${id} was removed, but inbox ${inbox} still holds it in its identity state`,
    );
  }
  const remaining = groupMembers(processed.newState);
  for (const inbox of md.removedInboxes) {
    if (remaining.some((m) => m.inboxId === inbox)) {
      throw new CommitValidationError(`inbox ${inbox} was removed but keeps installations`);
    }
  }
  if (
    (diff.addedInstallations.length > 0 || diff.removedInstallations.length > 0) &&
    md.addedInboxes.length + md.removedInboxes.length + md.updatedInboxes.length === 0 &&
    readded.size === 0
  ) {
    throw new CommitValidationError("the commit changes the tree without a membership update");
  }
}
