// Default metadata of new groups and DMs, as libxmtp writes it
// (xmtp_mls_common/src/group_mutable_metadata.rs `new_default` / `new_dm_default`,
// xmtp_mls/src/groups/mod.rs `build_*_extension`).

import { ConversationType, type GroupMetadata, type MutableMetadata } from "./payloads.js";
import { MetadataField } from "./policies.js";
import { toHex } from "./tls.js";

/** Disappearing messages: from when (ns) and after how long (ns). Written only when given. */
export interface MessageDisappearingSettings {
  fromNs: bigint;
  inNs: bigint;
}

export interface GroupMetadataOptions {
  name?: string;
  description?: string;
  imageUrlSquare?: string;
  appData?: string;
  messageDisappearing?: MessageDisappearingSettings;
}

/** libxmtp `rand_secret::<32>()`, hex-encoded: the group's commit-log (consensus) signing key. */
export function newCommitLogSigner(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

function baseAttributes(
  name: string,
  description: string,
  imageUrlSquare: string,
  disappearing: MessageDisappearingSettings | undefined,
): Record<string, string> {
  const attributes: Record<string, string> = {
    [MetadataField.GroupName]: name,
    [MetadataField.Description]: description,
    [MetadataField.GroupImageUrlSquare]: imageUrlSquare,
  };
  if (disappearing !== undefined) {
    attributes[MetadataField.MessageDisappearFromNs] = disappearing.fromNs.toString();
    attributes[MetadataField.MessageDisappearInNs] = disappearing.inNs.toString();
  }
  return attributes;
}

const INT64 = /^-?\d{1,19}$/;

/**
 * The group's disappearing-message settings: both attributes present and decimal int64 values
 * (libxmtp's conversation_message_disappearing_settings), else undefined.
 */
export function readDisappearingSettings(
  attributes: Readonly<Record<string, string>>,
): MessageDisappearingSettings | undefined {
  const from = attributes[MetadataField.MessageDisappearFromNs];
  const inNs = attributes[MetadataField.MessageDisappearInNs];
  if (from === undefined || inNs === undefined || !INT64.test(from) || !INT64.test(inNs)) {
    return undefined;
  }
  return { fromNs: BigInt(from), inNs: BigInt(inNs) };
}

/** Messages disappear when both settings are above 0 (libxmtp's is_enabled). */
export function disappearingEnabled(s: MessageDisappearingSettings | undefined): boolean {
  return s !== undefined && s.fromNs > 0n && s.inNs > 0n;
}

/** A new group's mutable metadata: the creator is the only super admin. */
export function defaultGroupMutableMetadata(
  creatorInboxId: string,
  options: GroupMetadataOptions = {},
  commitLogSigner: string = newCommitLogSigner(),
): MutableMetadata {
  const attributes = baseAttributes(
    options.name ?? "",
    options.description ?? "",
    options.imageUrlSquare ?? "",
    options.messageDisappearing,
  );
  attributes[MetadataField.AppData] = options.appData ?? "";
  attributes[MetadataField.CommitLogSigner] = commitLogSigner;
  return { attributes, adminList: [], superAdminList: [creatorInboxId] };
}

/** A new DM's mutable metadata: default name/description/image, no admins, no app_data. */
export function defaultDmMutableMetadata(
  options: { messageDisappearing?: MessageDisappearingSettings } = {},
  commitLogSigner: string = newCommitLogSigner(),
): MutableMetadata {
  const attributes = baseAttributes("", "", "", options.messageDisappearing);
  attributes[MetadataField.CommitLogSigner] = commitLogSigner;
  return { attributes, adminList: [], superAdminList: [] };
}

export function groupImmutableMetadata(creatorInboxId: string): GroupMetadata {
  return { conversationType: ConversationType.GROUP, creatorInboxId };
}

/** DM metadata: member one is the creator, member two the peer (libxmtp's order). */
export function dmImmutableMetadata(creatorInboxId: string, peerInboxId: string): GroupMetadata {
  return {
    conversationType: ConversationType.DM,
    creatorInboxId,
    dmMembers: { memberOneInboxId: creatorInboxId, memberTwoInboxId: peerInboxId },
  };
}

/** libxmtp's local DM id: "dm:" + the two inbox ids, lowercased, sorted, joined by ":". */
export function dmId(inboxA: string, inboxB: string): string {
  return `dm:${[inboxA.toLowerCase(), inboxB.toLowerCase()].sort().join(":")}`;
}

/**
 * Byte-length limits libxmtp enforces when it validates a commit (groups/mod.rs, validated_commit.rs;
 * app_data from libxmtp 1.9). A commit over a limit is rejected by every libxmtp member.
 */
export const METADATA_LIMITS: Readonly<Record<string, number>> = {
  group_name: 100,
  description: 1000,
  group_image_url_square: 2048,
  app_data: 8192,
};

/** The field whose value is over its limit, or undefined. */
export function metadataOverLimit(
  attributes: Readonly<Record<string, string>>,
): string | undefined {
  for (const [field, limit] of Object.entries(METADATA_LIMITS)) {
    const value = attributes[field];
    if (value !== undefined && new TextEncoder().encode(value).length > limit) return field;
  }
  return undefined;
}
