// The values the stores take and return. Plain objects: bytes are Uint8Array, nanosecond times,
// sequence ids and epochs are bigint. Enum numbers are the ones libxmtp stores (xmtp_db), so a
// row means the same thing here as there.

function enumValues<T extends Record<string, number>>(e: T): ReadonlySet<number> {
  return new Set(Object.values(e));
}

/** groups.conversation_type */
export const ConversationType = { Group: 1, Dm: 2, Sync: 3, Oneshot: 4 } as const;
export type ConversationType = (typeof ConversationType)[keyof typeof ConversationType];

/** groups.membership_state */
export const GroupMembershipState = {
  Allowed: 1,
  Rejected: 2,
  Pending: 3,
  Restored: 4,
  PendingRemove: 5,
} as const;
export type GroupMembershipState = (typeof GroupMembershipState)[keyof typeof GroupMembershipState];

/** group_messages.kind */
export const MessageKind = { Application: 1, MembershipChange: 2 } as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** group_messages.delivery_status */
export const DeliveryStatus = { Unpublished: 1, Published: 2, Failed: 3 } as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];

/** group_messages.content_type: libxmtp's ContentType enum (0 is any type it does not know). */
export const ContentType = {
  Unknown: 0,
  Text: 1,
  GroupMembershipChange: 2,
  GroupUpdated: 3,
  Reaction: 4,
  ReadReceipt: 5,
  Reply: 6,
  Attachment: 7,
  RemoteAttachment: 8,
  TransactionReference: 9,
  WalletSendCalls: 10,
  LeaveRequest: 11,
  Markdown: 12,
  Actions: 13,
  Intent: 14,
  MultiRemoteAttachment: 15,
  DeleteMessage: 16,
} as const;
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

/** group_intents.kind */
export const IntentKind = {
  SendMessage: 1,
  KeyUpdate: 2,
  MetadataUpdate: 3,
  UpdateGroupMembership: 4,
  UpdateAdminList: 5,
  UpdatePermission: 6,
  ReaddInstallations: 7,
  ProposeMemberUpdate: 8,
  ProposeGroupContextExtensions: 9,
  CommitPendingProposals: 10,
  BootstrapMigration: 11,
  AppDataUpdate: 12,
} as const;
export type IntentKind = (typeof IntentKind)[keyof typeof IntentKind];

/** group_intents.state: ToPublish -> Published -> Committed -> Processed, or Error / Superseded. */
export const IntentState = {
  ToPublish: 1,
  Published: 2,
  Committed: 3,
  Error: 4,
  Processed: 5,
  Superseded: 6,
} as const;
export type IntentState = (typeof IntentState)[keyof typeof IntentState];

/** refresh_state.entity_kind: what a cursor counts. */
export const CursorKind = {
  Welcome: 1,
  ApplicationMessage: 2,
  CommitLogUpload: 3,
  CommitLogDownload: 4,
  CommitLogForkCheckLocal: 5,
  CommitLogForkCheckRemote: 6,
  CommitMessage: 7,
} as const;
export type CursorKind = (typeof CursorKind)[keyof typeof CursorKind];

/** consent_records.entity_type */
export const ConsentEntityType = { ConversationId: 1, InboxId: 2 } as const;
export type ConsentEntityType = (typeof ConsentEntityType)[keyof typeof ConsentEntityType];

/** consent_records.state */
export const ConsentState = { Unknown: 0, Allowed: 1, Denied: 2 } as const;
export type ConsentState = (typeof ConsentState)[keyof typeof ConsentState];

/** identity.registration_state */
export const RegistrationState = { Pending: 1, Registered: 2 } as const;
export type RegistrationState = (typeof RegistrationState)[keyof typeof RegistrationState];

/** identity_cache.identifier_kind (the identity proto's IdentifierKind). */
export const IdentifierKind = { Ethereum: 1, Passkey: 2 } as const;
export type IdentifierKind = (typeof IdentifierKind)[keyof typeof IdentifierKind];

