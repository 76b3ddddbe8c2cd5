// Identity updates as they travel (signatures not yet verified), and their verification
// (libxmtp associations/unverified.rs).
import type { Action, IdentityUpdate } from "./association-log.js";
import type { Identifier, MemberIdentifier } from "./identifiers.js";
import {
  signatureText,
  type UnsignedAction,
  type UnsignedIdentityUpdate,
} from "./signature-text.js";
import { type UnverifiedSignature, type VerifyOptions, verifySignature } from "./signatures.js";

export type UnverifiedAction =
  | {
      readonly type: "createInbox";
      readonly nonce: bigint;
      readonly accountIdentifier: Identifier;
      readonly initialIdentifierSignature: UnverifiedSignature;
    }
  | {
      readonly type: "addAssociation";
      readonly newMemberIdentifier: MemberIdentifier;
      readonly newMemberSignature: UnverifiedSignature;
      readonly existingMemberSignature: UnverifiedSignature;
    }
  | {
      readonly type: "revokeAssociation";
      readonly revokedMember: MemberIdentifier;
      readonly recoveryIdentifierSignature: UnverifiedSignature;
    }
  | {
      readonly type: "changeRecoveryAddress";
      readonly newRecoveryIdentifier: Identifier;
      readonly recoveryIdentifierSignature: UnverifiedSignature;
    };

export interface UnverifiedIdentityUpdate {
  readonly inboxId: string;
  readonly clientTimestampNs: bigint;
  readonly actions: readonly UnverifiedAction[];
}

export function unsignedAction(action: UnverifiedAction | Action): UnsignedAction {
  switch (action.type) {
    case "createInbox":
      return {
        type: "createInbox",
        nonce: action.nonce,
        accountIdentifier: action.accountIdentifier,
      };
    case "addAssociation":
      return { type: "addAssociation", newMemberIdentifier: action.newMemberIdentifier };
    case "revokeAssociation":
      return { type: "revokeAssociation", revokedMember: action.revokedMember };
    case "changeRecoveryAddress":
      return { type: "changeRecoveryAddress", newRecoveryIdentifier: action.newRecoveryIdentifier };
  }
}

export function unsignedUpdate(
  update: UnverifiedIdentityUpdate | IdentityUpdate,
): UnsignedIdentityUpdate {
  return {
    inboxId: update.inboxId,
    clientTimestampNs: update.clientTimestampNs,
    actions: update.actions.map(unsignedAction),
  };
}

/** The text every signature of this update must sign. */
export function updateSignatureText(update: UnverifiedIdentityUpdate | IdentityUpdate): string {
  return signatureText(unsignedUpdate(update));
}

/**
 * Verifies every signature of the update against its signature text. Throws the first
 * SignatureError; the association rules are checked later, by applyUpdate.
 */
export async function verifyIdentityUpdate(
  update: UnverifiedIdentityUpdate,
  options: VerifyOptions = {},
): Promise<IdentityUpdate> {
  const text = updateSignatureText(update);
  const verify = (signature: UnverifiedSignature) => verifySignature(text, signature, options);
  const actions = await Promise.all(
    update.actions.map(async (action): Promise<Action> => {
      switch (action.type) {
        case "createInbox":
          return {
            type: "createInbox",
            nonce: action.nonce,
            accountIdentifier: action.accountIdentifier,
            initialIdentifierSignature: await verify(action.initialIdentifierSignature),
          };
        case "addAssociation": {
          const [newMemberSignature, existingMemberSignature] = await Promise.all([
            verify(action.newMemberSignature),
            verify(action.existingMemberSignature),
          ]);
          return {
            type: "addAssociation",
            newMemberIdentifier: action.newMemberIdentifier,
            newMemberSignature,
            existingMemberSignature,
          };
        }
        case "revokeAssociation":
          return {
            type: "revokeAssociation",
            revokedMember: action.revokedMember,
            recoveryIdentifierSignature: await verify(action.recoveryIdentifierSignature),
          };
        case "changeRecoveryAddress":
          return {
            type: "changeRecoveryAddress",
            newRecoveryIdentifier: action.newRecoveryIdentifier,
            recoveryIdentifierSignature: await verify(action.recoveryIdentifierSignature),
          };
      }
    }),
  );
  return { inboxId: update.inboxId, clientTimestampNs: update.clientTimestampNs, actions };
}
