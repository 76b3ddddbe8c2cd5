// The XMTP protobuf payloads the engine reads and writes: the MLS credential and the four
// group-context extension bodies. Decoding goes through the generated @x/proto schemas; encoding
// reproduces libxmtp's (prost's) bytes, with map entries sorted by key.
import { create, fromBinary, toBinary } from "@x/proto";
import { MlsCredentialSchema } from "@x/proto/identity";
import {
  ConversationType,
  GroupMembershipSchema,
  GroupMetadataV1Schema,
  GroupMutableMetadataV1Schema,
  GroupMutablePermissionsV1Schema,
  type PolicySet,
  PolicySetSchema,
} from "@x/proto/mls/message_contents";
import { ExtensionError, errorMessage } from "./errors.js";
import { encodeGroupMembershipProst, encodeMutableMetadataProst } from "./prost.js";

export { ConversationType };

/** `xmtp.identity.MlsCredential{inbox_id}`: the identity bytes of every XMTP BasicCredential. */
export function encodeMlsCredential(inboxId: string): Uint8Array {
  return toBinary(MlsCredentialSchema, create(MlsCredentialSchema, { inboxId }));
}

/** The inbox id inside a credential's identity bytes, or undefined if they are not an MlsCredential. */
export function decodeMlsCredential(identity: Uint8Array): string | undefined {
  try {
    const inboxId = fromBinary(MlsCredentialSchema, identity).inboxId;
    return inboxId === "" ? undefined : inboxId;
  } catch {
    return undefined;
  }
}

/** GroupMetadataV1: the immutable metadata (0xf000, inside a TLS opaque<V>). */
export interface GroupMetadata {
  conversationType: ConversationType;
  creatorInboxId: string;
  /** DMs only: the two inboxes, in the order the creator wrote them (creator first). */
  dmMembers?: { memberOneInboxId: string; memberTwoInboxId: string };
}

export function encodeGroupMetadata(m: GroupMetadata): Uint8Array {
  return toBinary(
    GroupMetadataV1Schema,
    create(GroupMetadataV1Schema, {
      conversationType: m.conversationType,
      creatorAccountAddress: "",
      creatorInboxId: m.creatorInboxId,
      ...(m.dmMembers === undefined
        ? {}
        : {
            dmMembers: {
              dmMemberOne: { inboxId: m.dmMembers.memberOneInboxId },
              dmMemberTwo: { inboxId: m.dmMembers.memberTwoInboxId },
            },
          }),
    }),
  );
}

export function decodeGroupMetadata(bytes: Uint8Array): GroupMetadata {
  const m = decodeOrThrow(() => fromBinary(GroupMetadataV1Schema, bytes), "GroupMetadataV1");
  const result: GroupMetadata = {
    conversationType: m.conversationType,
    creatorInboxId: m.creatorInboxId,
  };
  if (m.dmMembers !== undefined) {
    const one = m.dmMembers.dmMemberOne?.inboxId;
    const two = m.dmMembers.dmMemberTwo?.inboxId;
    if (one === undefined || two === undefined) {
      throw new ExtensionError(
        "MLS_EXTENSION_MALFORMED",
        "GroupMetadataV1.dm_members lacks one of its two inboxes; the group's immutable metadata is invalid",
      );
    }
    result.dmMembers = { memberOneInboxId: one, memberTwoInboxId: two };
  }
  return result;
}

/** GroupMutableMetadataV1 (0xff00): attributes and admin lists. */
export interface MutableMetadata {
  attributes: Record<string, string>;
  adminList: string[];
  superAdminList: string[];
}

export function encodeMutableMetadata(m: MutableMetadata): Uint8Array {
  return encodeMutableMetadataProst(m);
}

export function decodeMutableMetadata(bytes: Uint8Array): MutableMetadata {
  const m = decodeOrThrow(
    () => fromBinary(GroupMutableMetadataV1Schema, bytes),
    "GroupMutableMetadataV1",
  );
  // libxmtp rejects a mutable metadata without both lists (MissingMetadataField).
  if (m.adminList === undefined || m.superAdminList === undefined) {
    throw new ExtensionError(
      "MLS_EXTENSION_MALFORMED",
      "GroupMutableMetadataV1 lacks admin_list or super_admin_list, which libxmtp requires",
    );
  }
  return {
    attributes: { ...m.attributes },
    adminList: [...m.adminList.inboxIds],
    superAdminList: [...m.superAdminList.inboxIds],
  };
}

/** GroupMembership (0xff01): inbox id → the identity-update sequence id the group has applied. */
export interface GroupMembership {
  members: Record<string, bigint>;
  failedInstallations: Uint8Array[];
}

export function encodeGroupMembership(m: GroupMembership): Uint8Array {
  return encodeGroupMembershipProst(m);
}

export function decodeGroupMembership(bytes: Uint8Array): GroupMembership {
  const m = decodeOrThrow(() => fromBinary(GroupMembershipSchema, bytes), "GroupMembership");
  return { members: { ...m.members }, failedInstallations: [...m.failedInstallations] };
}

/** GroupMutablePermissionsV1{policies} (0xff02). The map is written sorted by field name. */
export function encodePermissions(policies: PolicySet): Uint8Array {
  const sorted: PolicySet["updateMetadataPolicy"] = {};
  for (const key of Object.keys(policies.updateMetadataPolicy).sort()) {
    sorted[key] = policies.updateMetadataPolicy[key] as PolicySet["updateMetadataPolicy"][string];
  }
  return toBinary(
    GroupMutablePermissionsV1Schema,
    create(GroupMutablePermissionsV1Schema, {
      policies: create(PolicySetSchema, { ...policies, updateMetadataPolicy: sorted }),
    }),
  );
}

export function decodePermissions(bytes: Uint8Array): PolicySet {
  const m = decodeOrThrow(
    () => fromBinary(GroupMutablePermissionsV1Schema, bytes),
    "GroupMutablePermissionsV1",
  );
  const p = m.policies;
  // libxmtp's PolicySet::from_proto requires every policy to be present.
  if (
    p === undefined ||
    p.addMemberPolicy === undefined ||
    p.removeMemberPolicy === undefined ||
    p.addAdminPolicy === undefined ||
    p.removeAdminPolicy === undefined ||
    p.updatePermissionsPolicy === undefined
  ) {
    throw new ExtensionError(
      "MLS_EXTENSION_MALFORMED",
      "GroupMutablePermissionsV1 lacks its policy set or one of its policies, which libxmtp requires",
    );
  }
  return p;
}

function decodeOrThrow<T>(decode: () => T, what: string): T {
  try {
    return decode();
  } catch (e) {
    throw new ExtensionError(
      "MLS_EXTENSION_MALFORMED",
      `${what} does not decode: ${errorMessage(e)}`,
      {
        cause: e,
      },
    );
  }
}
