// node-sdk's group permission options (a preset, or CustomPolicy with a PermissionPolicySet) as
// @x/mls's preset names or the PolicySet protobuf of a custom set.
import {
  defaultPolicySet,
  MetadataField,
  type CreateGroupOptions as MlsCreateGroupOptions,
  membershipPolicy,
  metadataPolicy,
  permissionsPolicy,
} from "@x/mls";
import {
  MetadataPolicy_MetadataBasePolicy as D,
  MembershipPolicy_BasePolicy as M,
  PermissionsUpdatePolicy_PermissionsBasePolicy as P,
  type PolicySet,
} from "@x/proto/mls/message_contents";
import { GroupPermissionsOptions, type PermissionPolicy } from "../enums.js";
import { invalidArgument } from "../errors.js";

/** node-sdk's PermissionPolicySet: one policy per action. */
export interface PermissionPolicySet {
  addMemberPolicy: PermissionPolicy;
  removeMemberPolicy: PermissionPolicy;
  addAdminPolicy: PermissionPolicy;
  removeAdminPolicy: PermissionPolicy;
  updateGroupNamePolicy: PermissionPolicy;
  updateGroupDescriptionPolicy: PermissionPolicy;
  updateGroupImageUrlSquarePolicy: PermissionPolicy;
  updateMessageDisappearingPolicy: PermissionPolicy;
  updateAppDataPolicy?: PermissionPolicy;
}

const MEMBERSHIP: Partial<Record<string, M>> = {
  allow: M.ALLOW,
  deny: M.DENY,
  admin: M.ALLOW_IF_ADMIN_OR_SUPER_ADMIN,
  superAdmin: M.ALLOW_IF_SUPER_ADMIN,
};
const METADATA: Partial<Record<string, D>> = {
  allow: D.ALLOW,
  deny: D.DENY,
  admin: D.ALLOW_IF_ADMIN,
  superAdmin: D.ALLOW_IF_SUPER_ADMIN,
};
// libxmtp offers no "allow" for admin-list changes.
const ADMINS: Partial<Record<string, P>> = {
  deny: P.DENY,
  admin: P.ALLOW_IF_ADMIN,
  superAdmin: P.ALLOW_IF_SUPER_ADMIN,
};
// node-bindings' numbers for PermissionPolicy.
const NUMBERS = ["allow", "deny", "admin", "superAdmin", "doesNotExist", "other"];

function base<T>(table: Partial<Record<string, T>>, value: unknown, name: string): T {
  const key = typeof value === "number" ? NUMBERS[value] : value;
  const found = typeof key === "string" ? table[key] : undefined;
  if (found === undefined) {
    throw invalidArgument(
      `customPermissionPolicySet.${name} must be one of ${Object.keys(table).join(", ")} (PermissionPolicy), got ${JSON.stringify(value)}`,
    );
  }
  return found;
}

/** The PolicySet of a node-sdk PermissionPolicySet (fields it leaves out keep the default). */
export function policySetFrom(set: PermissionPolicySet): PolicySet {
  if (typeof set !== "object" || set === null) {
    throw invalidArgument(
      "permissions CustomPolicy needs customPermissionPolicySet (a PermissionPolicySet)",
    );
  }
  const out = defaultPolicySet();
  out.addMemberPolicy = membershipPolicy(base(MEMBERSHIP, set.addMemberPolicy, "addMemberPolicy"));
  out.removeMemberPolicy = membershipPolicy(
    base(MEMBERSHIP, set.removeMemberPolicy, "removeMemberPolicy"),
  );
  out.addAdminPolicy = permissionsPolicy(base(ADMINS, set.addAdminPolicy, "addAdminPolicy"));
  out.removeAdminPolicy = permissionsPolicy(
    base(ADMINS, set.removeAdminPolicy, "removeAdminPolicy"),
  );
  const fields: [keyof PermissionPolicySet, string[]][] = [
    ["updateGroupNamePolicy", [MetadataField.GroupName]],
    ["updateGroupDescriptionPolicy", [MetadataField.Description]],
    ["updateGroupImageUrlSquarePolicy", [MetadataField.GroupImageUrlSquare]],
    [
      "updateMessageDisappearingPolicy",
      [MetadataField.MessageDisappearFromNs, MetadataField.MessageDisappearInNs],
    ],
    ["updateAppDataPolicy", [MetadataField.AppData]],
  ];
  for (const [name, attributes] of fields) {
    if (set[name] === undefined && name === "updateAppDataPolicy") continue;
    const policy = metadataPolicy(base(METADATA, set[name], name));
    for (const a of attributes) out.updateMetadataPolicy[a] = policy;
  }
  return out;
}

/** @x/mls's `permissions` for node-sdk's `permissions` and `customPermissionPolicySet`. */
export function mlsPermissions(
  permissions: unknown,
  custom: PermissionPolicySet | undefined,
): MlsCreateGroupOptions["permissions"] {
  if (permissions === undefined && custom === undefined) return undefined;
  if (permissions === GroupPermissionsOptions.Default || permissions === 0) return "all_members";
  if (permissions === GroupPermissionsOptions.AdminOnly || permissions === 1) return "admin_only";
  if (
    permissions === GroupPermissionsOptions.CustomPolicy ||
    permissions === 2 ||
    (permissions === undefined && custom !== undefined)
  ) {
    return policySetFrom(custom as PermissionPolicySet);
  }
  throw invalidArgument(
    `permissions must be GroupPermissionsOptions.Default, .AdminOnly or .CustomPolicy, got ${JSON.stringify(permissions)}`,
  );
}
