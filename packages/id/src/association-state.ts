// The association state of one inbox at one point of its identity-update log (XIP-46;
// libxmtp associations/state.rs). Immutable: every change returns a new state.
import { fromHex, toHex } from "@x/crypto";
import {
  type Identifier,
  identifierText,
  inboxIdFor,
  type MemberIdentifier,
  type MemberKind,
  memberKey,
  sameMember,
} from "./identifiers.js";

export interface Member {
  readonly identifier: MemberIdentifier;
  /** The member whose signature added this one; undefined for the inbox's first member. */
  readonly addedByEntity?: MemberIdentifier;
  /** client_timestamp_ns of the update that added it; undefined for the first member. */
  readonly clientTimestampNs?: bigint;
  /** The EVM chain of the smart-contract-wallet signature that added it. */
  readonly addedOnChainId?: bigint;
}

export interface AssociationStateDiff {
  readonly newMembers: MemberIdentifier[];
  readonly removedMembers: MemberIdentifier[];
}

const U64_MAX = 0xffffffffffffffffn;

export class AssociationState {
  private constructor(
    readonly inboxId: string,
    private readonly memberMap: ReadonlyMap<string, Member>,
    readonly recoveryIdentifier: Identifier,
    private readonly seen: ReadonlySet<string>,
  ) {}

  /** The state right after CreateInbox: one member, which is also the recovery identifier. */
  static create(accountIdentifier: Identifier, nonce: bigint, chainId?: bigint): AssociationState {
    const inboxId = inboxIdFor(accountIdentifier, nonce);
    const member: Member =
      chainId === undefined
        ? { identifier: accountIdentifier }
        : { identifier: accountIdentifier, addedOnChainId: chainId };
    return new AssociationState(
      inboxId,
      new Map([[memberKey(accountIdentifier), member]]),
      accountIdentifier,
      new Set(),
    );
  }

  /** Rebuilds a state from its parts (for example a stored AssociationState proto). */
  static fromParts(parts: {
    inboxId: string;
    members: Iterable<Member>;
    recoveryIdentifier: Identifier;
    seenSignatures: Iterable<Uint8Array>;
  }): AssociationState {
    const members = new Map<string, Member>();
    for (const member of parts.members) members.set(memberKey(member.identifier), member);
    const seen = new Set<string>();
    for (const signature of parts.seenSignatures) seen.add(toHex(signature));
    return new AssociationState(parts.inboxId, members, parts.recoveryIdentifier, seen);
  }

  get(identifier: MemberIdentifier): Member | undefined {
    return this.memberMap.get(memberKey(identifier));
  }

  has(identifier: MemberIdentifier): boolean {
    return this.memberMap.has(memberKey(identifier));
  }

  /** Adds or replaces (same identifier) a member. */
  add(member: Member): AssociationState {
    const members = new Map(this.memberMap);
    members.set(memberKey(member.identifier), member);
    return new AssociationState(this.inboxId, members, this.recoveryIdentifier, this.seen);
  }

  remove(identifier: MemberIdentifier): AssociationState {
    const members = new Map(this.memberMap);
    members.delete(memberKey(identifier));
    return new AssociationState(this.inboxId, members, this.recoveryIdentifier, this.seen);
  }

  setRecoveryIdentifier(identifier: Identifier): AssociationState {
    return new AssociationState(this.inboxId, this.memberMap, identifier, this.seen);
  }

  addSeenSignatures(signatures: Iterable<Uint8Array>): AssociationState {
    const seen = new Set(this.seen);
    for (const signature of signatures) seen.add(toHex(signature));
    return new AssociationState(this.inboxId, this.memberMap, this.recoveryIdentifier, seen);
  }

  hasSeen(signature: Uint8Array): boolean {
    return this.seen.has(toHex(signature));
  }

  /** Every seen signature, in a stable order. */
  seenSignatures(): Uint8Array[] {
    return [...this.seen].sort().map((hex) => fromHex(hex));
  }

  /** Members ordered by the time they were added (the first member last, as libxmtp sorts None as u64::MAX). */
  members(): Member[] {
    return [...this.memberMap.entries()]
      .sort(([ka, a], [kb, b]) => {
        const ta = a.clientTimestampNs ?? U64_MAX;
        const tb = b.clientTimestampNs ?? U64_MAX;
        return ta < tb ? -1 : ta > tb ? 1 : ka < kb ? -1 : ka > kb ? 1 : 0;
      })
      .map(([, member]) => member);
  }

  membersByKind(kind: MemberKind): Member[] {
    return this.members().filter((m) => m.identifier.kind === kind);
  }

  membersByParent(parent: MemberIdentifier): Member[] {
    return this.members().filter(
      (m) => m.addedByEntity !== undefined && sameMember(m.addedByEntity, parent),
    );
  }

  /** Ethereum and passkey members, oldest first. */
  identifiers(): Identifier[] {
    return this.members()
      .map((m) => m.identifier)
      .filter((id): id is Identifier => id.kind !== "installation");
  }

  installationIds(): Uint8Array[] {
    return this.membersByKind("installation").map((m) => (m.identifier as { key: Uint8Array }).key);
  }

  /** Members present in `next` but not here, and here but not in `next`. */
  diff(next: AssociationState): AssociationStateDiff {
    return {
      newMembers: [...next.memberMap.entries()]
        .filter(([k]) => !this.memberMap.has(k))
        .map(([, m]) => m.identifier),
      removedMembers: [...this.memberMap.entries()]
        .filter(([k]) => !next.memberMap.has(k))
        .map(([, m]) => m.identifier),
    };
  }

  /** All members as new members. */
  asDiff(): AssociationStateDiff {
    return { newMembers: this.members().map((m) => m.identifier), removedMembers: [] };
  }

  toString(): string {
    const members = this.members()
      .map((m) => memberKey(m.identifier))
      .join(", ");
    return `AssociationState(${this.inboxId}; recovery ${identifierText(this.recoveryIdentifier)}; members ${members})`;
  }
}
