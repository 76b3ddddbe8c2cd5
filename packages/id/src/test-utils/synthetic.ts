// Synthetic verified signatures for state-machine tests (as libxmtp's own tests build them):
// the association rules only look at signer, kind, raw bytes and chain id.
import { randomBytes, toHex } from "@x/crypto";
import type { Action, IdentityUpdate } from "../association-log.js";
import {
  type EthereumIdentifier,
  type Identifier,
  type InstallationIdentifier,
  inboxIdFor,
  type MemberIdentifier,
} from "../identifiers.js";
import type { SignatureKind, VerifiedSignature } from "../signatures.js";

export function randomWallet(): EthereumIdentifier {
  return { kind: "ethereum", address: `0x${toHex(randomBytes(20))}` };
}

export function randomInstallation(): InstallationIdentifier {
  return { kind: "installation", key: randomBytes(32) };
}

const DEFAULT_KIND: Record<MemberIdentifier["kind"], SignatureKind> = {
  ethereum: "erc191",
  installation: "installationKey",
  passkey: "p256",
};

export function sig(
  signer: MemberIdentifier,
  kind?: SignatureKind,
  chainId?: bigint,
): VerifiedSignature {
  return {
    signer,
    kind: kind ?? DEFAULT_KIND[signer.kind],
    rawBytes: randomBytes(32),
    ...(chainId === undefined ? {} : { chainId }),
  };
}

export function create(identifier: Identifier, nonce = 0n, signature = sig(identifier)): Action {
  return {
    type: "createInbox",
    nonce,
    accountIdentifier: identifier,
    initialIdentifierSignature: signature,
  };
}

export function add(
  newMember: MemberIdentifier,
  by: MemberIdentifier,
  opts: { newSig?: VerifiedSignature; bySig?: VerifiedSignature } = {},
): Action {
  return {
    type: "addAssociation",
    newMemberIdentifier: newMember,
    newMemberSignature: opts.newSig ?? sig(newMember),
    existingMemberSignature: opts.bySig ?? sig(by),
  };
}

export function revoke(member: MemberIdentifier, by: MemberIdentifier, bySig = sig(by)): Action {
  return { type: "revokeAssociation", revokedMember: member, recoveryIdentifierSignature: bySig };
}

export function changeRecovery(to: Identifier, by: MemberIdentifier, bySig = sig(by)): Action {
  return {
    type: "changeRecoveryAddress",
    newRecoveryIdentifier: to,
    recoveryIdentifierSignature: bySig,
  };
}

export function update(inboxId: string, actions: Action[], clientTimestampNs = 1n): IdentityUpdate {
  return { inboxId, clientTimestampNs, actions };
}

export function inboxOf(identifier: Identifier, nonce = 0n): string {
  return inboxIdFor(identifier, nonce);
}
