// Conversions between the wire protobufs (xmtp.identity.associations) and this package's model,
// with libxmtp's rules (associations/serialization.rs): missing required fields and invalid
// values are typed DeserializationErrors; Ethereum addresses are taken as written.
import { fromHex, isValidEd25519PublicKey, toHex } from "@x/crypto";
import { create, decodeMessage, ProtoDecodeError, toBinary } from "@x/proto";
import {
  type AssociationStateDiff as AssociationStateDiffProto,
  AssociationStateDiffSchema,
  type AssociationState as AssociationStateProto,
  AssociationStateSchema,
  IdentifierKind,
  type IdentityAction,
  type IdentityUpdate as IdentityUpdateProto,
  IdentityUpdateSchema,
  type MemberIdentifier as MemberIdentifierProto,
  MemberIdentifierSchema,
  type Member as MemberProto,
  type Signature as SignatureProto,
  SignatureSchema,
} from "@x/proto/identity/associations";
import type { SignedPublicKey } from "@x/proto/message_contents";
import { SignedPublicKeySchema } from "@x/proto/message_contents";
import { AssociationState, type AssociationStateDiff, type Member } from "./association-state.js";
import { DeserializationError } from "./errors.js";
import type { Identifier, MemberIdentifier } from "./identifiers.js";
import type { UnverifiedAction, UnverifiedIdentityUpdate } from "./identity-update.js";
import { formatAccountId, parseAccountId } from "./scw-verifier.js";
import type { LegacySignedPublicKey, UnverifiedSignature } from "./signatures.js";

// ---- bytes ----

/** Decodes serialized IdentityUpdate bytes. Throws DeserializationError. */
export function decodeIdentityUpdate(bytes: Uint8Array): UnverifiedIdentityUpdate {
  let proto: IdentityUpdateProto;
  try {
    proto = decodeMessage(IdentityUpdateSchema, bytes);
  } catch (cause) {
    throw new DeserializationError(
      "DESERIALIZATION_DECODE_FAILED",
      `not a serialized IdentityUpdate: ${cause instanceof ProtoDecodeError ? cause.message : String(cause)}`,
      { cause },
    );
  }
  return identityUpdateFromProto(proto);
}

export function encodeIdentityUpdate(update: UnverifiedIdentityUpdate): Uint8Array {
  return toBinary(IdentityUpdateSchema, identityUpdateToProto(update));
}

// ---- IdentityUpdate ----

export function identityUpdateFromProto(proto: IdentityUpdateProto): UnverifiedIdentityUpdate {
  return {
    inboxId: proto.inboxId,
    clientTimestampNs: proto.clientTimestampNs,
    actions: proto.actions.map(actionFromProto),
  };
}

export function identityUpdateToProto(update: UnverifiedIdentityUpdate): IdentityUpdateProto {
  return create(IdentityUpdateSchema, {
    inboxId: update.inboxId,
    clientTimestampNs: update.clientTimestampNs,
    actions: update.actions.map(actionToProto),
  });
}

