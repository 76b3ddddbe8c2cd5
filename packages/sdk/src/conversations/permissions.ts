// node-sdk's group permission options (a preset, or CustomPolicy with a PermissionPolicySet) as
// @x/mls's preset names or the PolicySet protobuf of a custom set.
import {
  defaultPolicySet,
  MetadataField,
  type CreateGroupOptions as MlsCreateGroupOptions,
  type PermissionUpdateType,
  withPermission,
} from "@x/mls";
import type { PolicySet } from "@x/proto/mls/message_contents";
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

// node-bindings' numbers for PermissionPolicy.
const NUMBERS = ["allow", "deny", "admin", "superAdmin", "doesNotExist", "other"];

/** The PolicySet of a node-sdk PermissionPolicySet (fields it leaves out keep the default). */
export function policySetFrom(set: PermissionPolicySet): PolicySet {
  if (typeof set !== "object" || set === null) {
    throw invalidArgument(
      "permissions CustomPolicy needs customPermissionPolicySet (a PermissionPolicySet)",
    );
  }
  let out = defaultPolicySet();
  // @x/mls's withPermission holds libxmtp's rules (e.g. no "allow" for admin-list changes).
  const apply = (type: PermissionUpdateType, name: keyof PermissionPolicySet, field?: string) => {
    const value = set[name];
    const policy = typeof value === "number" ? NUMBERS[value] : value;
    try {
      out = withPermission(out, type, policy as PermissionPolicy, field);
    } catch (e) {
      throw invalidArgument(
        `customPermissionPolicySet.${name}: ${(e as Error).message} (PermissionPolicy), got ${JSON.stringify(value)}`,
      );
    }
  };
  apply("addMember", "addMemberPolicy");
  apply("removeMember", "removeMemberPolicy");
  apply("addAdmin", "addAdminPolicy");
  apply("removeAdmin", "removeAdminPolicy");
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
    for (const a of attributes) apply("updateMetadata", name, a);
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
