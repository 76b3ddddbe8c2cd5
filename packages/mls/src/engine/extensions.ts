// XMTP's group-context extensions as MLS `Extension` values, and reading them back from a group.
import type { PolicySet } from "@x/proto/mls/message_contents";
import type { RequiredCapabilities } from "ts-mls";
import { decodeRequiredCapabilities, type Extension, encodeRequiredCapabilities } from "ts-mls";
import { extensionTypeToNumber } from "ts-mls/extension.js";
import {
  EXTENSION_GROUP_MEMBERSHIP,
  EXTENSION_GROUP_PERMISSIONS,
  EXTENSION_IMMUTABLE_METADATA,
  EXTENSION_MUTABLE_METADATA,
  EXTENSION_REQUIRED_CAPABILITIES,
  REQUIRED_EXTENSION_TYPES,
  REQUIRED_PROPOSAL_TYPES,
} from "./constants.js";
import { ExtensionError } from "./errors.js";
import {
  decodeGroupMembership,
  decodeGroupMetadata,
  decodeMutableMetadata,
  decodePermissions,
  encodeGroupMembership,
  encodeGroupMetadata,
  encodeMutableMetadata,
  encodePermissions,
  type GroupMembership,
  type GroupMetadata,
  type MutableMetadata,
} from "./payloads.js";
import { decodeOpaqueExact, encodeOpaque } from "./tls.js";

/** 0xf000: the fork's `Metadata{ opaque metadata<V> }` around GroupMetadataV1. */
export function immutableMetadataExtension(metadata: GroupMetadata): Extension {
  return {
    extensionType: EXTENSION_IMMUTABLE_METADATA,
    extensionData: encodeOpaque(encodeGroupMetadata(metadata)),
  };
}

export function mutableMetadataExtension(metadata: MutableMetadata): Extension {
  return {
    extensionType: EXTENSION_MUTABLE_METADATA,
    extensionData: encodeMutableMetadata(metadata),
  };
}

export function groupMembershipExtension(membership: GroupMembership): Extension {
  return {
    extensionType: EXTENSION_GROUP_MEMBERSHIP,
    extensionData: encodeGroupMembership(membership),
  };
}

export function permissionsExtension(policies: PolicySet): Extension {
  return { extensionType: EXTENSION_GROUP_PERMISSIONS, extensionData: encodePermissions(policies) };
}

/** required_capabilities exactly as libxmtp's `build_group_config` sets it. */
export function requiredCapabilitiesExtension(): Extension {
  return {
    extensionType: "required_capabilities",
    extensionData: encodeRequiredCapabilities({
      extensionTypes: [...REQUIRED_EXTENSION_TYPES],
      proposalTypes: [...REQUIRED_PROPOSAL_TYPES],
      credentialTypes: ["basic"],
    }),
  };
}

/** The extension list of a new group, in libxmtp's order. */
export function initialGroupExtensions(parts: {
  metadata: GroupMetadata;
  mutableMetadata: MutableMetadata;
  membership: GroupMembership;
  permissions: PolicySet;
}): Extension[] {
  return [
    immutableMetadataExtension(parts.metadata),
    mutableMetadataExtension(parts.mutableMetadata),
    groupMembershipExtension(parts.membership),
    permissionsExtension(parts.permissions),
    requiredCapabilitiesExtension(),
  ];
}

export function extensionTypeNumber(e: Extension): number {
  return extensionTypeToNumber(e.extensionType);
}

export function findExtension(
  extensions: readonly Extension[],
  type: number,
): Extension | undefined {
  return extensions.find((e) => extensionTypeNumber(e) === type);
}

/**
 * OpenMLS `Extensions::add_or_replace`, which libxmtp uses for every GCE update: the old
 * extension of that type is removed and the new one appended at the end. The order matters for
 * the GroupContext bytes, so we do the same.
 */
export function replaceExtension(extensions: readonly Extension[], ext: Extension): Extension[] {
  const type = extensionTypeNumber(ext);
  return [...extensions.filter((e) => extensionTypeNumber(e) !== type), ext];
}

/** Everything XMTP keeps in a group's context, decoded. */
export interface XmtpGroupExtensions {
  metadata: GroupMetadata;
  mutableMetadata: MutableMetadata;
  membership: GroupMembership;
  permissions: PolicySet;
  requiredCapabilities: RequiredCapabilities | undefined;
}

function required(extensions: readonly Extension[], type: number, name: string): Uint8Array {
  const ext = findExtension(extensions, type);
  if (ext === undefined) {
    throw new ExtensionError(
      "MLS_EXTENSION_MISSING",
      `the group context has no ${name} extension (0x${type.toString(16)}); it is not an XMTP group`,
    );
  }
  return ext.extensionData;
}

export function decodeImmutableMetadataExtension(data: Uint8Array): GroupMetadata {
  const inner = decodeOpaqueExact(data);
  if (inner === undefined) {
    throw new ExtensionError(
      "MLS_EXTENSION_MALFORMED",
      "the ImmutableMetadata extension (0xf000) is not a single TLS opaque<V>",
    );
  }
  return decodeGroupMetadata(inner);
}

/** Decodes XMTP's extensions from a group context. Throws ExtensionError when one is missing or bad. */
export function readGroupExtensions(extensions: readonly Extension[]): XmtpGroupExtensions {
  const rc = findExtension(extensions, EXTENSION_REQUIRED_CAPABILITIES);
  let requiredCapabilities: RequiredCapabilities | undefined;
  if (rc !== undefined) {
    const decoded = decodeRequiredCapabilities(rc.extensionData, 0);
    if (decoded === undefined || decoded[1] !== rc.extensionData.length) {
      throw new ExtensionError("MLS_EXTENSION_MALFORMED", "required_capabilities does not decode");
    }
    requiredCapabilities = decoded[0];
  }
  return {
    metadata: decodeImmutableMetadataExtension(
      required(extensions, EXTENSION_IMMUTABLE_METADATA, "ImmutableMetadata"),
    ),
    mutableMetadata: decodeMutableMetadata(
      required(extensions, EXTENSION_MUTABLE_METADATA, "GroupMutableMetadata"),
    ),
    membership: decodeGroupMembership(
      required(extensions, EXTENSION_GROUP_MEMBERSHIP, "GroupMembership"),
    ),
    permissions: decodePermissions(
      required(extensions, EXTENSION_GROUP_PERMISSIONS, "GroupMutablePermissions"),
    ),
    requiredCapabilities,
  };
}
