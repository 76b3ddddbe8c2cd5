// The association state machine: how verified identity updates change an inbox's state, with
// every rule libxmtp enforces (xmtp_id associations/association_log.rs). Each rule that fails
// throws an AssociationError with a stable code and leaves the input state untouched.

import type { Member } from "./association-state.js";
import { AssociationState } from "./association-state.js";
import { AssociationError } from "./errors.js";
import {
  type Identifier,
  identifierText,
  inboxIdFor,
  isIdentifier,
  type MemberIdentifier,
  type MemberKind,
  sameMember,
} from "./identifiers.js";
import type { SignatureKind, VerifiedSignature } from "./signatures.js";

export type Action =
  | {
      readonly type: "createInbox";
      readonly nonce: bigint;
      readonly accountIdentifier: Identifier;
      readonly initialIdentifierSignature: VerifiedSignature;
    }
  | {
      readonly type: "addAssociation";
      readonly newMemberIdentifier: MemberIdentifier;
      readonly newMemberSignature: VerifiedSignature;
      readonly existingMemberSignature: VerifiedSignature;
    }
  | {
      readonly type: "revokeAssociation";
      readonly revokedMember: MemberIdentifier;
      readonly recoveryIdentifierSignature: VerifiedSignature;
    }
  | {
      readonly type: "changeRecoveryAddress";
      readonly newRecoveryIdentifier: Identifier;
      readonly recoveryIdentifierSignature: VerifiedSignature;
    };

/** An identity update whose signatures have been verified. */
export interface IdentityUpdate {
  readonly inboxId: string;
  readonly clientTimestampNs: bigint;
  readonly actions: readonly Action[];
}

/**
 * Applies one verified update to a state (undefined before the inbox exists). The actions apply
 * in order; the resulting inbox id must be the update's; then every signature of the update is
 * recorded so it can never be used again.
 */
export function applyUpdate(
  state: AssociationState | undefined,
  update: IdentityUpdate,
): AssociationState {
  let current = state;
  for (const action of update.actions) {
    current = applyAction(current, action, update.clientTimestampNs);
  }
  if (current === undefined) {
    throw new AssociationError(
      "ASSOCIATION_NOT_CREATED",
      "the update has no actions and the inbox does not exist yet",
    );
  }
  if (current.inboxId !== update.inboxId) {
    throw new AssociationError(
      "ASSOCIATION_WRONG_INBOX_ID",
      `the update names inbox ${update.inboxId} but applies to inbox ${current.inboxId}`,
    );
  }
  return current.addSeenSignatures(update.actions.flatMap(actionSignatures));
}

/** The state after a whole log of updates, in order; fails as a whole if any update fails. */
export function getState(updates: Iterable<IdentityUpdate>): AssociationState {
  let state: AssociationState | undefined;
  for (const update of updates) state = applyUpdate(state, update);
  if (state === undefined) {
    throw new AssociationError(
      "ASSOCIATION_NOT_CREATED",
      "no identity updates: the inbox does not exist",
    );
  }
  return state;
}

export function applyAction(
  state: AssociationState | undefined,
  action: Action,
  clientTimestampNs: bigint,
): AssociationState {
  switch (action.type) {
    case "createInbox":
      return createInbox(state, action);
    case "addAssociation":
      return addAssociation(requireState(state), action, clientTimestampNs);
    case "revokeAssociation":
      return revokeAssociation(requireState(state), action);
    case "changeRecoveryAddress":
      return changeRecoveryAddress(requireState(state), action);
  }
}

export function actionSignatures(action: Action): Uint8Array[] {
  switch (action.type) {
    case "createInbox":
      return [action.initialIdentifierSignature.rawBytes];
    case "addAssociation":
      return [action.existingMemberSignature.rawBytes, action.newMemberSignature.rawBytes];
    case "revokeAssociation":
    case "changeRecoveryAddress":
      return [action.recoveryIdentifierSignature.rawBytes];
  }
}

