// node-sdk's enums with node-sdk's member names. Their values are @x/mls's strings
// (ConsentState.Allowed === "allowed"), so code written with the member names works unchanged and
// the values read well in logs. IdentifierKind keeps libxmtp's numbers (0, 1): identifiers are
// written by hand in signers, often with the number. Inputs also take libxmtp's numbers.
import { MetadataField as Fields } from "@x/mls";
import { invalidArgument } from "./errors.js";

type ValueOf<T> = T[keyof T];

export const IdentifierKind = { Ethereum: 0, Passkey: 1 } as const;
export type IdentifierKind = ValueOf<typeof IdentifierKind>;

export const ConsentState = { Unknown: "unknown", Allowed: "allowed", Denied: "denied" } as const;
export type ConsentState = ValueOf<typeof ConsentState>;

export const ConsentEntityType = { GroupId: "conversation_id", InboxId: "inbox_id" } as const;
export type ConsentEntityType = ValueOf<typeof ConsentEntityType>;

export const ConversationType = { Dm: "dm", Group: "group" } as const;
export type ConversationType = ValueOf<typeof ConversationType>;

export const DeliveryStatus = {
  Unpublished: "unpublished",
  Published: "published",
  Failed: "failed",
} as const;
export type DeliveryStatus = ValueOf<typeof DeliveryStatus>;

export const GroupMessageKind = {
  Application: "application",
  MembershipChange: "membership_change",
} as const;
export type GroupMessageKind = ValueOf<typeof GroupMessageKind>;

export const GroupPermissionsOptions = {
  Default: "all_members",
  AdminOnly: "admin_only",
  CustomPolicy: "custom_policy",
} as const;
export type GroupPermissionsOptions = ValueOf<typeof GroupPermissionsOptions>;

export const PermissionPolicy = {
  Allow: "allow",
  Deny: "deny",
  Admin: "admin",
  SuperAdmin: "superAdmin",
  DoesNotExist: "doesNotExist",
  Other: "other",
} as const;
export type PermissionPolicy = ValueOf<typeof PermissionPolicy>;

export const PermissionUpdateType = {
  AddMember: "addMember",
  RemoveMember: "removeMember",
  AddAdmin: "addAdmin",
  RemoveAdmin: "removeAdmin",
  UpdateMetadata: "updateMetadata",
} as const;
export type PermissionUpdateType = ValueOf<typeof PermissionUpdateType>;

export const PermissionLevel = {
  Member: "member",
  Admin: "admin",
  SuperAdmin: "super_admin",
} as const;
export type PermissionLevel = ValueOf<typeof PermissionLevel>;

export const SortDirection = { Ascending: "ascending", Descending: "descending" } as const;
export type SortDirection = ValueOf<typeof SortDirection>;

export const ListConversationsOrderBy = {
  CreatedAt: "createdAt",
  LastActivity: "lastActivity",
} as const;
export type ListConversationsOrderBy = ValueOf<typeof ListConversationsOrderBy>;

/** Group metadata fields, as libxmtp names them in the group's attributes. */
export const MetadataField = {
  AppData: Fields.AppData,
  Description: Fields.Description,
  GroupName: Fields.GroupName,
  GroupImageUrlSquare: Fields.GroupImageUrlSquare,
  MessageExpirationFromNs: Fields.MessageDisappearFromNs,
  MessageExpirationInNs: Fields.MessageDisappearInNs,
} as const;
export type MetadataField = ValueOf<typeof MetadataField>;

export const ReactionAction = { Unknown: "unknown", Added: "added", Removed: "removed" } as const;
export type ReactionAction = ValueOf<typeof ReactionAction>;

export const ReactionSchema = {
  Unknown: "unknown",
  Unicode: "unicode",
  Shortcode: "shortcode",
  Custom: "custom",
} as const;
export type ReactionSchema = ValueOf<typeof ReactionSchema>;

export const LogLevel = {
  Off: "off",
  Error: "error",
  Warn: "warn",
  Info: "info",
  Debug: "debug",
  Trace: "trace",
} as const;
export type LogLevel = ValueOf<typeof LogLevel>;

// ---- inputs: our strings, or libxmtp's numbers ----

const CONSENT_NUMBERS: readonly ConsentState[] = ["unknown", "allowed", "denied"];
const CONVERSATION_NUMBERS: Partial<Record<number, ConversationType>> = { 0: "dm", 1: "group" };

export function consentStateOf(value: unknown, where = "consent state"): ConsentState {
  if (typeof value === "number" && CONSENT_NUMBERS[value] !== undefined) {
    return CONSENT_NUMBERS[value];
  }
  if (typeof value === "string" && (CONSENT_NUMBERS as readonly string[]).includes(value)) {
    return value as ConsentState;
  }
  throw invalidArgument(
    `${where} must be ConsentState.Unknown, .Allowed or .Denied ("unknown", "allowed", "denied"), got ${JSON.stringify(value)}`,
  );
}

export function consentStatesOf(
  values: unknown,
  where = "consentStates",
): ConsentState[] | undefined {
  if (values === undefined) return undefined;
  if (!Array.isArray(values)) throw invalidArgument(`${where} must be an array of ConsentState`);
  return values.map((v, i) => consentStateOf(v, `${where}[${i}]`));
}

export function conversationTypeOf(
  value: unknown,
  where = "conversationType",
): ConversationType | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number" && CONVERSATION_NUMBERS[value] !== undefined) {
    return CONVERSATION_NUMBERS[value];
  }
  if (value === "dm" || value === "group") return value;
  throw invalidArgument(
    `${where} must be ConversationType.Dm or ConversationType.Group, got ${JSON.stringify(value)}`,
  );
}

export function consentEntityTypeOf(value: unknown): ConsentEntityType {
  if (value === 0 || value === "conversation_id") return "conversation_id";
  if (value === 1 || value === "inbox_id") return "inbox_id";
  throw invalidArgument(
    `entityType must be ConsentEntityType.GroupId or ConsentEntityType.InboxId, got ${JSON.stringify(value)}`,
  );
}