/** Sets of the valid numbers of each enum, for input checks. */
export const VALID = {
  conversationType: enumValues(ConversationType),
  membershipState: enumValues(GroupMembershipState),
  messageKind: enumValues(MessageKind),
  deliveryStatus: enumValues(DeliveryStatus),
  contentType: enumValues(ContentType),
  intentKind: enumValues(IntentKind),
  intentState: enumValues(IntentState),
  cursorKind: enumValues(CursorKind),
  consentEntityType: enumValues(ConsentEntityType),
  consentState: enumValues(ConsentState),
  registrationState: enumValues(RegistrationState),
  identifierKind: enumValues(IdentifierKind),
} as const;

/** A position in a server's log: (originator node, sequence id). V3 uses originator 0. */
export interface Cursor {
  originatorId: number;
  sequenceId: bigint;
}

export interface StoredIdentity {
  inboxId: string;
  /** The installation's signature key pair, serialized by the client (opaque here). */
  installationKeys: Uint8Array;
  /** The MLS credential bytes (MlsCredential proto). */
  credentialBytes: Uint8Array;
  registrationState: RegistrationState;
  /** Where the identity update that registered this installation landed, once registered. */
  registrationCursor: Cursor | null;
  nextKeyPackageRotationNs: bigint | null;
}

export interface StoredGroup {
  id: Uint8Array;
  createdAtNs: bigint;
  conversationType: ConversationType;
  membershipState: GroupMembershipState;
  /** Inbox that added us (our own inbox for groups we created). */
  addedByInboxId: string;
  /** `dm:<inbox a>:<inbox b>` for DMs (sorted, lowercase), else null. */
  dmId: string | null;
  /** Cursor of the welcome that brought us in, if any. */
  welcomeCursor: Cursor | null;
  installationsLastCheckedNs: bigint;
  /** Last time we rotated our leaf key (0 until the first key update). */
  rotatedAtNs: bigint;
  lastMessageNs: bigint | null;
  messageDisappearFromNs: bigint | null;
  messageDisappearInNs: bigint | null;
  /** Set when the group requires a newer protocol version than ours: sends are refused. */
  pausedForVersion: string | null;
  maybeForked: boolean;
  forkDetails: string;
  shouldPublishCommitLog: boolean;
  commitLogPublicKey: Uint8Array | null;
  isCommitLogForked: boolean | null;
  hasPendingLeaveRequest: boolean;
}

/** The fields of a group that change after it is stored. */
export type GroupUpdate = Partial<
  Omit<StoredGroup, "id" | "createdAtNs" | "conversationType" | "dmId" | "addedByInboxId">
>;

export interface StoredMessage {
  id: Uint8Array;
  groupId: Uint8Array;
  /** The decrypted EncodedContent bytes (or the transcript payload for membership changes). */
  decryptedMessageBytes: Uint8Array;
  sentAtNs: bigint;
  kind: MessageKind;
  senderInstallationId: Uint8Array;
  senderInboxId: string;
  deliveryStatus: DeliveryStatus;
  contentType: ContentType;
  authorityId: string;
  versionMajor: number;
  versionMinor: number;
  /** The message this one refers to (reaction, reply, read receipt, deletion), if any. */
  referenceId: Uint8Array | null;
  /** Where the server put it; sequenceId 0 while unpublished. */
  originatorId: number;
  sequenceId: bigint;
  insertedAtNs: bigint;
  expireAtNs: bigint | null;
  shouldPush: boolean;
  idempotencyKey: string;
}

export interface NewIntent {
  kind: IntentKind;
  groupId: Uint8Array;
  /** The intent's data (serialized by the client). */
  data: Uint8Array;
  shouldPush: boolean;
  state?: IntentState;
}

export interface StoredIntent {
  id: number;
  kind: IntentKind;
  groupId: Uint8Array;
  data: Uint8Array;
  state: IntentState;
  /** sha256 of the last published payload, to recognise our own message when it comes back. */
  payloadHash: Uint8Array | null;
  postCommitData: Uint8Array | null;
  stagedCommit: Uint8Array | null;
  publishedInEpoch: bigint | null;
  publishAttempts: number;
  shouldPush: boolean;
  /** Where the published payload landed, once seen. */
  cursor: Cursor | null;
}

