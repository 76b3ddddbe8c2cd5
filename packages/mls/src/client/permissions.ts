// A group's permission policies as node-sdk shows them (policy type and one policy per action),
// and libxmtp's single-policy change (`update_permission_policy`).
import { clone, equals } from "@x/proto";
import {
  MetadataPolicy_MetadataBasePolicy as D,
  MembershipPolicy_BasePolicy as M,
  type MembershipPolicy,
  type MetadataPolicy,
  PermissionsUpdatePolicy_PermissionsBasePolicy as P,
  type PermissionsUpdatePolicy,
  type PolicySet,
  PolicySetSchema,
} from "@x/proto/mls/message_contents";
import {
  adminsOnlyPolicySet,
  defaultPolicySet,
  MetadataField,
  membershipPolicy,
  metadataPolicy,
  permissionsPolicy,
} from "../engine/index.js";
import { ClientError } from "./errors.js";

/** libxmtp's PermissionPolicy; "other" is a combined (and/any) policy, "doesNotExist" a missing one. */
export type PermissionPolicy = "allow" | "deny" | "admin" | "superAdmin" | "doesNotExist" | "other";
/** libxmtp's PermissionUpdateType. */
export type PermissionUpdateType =
  | "addMember"
  | "removeMember"
  | "addAdmin"
  | "removeAdmin"
  | "updateMetadata";
/** libxmtp's preconfigured policy sets, or a custom one. */
export type GroupPermissionsPreset = "all_members" | "admin_only";

export interface GroupPermissions {
  policyType: GroupPermissionsPreset | "custom_policy";
  policySet: {
    addMemberPolicy: PermissionPolicy;
    removeMemberPolicy: PermissionPolicy;
    addAdminPolicy: PermissionPolicy;
    removeAdminPolicy: PermissionPolicy;
    updateGroupNamePolicy: PermissionPolicy;
    updateGroupDescriptionPolicy: PermissionPolicy;
    updateGroupImageUrlSquarePolicy: PermissionPolicy;
    updateMessageDisappearingPolicy: PermissionPolicy;
    updateAppDataPolicy: PermissionPolicy;
  };
}

/** The policy set of a preset, or the given custom set. */
export function policySetOf(permissions: GroupPermissionsPreset | PolicySet): PolicySet {
  if (permissions === "all_members") return defaultPolicySet();
  if (permissions === "admin_only") return adminsOnlyPolicySet();
  return permissions;
}

// Each kind of policy's base values by libxmtp's name. Admin lists have no "allow" in libxmtp:
// anyone promoting anyone is not a policy it offers.
const MEMBERSHIP: Partial<Record<PermissionPolicy, number>> = {
  allow: M.ALLOW,
  deny: M.DENY,
  admin: M.ALLOW_IF_ADMIN_OR_SUPER_ADMIN,
  superAdmin: M.ALLOW_IF_SUPER_ADMIN,
};
const METADATA: Partial<Record<PermissionPolicy, number>> = {
  allow: D.ALLOW,
  deny: D.DENY,
  admin: D.ALLOW_IF_ADMIN,
  superAdmin: D.ALLOW_IF_SUPER_ADMIN,
};
const ADMINS: Partial<Record<PermissionPolicy, number>> = {
  deny: P.DENY,
  admin: P.ALLOW_IF_ADMIN,
  superAdmin: P.ALLOW_IF_SUPER_ADMIN,
};

type AnyPolicy = MembershipPolicy | MetadataPolicy | PermissionsUpdatePolicy;

function policyName(p: AnyPolicy | undefined, bases: typeof MEMBERSHIP): PermissionPolicy {
  const k = p?.kind;
  if (k?.case === undefined) return "doesNotExist";
  if (k.case !== "base") return "other";
  const found = Object.entries(bases).find(([, v]) => v === k.value);
  return (found?.[0] as PermissionPolicy | undefined) ?? "other";
}

export function describePermissions(set: PolicySet): GroupPermissions {
  const field = (f: string) => policyName(set.updateMetadataPolicy[f], METADATA);
  const policyType = equals(PolicySetSchema, set, defaultPolicySet())
    ? "all_members"
    : equals(PolicySetSchema, set, adminsOnlyPolicySet())
      ? "admin_only"
      : "custom_policy";
  return {
    policyType,
    policySet: {
      addMemberPolicy: policyName(set.addMemberPolicy, MEMBERSHIP),
      removeMemberPolicy: policyName(set.removeMemberPolicy, MEMBERSHIP),
      addAdminPolicy: policyName(set.addAdminPolicy, ADMINS),
      removeAdminPolicy: policyName(set.removeAdminPolicy, ADMINS),
      updateGroupNamePolicy: field(MetadataField.GroupName),
      updateGroupDescriptionPolicy: field(MetadataField.Description),
      updateGroupImageUrlSquarePolicy: field(MetadataField.GroupImageUrlSquare),
      updateMessageDisappearingPolicy: field(MetadataField.MessageDisappearInNs),
      updateAppDataPolicy: field(MetadataField.AppData),
    },
  };
}

const invalid = (message: string) => new ClientError("CLIENT_INVALID_ARGUMENT", message);

/** The policy set with one policy replaced, as libxmtp's update_permission_policy builds it. */
export function withPermission(
  set: PolicySet,
  type: PermissionUpdateType,
  policy: PermissionPolicy,
  metadataField?: string,
): PolicySet {
  const next = clone(PolicySetSchema, set);
  if (type !== "updateMetadata" && metadataField !== undefined) {
    throw invalid(`a metadata field applies only to "updateMetadata", not "${type}"`);
  }
  switch (type) {
    case "addMember":
    case "removeMember": {
      const base = MEMBERSHIP[policy] as M | undefined;
      if (base === undefined) throw invalid(`"${policy}" is not a membership policy`);
      next[type === "addMember" ? "addMemberPolicy" : "removeMemberPolicy"] =
        membershipPolicy(base);
      return next;
    }
    case "addAdmin":
    case "removeAdmin": {
      const base = ADMINS[policy] as P | undefined;
      if (base === undefined) throw invalid(`"${policy}" is not an admin-list policy`);
      next[type === "addAdmin" ? "addAdminPolicy" : "removeAdminPolicy"] = permissionsPolicy(base);
      return next;
    }
    case "updateMetadata": {
      const base = METADATA[policy] as D | undefined;
      if (base === undefined) throw invalid(`"${policy}" is not a metadata policy`);
      if (metadataField === undefined || metadataField === "") {
        throw invalid('"updateMetadata" needs the metadata field it applies to');
      }
      if (metadataField.startsWith("_")) {
        throw invalid(`${metadataField} is reserved to super admins and has no policy`);
      }
      next.updateMetadataPolicy[metadataField] = metadataPolicy(base);
      return next;
    }
    default:
      throw invalid(`unknown permission type "${String(type)}"`);
  }
}
