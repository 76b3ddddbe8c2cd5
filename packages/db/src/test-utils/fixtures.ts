import {
  ContentType,
  ConversationType,
  DeliveryStatus,
  GroupMembershipState,
  MessageKind,
  type StoredGroup,
  type StoredMessage,
} from "../types.js";

/** Bytes that are easy to tell apart: [tag, ...n as 4 big-endian bytes]. */
export function bytes(tag: number, n = 0, length = 16): Uint8Array {
  const b = new Uint8Array(length);
  b[0] = tag;
  new DataView(b.buffer).setUint32(length - 4, n);
  return b;
}

/** A realistic nanosecond time (beyond 2^53, so a number would lose precision). */
export const T0 = 1_750_000_000_123_456_789n;

export function makeGroup(n: number, overrides: Partial<StoredGroup> = {}): StoredGroup {
  return {
    id: bytes(0x47, n),
    createdAtNs: T0 + BigInt(n),
    conversationType: ConversationType.Group,
    membershipState: GroupMembershipState.Allowed,
    addedByInboxId: "a".repeat(64),
    dmId: null,
    welcomeCursor: null,
    installationsLastCheckedNs: 0n,
    rotatedAtNs: 0n,
    lastMessageNs: null,
    messageDisappearFromNs: null,
    messageDisappearInNs: null,
    pausedForVersion: null,
    maybeForked: false,
    forkDetails: "",
    shouldPublishCommitLog: false,
    commitLogPublicKey: null,
    isCommitLogForked: null,
    hasPendingLeaveRequest: false,
    ...overrides,
  };
}

export function makeMessage(
  groupId: Uint8Array,
  n: number,
  overrides: Partial<StoredMessage> = {},
): StoredMessage {
  return {
    id: bytes(0x4d, n, 32),
    groupId,
    decryptedMessageBytes: new TextEncoder().encode(`message ${n}`),
    sentAtNs: T0 + BigInt(n) * 1000n,
    kind: MessageKind.Application,
    senderInstallationId: bytes(0x49, 1, 32),
    senderInboxId: "b".repeat(64),
    deliveryStatus: DeliveryStatus.Published,
    contentType: ContentType.Text,
    authorityId: "xmtp.org",
    versionMajor: 1,
    versionMinor: 0,
    referenceId: null,
    originatorId: 0,
    sequenceId: BigInt(n + 1),
    insertedAtNs: T0 + BigInt(n) * 1000n + 1n,
    expireAtNs: null,
    shouldPush: true,
    idempotencyKey: `${n}`,
    ...overrides,
  };
}