function actionFromProto(action: IdentityAction): UnverifiedAction {
  const kind = action.kind;
  switch (kind.case) {
    case "createInbox": {
      const v = kind.value;
      return {
        type: "createInbox",
        nonce: v.nonce,
        accountIdentifier: identifierFromProto(
          v.initialIdentifier,
          v.initialIdentifierKind,
          v.relyingParty,
        ),
        initialIdentifierSignature: signatureFromProto(
          v.initialIdentifierSignature,
          "create_inbox.initial_identifier_signature",
        ),
      };
    }
    case "add": {
      const v = kind.value;
      return {
        type: "addAssociation",
        newMemberSignature: signatureFromProto(v.newMemberSignature, "add.new_member_signature"),
        existingMemberSignature: signatureFromProto(
          v.existingMemberSignature,
          "add.existing_member_signature",
        ),
        newMemberIdentifier: memberIdentifierFromProto(
          v.newMemberIdentifier,
          "add.new_member_identifier",
        ),
      };
    }
    case "revoke": {
      const v = kind.value;
      return {
        type: "revokeAssociation",
        recoveryIdentifierSignature: signatureFromProto(
          v.recoveryIdentifierSignature,
          "revoke.recovery_identifier_signature",
        ),
        revokedMember: memberIdentifierFromProto(v.memberToRevoke, "revoke.member_to_revoke"),
      };
    }
    case "changeRecoveryAddress": {
      const v = kind.value;
      return {
        type: "changeRecoveryAddress",
        newRecoveryIdentifier: identifierFromProto(
          v.newRecoveryIdentifier,
          v.newRecoveryIdentifierKind,
          v.relyingParty,
        ),
        recoveryIdentifierSignature: signatureFromProto(
          v.existingRecoveryIdentifierSignature,
          "change_recovery_address.existing_recovery_identifier_signature",
        ),
      };
    }
    default:
      throw missing("identity_action.kind");
  }
}

function actionToProto(action: UnverifiedAction) {
  switch (action.type) {
    case "createInbox":
      return {
        kind: {
          case: "createInbox" as const,
          value: {
            initialIdentifier: identifierString(action.accountIdentifier),
            nonce: action.nonce,
            initialIdentifierSignature: signatureToProto(action.initialIdentifierSignature),
            initialIdentifierKind: identifierKind(action.accountIdentifier),
            ...relyingParty(action.accountIdentifier),
          },
        },
      };
    case "addAssociation":
      return {
        kind: {
          case: "add" as const,
          value: {
            newMemberIdentifier: memberIdentifierToProto(action.newMemberIdentifier),
            existingMemberSignature: signatureToProto(action.existingMemberSignature),
            newMemberSignature: signatureToProto(action.newMemberSignature),
            ...relyingParty(action.newMemberIdentifier),
          },
        },
      };
    case "revokeAssociation":
      return {
        kind: {
          case: "revoke" as const,
          value: {
            memberToRevoke: memberIdentifierToProto(action.revokedMember),
            recoveryIdentifierSignature: signatureToProto(action.recoveryIdentifierSignature),
          },
        },
      };
    case "changeRecoveryAddress":
      return {
        kind: {
          case: "changeRecoveryAddress" as const,
          value: {
            newRecoveryIdentifier: identifierString(action.newRecoveryIdentifier),
            existingRecoveryIdentifierSignature: signatureToProto(
              action.recoveryIdentifierSignature,
            ),
            newRecoveryIdentifierKind: identifierKind(action.newRecoveryIdentifier),
            ...relyingParty(action.newRecoveryIdentifier),
          },
        },
      };
  }
}

// ---- identifiers ----

/** libxmtp's Identifier::from_proto: UNSPECIFIED (and unknown kinds) mean Ethereum, taken as written. */
export function identifierFromProto(
  text: string,
  kind: IdentifierKind,
  relyingParty?: string,
): Identifier {
  if (kind === IdentifierKind.PASSKEY) {
    let key: Uint8Array;
    try {
      key = fromHex(text);
    } catch (cause) {
      throw new DeserializationError(
        "DESERIALIZATION_INVALID_VALUE",
        `passkey identifier ${JSON.stringify(text)} is not hex`,
        {
          cause,
        },
      );
    }
    return relyingParty === undefined
      ? { kind: "passkey", key }
      : { kind: "passkey", key, relyingParty };
  }
  return { kind: "ethereum", address: text };
}

function identifierString(identifier: Identifier): string {
  return identifier.kind === "ethereum" ? identifier.address : toHex(identifier.key);
}

function identifierKind(identifier: Identifier): IdentifierKind {
  return identifier.kind === "ethereum" ? IdentifierKind.ETHEREUM : IdentifierKind.PASSKEY;
}

function relyingParty(identifier: MemberIdentifier): { relyingParty?: string } {
  return identifier.kind === "passkey" && identifier.relyingParty !== undefined
    ? { relyingParty: identifier.relyingParty }
    : {};
}