function createInbox(
  state: AssociationState | undefined,
  action: Extract<Action, { type: "createInbox" }>,
) {
  if (state !== undefined) {
    throw new AssociationError(
      "ASSOCIATION_MULTIPLE_CREATE",
      "CreateInbox on an inbox that already exists",
    );
  }
  const signature = action.initialIdentifierSignature;
  if (!sameMember(signature.signer, action.accountIdentifier)) {
    throw new AssociationError(
      "ASSOCIATION_MISSING_EXISTING_MEMBER",
      `CreateInbox for ${identifierText(action.accountIdentifier)} is signed by ${identifierText(signature.signer)}`,
    );
  }
  allowedSignatureForKind(action.accountIdentifier.kind, signature.kind);
  if (signature.kind === "legacyDelegated" && action.nonce !== 0n) {
    throw new AssociationError(
      "ASSOCIATION_LEGACY_SIGNATURE_REUSE",
      "a legacy (v2) key may only create the inbox with nonce 0",
    );
  }
  return AssociationState.create(action.accountIdentifier, action.nonce, signature.chainId);
}

function addAssociation(
  state: AssociationState,
  action: Extract<Action, { type: "addAssociation" }>,
  clientTimestampNs: bigint,
): AssociationState {
  replayCheck(state, action);
  const newSigner = action.newMemberSignature.signer;
  const existingSigner = action.existingMemberSignature.signer;
  if (!sameMember(newSigner, action.newMemberIdentifier)) {
    throw new AssociationError(
      "ASSOCIATION_NEW_MEMBER_ID_SIGNATURE_MISMATCH",
      `the new member ${identifierText(action.newMemberIdentifier)} is not the one that signed (${identifierText(newSigner)})`,
    );
  }
  if (sameMember(newSigner, existingSigner)) {
    throw new AssociationError("ASSOCIATION_ADD_SELF", "a member cannot add itself");
  }
  // Legacy signatures only on the inbox the legacy wallet created with nonce 0.
  if (
    isIdentifier(existingSigner) &&
    (action.newMemberSignature.kind === "legacyDelegated" ||
      action.existingMemberSignature.kind === "legacyDelegated") &&
    state.inboxId !== inboxIdFor(existingSigner, 0n)
  ) {
    throw new AssociationError(
      "ASSOCIATION_LEGACY_SIGNATURE_REUSE",
      "a legacy (v2) key signature is only accepted on the inbox its wallet created with nonce 0",
    );
  }
  allowedSignatureForKind(action.newMemberIdentifier.kind, action.newMemberSignature.kind);

  const existingMember = state.get(existingSigner);
  if (existingMember) verifyChainIdMatches(existingMember, action.existingMemberSignature);

  let existingEntity: MemberIdentifier;
  if (existingMember) {
    existingEntity = existingMember.identifier;
  } else {
    // Not a member: only the recovery identifier may add, and not through a legacy key.
    if (!sameMember(existingSigner, state.recoveryIdentifier)) {
      throw new AssociationError(
        "ASSOCIATION_MISSING_EXISTING_MEMBER",
        `${identifierText(existingSigner)} is neither a member of inbox ${state.inboxId} nor its recovery identifier`,
      );
    }
    if (action.existingMemberSignature.kind === "legacyDelegated") {
      throw new AssociationError(
        "ASSOCIATION_LEGACY_SIGNATURE_REUSE",
        "the recovery identifier must sign with a real wallet signature, not a legacy key",
      );
    }
    existingEntity = state.recoveryIdentifier;
  }
  allowedSignatureForKind(existingEntity.kind, action.existingMemberSignature.kind);
  if (
    existingSigner.kind === "installation" &&
    action.newMemberIdentifier.kind === "installation"
  ) {
    throw new AssociationError(
      "ASSOCIATION_MEMBER_NOT_ALLOWED",
      "an installation may not add another installation",
    );
  }
  const chainId = action.newMemberSignature.chainId;
  const member: Member = {
    identifier: newSigner,
    addedByEntity: existingEntity,
    clientTimestampNs,
    ...(chainId === undefined ? {} : { addedOnChainId: chainId }),
  };
  return state.add(member);
}