export interface IdentityUpdateRecord {
  inboxId: string;
  sequenceId: bigint;
  originatorId: number;
  serverTimestampNs: bigint;
  /** The IdentityUpdate proto bytes. */
  payload: Uint8Array;
}

export interface KeyPackageHistoryEntry {
  id: number;
  keyPackageHashRef: Uint8Array;
  createdAtNs: bigint;
  deleteAtNs: bigint | null;
  postQuantumPublicKey: Uint8Array | null;
}

export interface ConsentRecord {
  entityType: ConsentEntityType;
  entity: string;
  state: ConsentState;
  consentedAtNs: bigint;
}

export interface UserPreferences {
  hmacKey: Uint8Array | null;
  hmacKeyCycledAtNs: bigint | null;
  dmGroupUpdatesMigrated: boolean;
}

/** One processed commit (XIP-68 commit log), as libxmtp's local_commit_log. */
export interface LocalCommitLogEntry {
  rowid: number;
  groupId: Uint8Array;
  commitSequenceId: bigint;
  lastEpochAuthenticator: Uint8Array;
  /** CommitResult enum of the commit log proto. */
  commitResult: number;
  appliedEpochNumber: bigint;
  appliedEpochAuthenticator: Uint8Array;
  errorMessage: string | null;
  senderInboxId: string | null;
  senderInstallationId: Uint8Array | null;
  commitType: string | null;
}

/** One entry downloaded from the group's published commit log. */
export interface RemoteCommitLogEntry {
  rowid: number;
  logSequenceId: bigint;
  groupId: Uint8Array;
  commitSequenceId: bigint;
  commitResult: number;
  appliedEpochNumber: bigint;
  appliedEpochAuthenticator: Uint8Array;
}

export interface NewTask {
  /** The Task proto bytes. */
  data: Uint8Array;
  /** sha256 of data: the same task is queued once. */
  dataHash: Uint8Array;
  originatingMessage: Cursor | null;
  createdAtNs: bigint;
  expiresAtNs: bigint;
  maxAttempts: number;
  initialBackoffNs: bigint;
  maxBackoffNs: bigint;
  backoffScalingFactor: number;
  nextAttemptAtNs: bigint;
}

export interface StoredTask extends NewTask {
  id: number;
  attempts: number;
  lastAttemptedAtNs: bigint;
}

/** ts-mls group state as it was stored, with the version byte already checked and removed. */
export interface MlsGroupState {
  groupId: Uint8Array;
  epoch: bigint;
  state: Uint8Array;
}

/** A key package's private material (init key, HPKE and welcome-wrapper private keys). */
export interface MlsKeyPackageSecrets {
  /** The key package's hash reference. */
  hashRef: Uint8Array;
  /** The init (HPKE) public key: welcomes wrapped with Curve25519 name it. */
  initPublicKey: Uint8Array;
  /** The post-quantum welcome-wrapper public key (extension 0xff03), if any. */
  postQuantumPublicKey: Uint8Array | null;
  /** Private material, serialized by the client. */
  secrets: Uint8Array;
  createdAtNs: bigint;
}

/** A member that asked to leave a group (a LeaveRequest from it). */
export interface PendingRemove {
  groupId: Uint8Array;
  inboxId: string;
  /** The LeaveRequest message. */
  messageId: Uint8Array;
}

/** A DeleteMessage that was accepted: `deletedMessageId` shows as deleted (its row stays). */
export interface MessageDeletion {
  /** The DeleteMessage message's id. */
  id: Uint8Array;
  groupId: Uint8Array;
  deletedMessageId: Uint8Array;
  deletedByInboxId: string;
  /** Deleted by a super admin, not by its sender. */
  isSuperAdminDeletion: boolean;
  deletedAtNs: bigint;
}
