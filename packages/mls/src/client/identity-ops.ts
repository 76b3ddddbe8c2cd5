// Identity operations on an existing inbox (libxmtp identity_updates.rs): add a wallet, remove a
// wallet, revoke installations, change the recovery identifier. Each builds one signature request,
// gathers the signatures it needs, publishes the IdentityUpdate (the node verifies it) and returns
// the inbox state read back from the network.
import { fromHex, toHex } from "@x/crypto";
import {
  type Identifier,
  identifierText,
  identityUpdateToProto,
  installationIdentifier,
  SignatureRequestBuilder,
  type Signer,
  type SmartContractSignatureVerifier,
  sameMember,
  toIdentitySigner,
} from "@x/id";
import type { ClientContext } from "./context.js";
import { ClientError } from "./errors.js";
import type { InboxState } from "./identity.js";

export interface IdentityOpsDeps {
  ctx: ClientContext;
  /** The client's signer: the default for signatures the recovery identifier must make. */
  signer: Signer;
  scwVerifier: SmartContractSignatureVerifier | undefined;
}

type Build = (builder: SignatureRequestBuilder, state: InboxState) => void;

async function ourState(deps: IdentityOpsDeps): Promise<InboxState> {
  const inboxId = deps.ctx.identity.inboxId;
  return (await deps.ctx.identities.latest([inboxId])).get(inboxId)!;
}

/** Builds the request on the latest state, has `signers` and (if needed) our installation sign, publishes it. */
async function publish(deps: IdentityOpsDeps, signers: Signer[], build: Build): Promise<void> {
  const { ctx } = deps;
  const state = await ourState(deps);
  const builder = new SignatureRequestBuilder(ctx.identity.inboxId);
  build(builder, state);
  const request = builder.build(
    deps.scwVerifier === undefined ? {} : { scwVerifier: deps.scwVerifier },
  );
  const installation = installationIdentifier(ctx.identity.installationKey.publicKey);
  for (const signer of signers) await request.addSignerSignature(signer);
  if (request.missingSignatures().some((m) => sameMember(m, installation))) {
    await request.addInstallationSignature(ctx.identity.installationKey.privateKey);
  }
  await ctx.api.publishIdentityUpdate(identityUpdateToProto(request.build()));
}

/** The signer must be the inbox's recovery identifier (revocations and recovery changes). */
async function requireRecoverySigner(
  deps: IdentityOpsDeps,
  signer: Signer,
): Promise<{ recovery: Identifier }> {
  const state = await ourState(deps);
  const recovery = state.state.recoveryIdentifier;
  const signerId = await toIdentitySigner(signer).getIdentifier();
  if (!sameMember(signerId, recovery)) {
    throw new ClientError(
      "CLIENT_RECOVERY_SIGNER_REQUIRED",
      `only the recovery identifier ${identifierText(recovery)} may sign this change, not ${identifierText(signerId)}; pass its signer`,
    );
  }
  return { recovery };
}

/**
 * Adds the wallet of `newSigner` to our inbox. Our installation is the existing member and signs;
 * the new wallet signs too. A wallet that already has an inbox is refused unless
 * `allowReassignInboxId` (libxmtp's allow_inbox_reassign) says to move it here.
 */
export async function addAccount(
  deps: IdentityOpsDeps,
  newSigner: Signer,
  options: { allowReassignInboxId?: boolean } = {},
): Promise<void> {
  const identifier = await toIdentitySigner(newSigner).getIdentifier();
  const [existing] = await deps.ctx.identities.inboxIdsOf([identifier]);
  if (existing === deps.ctx.identity.inboxId) {
    throw new ClientError(
      "CLIENT_IDENTIFIER_TAKEN",
      `${identifierText(identifier)} is already associated with this inbox`,
    );
  }
  if (existing !== undefined && options.allowReassignInboxId !== true) {
    throw new ClientError(
      "CLIENT_IDENTIFIER_TAKEN",
      `${identifierText(identifier)} already belongs to inbox ${existing}; pass allowReassignInboxId to move it to this inbox`,
    );
  }
  const installation = installationIdentifier(deps.ctx.identity.installationKey.publicKey);
  await publish(deps, [newSigner], (b) => b.addAssociation(identifier, installation));
}

/** Revokes a wallet (and the installations it added); the recovery identifier signs. */
export async function removeAccount(
  deps: IdentityOpsDeps,
  identifier: Identifier,
  recoverySigner: Signer = deps.signer,
): Promise<void> {
  const { recovery } = await requireRecoverySigner(deps, recoverySigner);
  const state = await ourState(deps);
  if (!state.state.has(identifier)) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      `${identifierText(identifier)} is not associated with inbox ${state.inboxId}`,
    );
  }
  if (sameMember(identifier, recovery)) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      "the recovery identifier cannot be removed; change the recovery identifier first",
    );
  }
  await publish(deps, [recoverySigner], (b) => b.revokeAssociation(recovery, identifier));
}

/** Revokes installations of our inbox (hex ids or bytes); the recovery identifier signs. */
export async function revokeInstallations(
  deps: IdentityOpsDeps,
  installationIds: readonly (string | Uint8Array)[],
  recoverySigner: Signer = deps.signer,
): Promise<void> {
  const ids = installationIds.map((i) => (typeof i === "string" ? fromHex(i) : i));
  if (ids.length === 0) return;
  const { recovery } = await requireRecoverySigner(deps, recoverySigner);
  const state = await ourState(deps);
  const known = new Set(state.state.installationIds().map(toHex));
  const unknown = ids.filter((i) => !known.has(toHex(i)));
  if (unknown.length > 0) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      `not installations of inbox ${state.inboxId}: ${unknown.map(toHex).join(", ")}`,
    );
  }
  await publish(deps, [recoverySigner], (b) => {
    for (const id of ids) b.revokeAssociation(recovery, installationIdentifier(id));
  });
}

/** Revokes every installation of our inbox except this one. */
export async function revokeAllOtherInstallations(
  deps: IdentityOpsDeps,
  recoverySigner: Signer = deps.signer,
): Promise<void> {
  const me = toHex(deps.ctx.identity.installationKey.publicKey);
  const others = (await ourState(deps)).state.installationIds().filter((k) => toHex(k) !== me);
  await revokeInstallations(deps, others, recoverySigner);
}

/** Makes `identifier` the recovery identifier; the current recovery identifier signs. */
export async function changeRecoveryIdentifier(
  deps: IdentityOpsDeps,
  identifier: Identifier,
  recoverySigner: Signer = deps.signer,
): Promise<void> {
  const { recovery } = await requireRecoverySigner(deps, recoverySigner);
  await publish(deps, [recoverySigner], (b) => b.changeRecoveryAddress(recovery, identifier));
}
