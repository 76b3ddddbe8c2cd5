// Topics of the decentralized network (xmtpd): one kind byte followed by the identifier.
// An IdentityUpdatesV1 topic carries the inbox id as its 32 raw bytes (hex-decoded), not as text.

export const TopicKind = {
  GroupMessagesV1: 0,
  WelcomeMessagesV1: 1,
  IdentityUpdatesV1: 2,
  KeyPackagesV1: 3,
} as const;
export type TopicKind = (typeof TopicKind)[keyof typeof TopicKind];

/** Originator ids under which the network keeps v3-compatible envelopes (libxmtp's `Originators`). */
export const Originator = {
  MlsCommits: 0,
  InboxLog: 1,
  ApplicationMessages: 10,
  WelcomeMessages: 11,
  Installations: 13,
  RemoteCommitLog: 100,
} as const;

const MIN_TOPIC_BYTES = 2;
const MAX_TOPIC_BYTES = 128;

export class TopicError extends Error {
  readonly code = "d14n.topic";
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = "TopicError";
  }
}

export interface Topic {
  kind: TopicKind;
  identifier: Uint8Array;
}

const KINDS = new Set<number>(Object.values(TopicKind));

function hexToBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex))
    throw new TopicError(`not a hex string: ${JSON.stringify(hex)}`);
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

/** The topic bytes for a kind and identifier (group id, installation key or inbox id bytes). */
export function encodeTopic(kind: TopicKind, identifier: Uint8Array): Uint8Array {
  if (!KINDS.has(kind)) throw new TopicError(`unknown topic kind ${kind}`);
  const bytes = new Uint8Array(1 + identifier.length);
  bytes[0] = kind;
  bytes.set(identifier, 1);
  if (bytes.length < MIN_TOPIC_BYTES || bytes.length > MAX_TOPIC_BYTES) {
    throw new TopicError(
      `a topic is ${MIN_TOPIC_BYTES}..${MAX_TOPIC_BYTES} bytes, this one would be ${bytes.length}`,
    );
  }
  return bytes;
}

export function decodeTopic(bytes: Uint8Array): Topic {
  if (bytes.length < MIN_TOPIC_BYTES || bytes.length > MAX_TOPIC_BYTES) {
    throw new TopicError(
      `a topic is ${MIN_TOPIC_BYTES}..${MAX_TOPIC_BYTES} bytes, got ${bytes.length}`,
    );
  }
  const kind = bytes[0] as number;
  if (!KINDS.has(kind)) throw new TopicError(`unknown topic kind ${kind}`);
  return { kind: kind as TopicKind, identifier: bytes.slice(1) };
}

export const groupMessagesTopic = (groupId: Uint8Array) =>
  encodeTopic(TopicKind.GroupMessagesV1, groupId);
export const welcomeMessagesTopic = (installationKey: Uint8Array) =>
  encodeTopic(TopicKind.WelcomeMessagesV1, installationKey);
export const keyPackagesTopic = (installationKey: Uint8Array) =>
  encodeTopic(TopicKind.KeyPackagesV1, installationKey);
/** `inboxId` is the 64-character hex inbox id; the topic carries its 32 bytes. */
export const identityUpdatesTopic = (inboxId: string) =>
  encodeTopic(TopicKind.IdentityUpdatesV1, hexToBytes(inboxId));