function revokeAssociation(
  state: AssociationState,
  action: Extract<Action, { type: "revokeAssociation" }>,
): AssociationState {
  replayCheck(state, action);
  const signature = action.recoveryIdentifierSignature;
  const signerMember = state.get(signature.signer);
  if (signerMember) verifyChainIdMatches(signerMember, signature);
  if (signature.kind === "legacyDelegated") {
    throw new AssociationError(
      "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
      "a legacy (v2) key cannot revoke: the recovery identifier must sign itself",
    );
  }
  if (!sameMember(signature.signer, state.recoveryIdentifier)) {
    throw new AssociationError(
      "ASSOCIATION_MISSING_EXISTING_MEMBER",
      `only the recovery identifier ${identifierText(state.recoveryIdentifier)} may revoke; ${identifierText(signature.signer)} signed`,
    );
  }
  // Revoking a member also revokes the installations it added (not other wallets it added).
  const children = state
    .membersByParent(action.revokedMember)
    .filter((member) => member.identifier.kind === "installation");
  let next = state.remove(action.revokedMember);
  for (const child of children) next = next.remove(child.identifier);
  return next;
}

function changeRecoveryAddress(
  state: AssociationState,
  action: Extract<Action, { type: "changeRecoveryAddress" }>,
): AssociationState {
  replayCheck(state, action);
  const signature = action.recoveryIdentifierSignature;
  const signerMember = state.get(signature.signer);
  if (signerMember) verifyChainIdMatches(signerMember, signature);
  if (signature.kind === "legacyDelegated") {
    throw new AssociationError(
      "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
      "a legacy (v2) key cannot change the recovery address",
    );
  }
  if (!sameMember(signature.signer, state.recoveryIdentifier)) {
    throw new AssociationError(
      "ASSOCIATION_MISSING_EXISTING_MEMBER",
      `only the recovery identifier ${identifierText(state.recoveryIdentifier)} may change it; ${identifierText(signature.signer)} signed`,
    );
  }
  return state.setRecoveryIdentifier(action.newRecoveryIdentifier);
}

function requireState(state: AssociationState | undefined): AssociationState {
  if (state === undefined) {
    throw new AssociationError(
      "ASSOCIATION_NOT_CREATED",
      "the inbox does not exist yet: the first action must be CreateInbox",
    );
  }
  return state;
}

function replayCheck(state: AssociationState, action: Action): void {
  for (const signature of actionSignatures(action)) {
    if (state.hasSeen(signature)) {
      throw new AssociationError(
        "ASSOCIATION_REPLAY",
        "a signature of this update was already used by an earlier update",
      );
    }
  }
}

const ALLOWED: Record<MemberKind, readonly SignatureKind[]> = {
  ethereum: ["erc191", "erc1271", "legacyDelegated"],
  installation: ["installationKey"],
  passkey: ["p256"],
};

function allowedSignatureForKind(role: MemberKind, kind: SignatureKind): void {
  if (!ALLOWED[role].includes(kind)) {
    throw new AssociationError(
      "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
      `a ${kind} signature cannot sign for a ${role} member`,
    );
  }
}

function verifyChainIdMatches(member: Member, signature: VerifiedSignature): void {
  if (member.addedOnChainId !== signature.chainId) {
    throw new AssociationError(
      "ASSOCIATION_CHAIN_ID_MISMATCH",
      `wrong chain id: the member was added on chain ${member.addedOnChainId ?? 0n} but now signs from chain ${signature.chainId ?? 0n}`,
    );
  }
}
