// libxmtp's preconfigured permission policy sets (crates/xmtp_mls/src/groups/group_permissions.rs):
// `PolicySet::default()` ("All members"), `policy_admin_only()` and `PolicySet::new_dm()`.
import { create } from "@x/proto";
import {
  type MembershipPolicy,
  MembershipPolicy_BasePolicy,
  MembershipPolicySchema,
  type MetadataPolicy,
  MetadataPolicy_MetadataBasePolicy,
  MetadataPolicySchema,
  type PermissionsUpdatePolicy,
  PermissionsUpdatePolicy_PermissionsBasePolicy,
  PermissionsUpdatePolicySchema,
  type PolicySet,
  PolicySetSchema,
} from "@x/proto/mls/message_contents";

/** Mutable-metadata attribute names (libxmtp `MetadataField::as_str`). */
export const MetadataField = {
  GroupName: "group_name",
  Description: "description",
  GroupImageUrlSquare: "group_image_url_square",
  MessageDisappearFromNs: "message_disappear_from_ns",
  MessageDisappearInNs: "message_disappear_in_ns",
  MinimumSupportedProtocolVersion: "minimum_supported_protocol_version",
  /** Starts with "_", so only super admins may change it. */
  CommitLogSigner: "_commit_log_signer",
  AppData: "app_data",
} as const;

/**
 * The fields that get a policy in new groups (libxmtp `GroupMutableMetadata::supported_fields`).
 * libxmtp 1.5.4 lists the first six; 1.9 added app_data, which we include (older peers just see
 * one more map entry; a policy for a field they do not know is harmless to them).
 */
export const POLICY_METADATA_FIELDS: readonly string[] = [
  MetadataField.GroupName,
  MetadataField.Description,
  MetadataField.GroupImageUrlSquare,
  MetadataField.MessageDisappearFromNs,
  MetadataField.MessageDisappearInNs,
  MetadataField.MinimumSupportedProtocolVersion,
  MetadataField.AppData,
];

export const membershipPolicy = (base: MembershipPolicy_BasePolicy): MembershipPolicy =>
  create(MembershipPolicySchema, { kind: { case: "base", value: base } });
export const metadataPolicy = (base: MetadataPolicy_MetadataBasePolicy): MetadataPolicy =>
  create(MetadataPolicySchema, { kind: { case: "base", value: base } });
export const permissionsPolicy = (
  base: PermissionsUpdatePolicy_PermissionsBasePolicy,
): PermissionsUpdatePolicy =>
  create(PermissionsUpdatePolicySchema, { kind: { case: "base", value: base } });

const M = MembershipPolicy_BasePolicy;
const D = MetadataPolicy_MetadataBasePolicy;
const P = PermissionsUpdatePolicy_PermissionsBasePolicy;

/** Disappearing-message settings need an admin and the protocol floor a super admin, whatever the preset. */
function metadataPolicies(
  general: MetadataPolicy_MetadataBasePolicy,
): Record<string, MetadataPolicy> {
  const map: Record<string, MetadataPolicy> = {};
  for (const field of POLICY_METADATA_FIELDS) {
    const base =
      field === MetadataField.MessageDisappearFromNs || field === MetadataField.MessageDisappearInNs
        ? D.ALLOW_IF_ADMIN
        : field === MetadataField.MinimumSupportedProtocolVersion
          ? D.ALLOW_IF_SUPER_ADMIN
          : general;
    map[field] = metadataPolicy(base);
  }
  return map;
}

/** "All members" (libxmtp `PreconfiguredPolicies::Default`): anyone adds, admins remove. */
export function defaultPolicySet(): PolicySet {
  return create(PolicySetSchema, {
    addMemberPolicy: membershipPolicy(M.ALLOW),
    removeMemberPolicy: membershipPolicy(M.ALLOW_IF_ADMIN_OR_SUPER_ADMIN),
    updateMetadataPolicy: metadataPolicies(D.ALLOW),
    addAdminPolicy: permissionsPolicy(P.ALLOW_IF_SUPER_ADMIN),
    removeAdminPolicy: permissionsPolicy(P.ALLOW_IF_SUPER_ADMIN),
    updatePermissionsPolicy: permissionsPolicy(P.ALLOW_IF_SUPER_ADMIN),
  });
}

/** libxmtp `PreconfiguredPolicies::AdminsOnly`. */
export function adminsOnlyPolicySet(): PolicySet {
  return create(PolicySetSchema, {
    addMemberPolicy: membershipPolicy(M.ALLOW_IF_ADMIN_OR_SUPER_ADMIN),
    removeMemberPolicy: membershipPolicy(M.ALLOW_IF_ADMIN_OR_SUPER_ADMIN),
    updateMetadataPolicy: metadataPolicies(D.ALLOW_IF_ADMIN),
    addAdminPolicy: permissionsPolicy(P.ALLOW_IF_SUPER_ADMIN),
    removeAdminPolicy: permissionsPolicy(P.ALLOW_IF_SUPER_ADMIN),
    updatePermissionsPolicy: permissionsPolicy(P.ALLOW_IF_SUPER_ADMIN),
  });
}

/** libxmtp `PolicySet::new_dm()`: no membership or admin changes, every metadata field open. */
export function dmPolicySet(): PolicySet {
  const updateMetadataPolicy: Record<string, MetadataPolicy> = {};
  for (const field of POLICY_METADATA_FIELDS) updateMetadataPolicy[field] = metadataPolicy(D.ALLOW);
  return create(PolicySetSchema, {
    addMemberPolicy: membershipPolicy(M.DENY),
    removeMemberPolicy: membershipPolicy(M.DENY),
    updateMetadataPolicy,
    addAdminPolicy: permissionsPolicy(P.DENY),
    removeAdminPolicy: permissionsPolicy(P.DENY),
    updatePermissionsPolicy: permissionsPolicy(P.DENY),
  });
}