export function memberIdentifierFromProto(
  proto: MemberIdentifierProto | undefined,
  field = "member_identifier",
): MemberIdentifier {
  const kind = proto?.kind;
  switch (kind?.case) {
    case "ethereumAddress":
      return { kind: "ethereum", address: kind.value };
    case "installationPublicKey":
      return { kind: "installation", key: kind.value };
    case "passkey":
      return kind.value.relyingParty === undefined
        ? { kind: "passkey", key: kind.value.key }
        : { kind: "passkey", key: kind.value.key, relyingParty: kind.value.relyingParty };
    default:
      throw missing(field);
  }
}

export function memberIdentifierToProto(identifier: MemberIdentifier): MemberIdentifierProto {
  switch (identifier.kind) {
    case "ethereum":
      return create(MemberIdentifierSchema, {
        kind: { case: "ethereumAddress", value: identifier.address },
      });
    case "installation":
      return create(MemberIdentifierSchema, {
        kind: { case: "installationPublicKey", value: identifier.key },
      });
    case "passkey":
      return create(MemberIdentifierSchema, {
        kind: { case: "passkey", value: { key: identifier.key, ...relyingParty(identifier) } },
      });
  }
}

// ---- signatures ----

export function signatureFromProto(
  proto: SignatureProto | undefined,
  field = "signature",
): UnverifiedSignature {
  const sig = proto?.signature;
  switch (sig?.case) {
    case "erc191":
      return { kind: "erc191", bytes: sig.value.bytes };
    case "erc6492":
      return {
        kind: "smartContractWallet",
        accountId: parseAccountId(sig.value.accountId),
        blockNumber: sig.value.blockNumber,
        signature: sig.value.signature,
      };
    case "installationKey":
      // libxmtp parses the key as an Ed25519 verifying key while decoding.
      if (!isValidEd25519PublicKey(sig.value.publicKey)) {
        throw new DeserializationError(
          "DESERIALIZATION_INVALID_VALUE",
          `${field}: the installation public key is not a valid 32-byte Ed25519 key`,
        );
      }
      return { kind: "installationKey", bytes: sig.value.bytes, publicKey: sig.value.publicKey };
    case "delegatedErc191": {
      const inner = sig.value.signature;
      if (!inner) throw missing(`${field}.delegated_erc_191.signature`);
      if (!sig.value.delegatedKey) throw missing(`${field}.delegated_erc_191.delegated_key`);
      return {
        kind: "legacyDelegated",
        signature: inner.bytes,
        delegatedKey: legacyKeyFromProto(sig.value.delegatedKey),
      };
    }
    case "passkey":
      return {
        kind: "passkey",
        publicKey: sig.value.publicKey,
        signature: sig.value.signature,
        authenticatorData: sig.value.authenticatorData,
        clientDataJson: sig.value.clientDataJson,
      };
    default:
      throw missing(field);
  }
}

export function signatureToProto(signature: UnverifiedSignature): SignatureProto {
  switch (signature.kind) {
    case "erc191":
      return create(SignatureSchema, {
        signature: { case: "erc191", value: { bytes: signature.bytes } },
      });
    case "smartContractWallet":
      return create(SignatureSchema, {
        signature: {
          case: "erc6492",
          value: {
            accountId: formatAccountId(signature.accountId),
            blockNumber: signature.blockNumber,
            signature: signature.signature,
          },
        },
      });
    case "installationKey":
      return create(SignatureSchema, {
        signature: {
          case: "installationKey",
          value: { bytes: signature.bytes, publicKey: signature.publicKey },
        },
      });
    case "legacyDelegated":
      return create(SignatureSchema, {
        signature: {
          case: "delegatedErc191",
          value: {
            delegatedKey: legacyKeyToProto(signature.delegatedKey),
            signature: { bytes: signature.signature },
          },
        },
      });
    case "passkey":
      return create(SignatureSchema, {
        signature: {
          case: "passkey",
          value: {
            publicKey: signature.publicKey,
            signature: signature.signature,
            authenticatorData: signature.authenticatorData,
            clientDataJson: signature.clientDataJson,
          },
        },
      });
  }
}

function legacyKeyFromProto(proto: SignedPublicKey): LegacySignedPublicKey {
  const union = proto.signature?.union;
  if (union?.case === "walletEcdsaCompact" || union?.case === "ecdsaCompact") {
    return {
      keyBytes: proto.keyBytes,
      signature: { kind: union.case, bytes: union.value.bytes, recovery: union.value.recovery },
    };
  }
  return { keyBytes: proto.keyBytes };
}

function legacyKeyToProto(key: LegacySignedPublicKey): SignedPublicKey {
  return create(SignedPublicKeySchema, {
    keyBytes: key.keyBytes,
    ...(key.signature === undefined
      ? {}
      : {
          signature: {
            union: {
              case: key.signature.kind,
              value: { bytes: key.signature.bytes, recovery: key.signature.recovery },
            },
          },
        }),
  });
}

// ---- association state ----

export function associationStateToProto(state: AssociationState): AssociationStateProto {
  return create(AssociationStateSchema, {
    inboxId: state.inboxId,
    members: state.members().map((member) => ({
      key: memberIdentifierToProto(member.identifier),
      value: memberToProto(member),
    })),
    recoveryIdentifier: identifierString(state.recoveryIdentifier),
    recoveryIdentifierKind: identifierKind(state.recoveryIdentifier),
    seenSignatures: state.seenSignatures(),
    ...relyingParty(state.recoveryIdentifier),
  });
}

export function associationStateFromProto(proto: AssociationStateProto): AssociationState {
  const members: Member[] = proto.members.map((entry) => {
    if (!entry.key) throw missing("association_state.members.key");
    if (!entry.value) throw missing("association_state.members.value");
    memberIdentifierFromProto(entry.key, "association_state.members.key");
    return memberFromProto(entry.value);
  });
  return AssociationState.fromParts({
    inboxId: proto.inboxId,
    members,
    recoveryIdentifier: identifierFromProto(
      proto.recoveryIdentifier,
      proto.recoveryIdentifierKind,
      proto.relyingParty,
    ),
    seenSignatures: proto.seenSignatures,
  });
}

export function associationStateDiffToProto(diff: AssociationStateDiff): AssociationStateDiffProto {
  return create(AssociationStateDiffSchema, {
    newMembers: diff.newMembers.map(memberIdentifierToProto),
    removedMembers: diff.removedMembers.map(memberIdentifierToProto),
  });
}

function memberToProto(member: Member) {
  return {
    identifier: memberIdentifierToProto(member.identifier),
    ...(member.addedByEntity === undefined
      ? {}
      : { addedByEntity: memberIdentifierToProto(member.addedByEntity) }),
    ...(member.clientTimestampNs === undefined
      ? {}
      : { clientTimestampNs: member.clientTimestampNs }),
    ...(member.addedOnChainId === undefined ? {} : { addedOnChainId: member.addedOnChainId }),
  };
}

function memberFromProto(proto: MemberProto): Member {
  return {
    identifier: memberIdentifierFromProto(proto.identifier, "member.identifier"),
    ...(proto.addedByEntity === undefined
      ? {}
      : {
          addedByEntity: memberIdentifierFromProto(proto.addedByEntity, "member.added_by_entity"),
        }),
    ...(proto.clientTimestampNs === undefined
      ? {}
      : { clientTimestampNs: proto.clientTimestampNs }),
    ...(proto.addedOnChainId === undefined ? {} : { addedOnChainId: proto.addedOnChainId }),
  };
}

function missing(field: string): DeserializationError {
  return new DeserializationError(
    "DESERIALIZATION_MISSING_FIELD",
    `required field ${field} is missing`,
  );
}
