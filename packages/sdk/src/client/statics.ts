// What works without a client (and so without a database or an installation): inbox lookups,
// inbox states, reachability, and revoking installations, the way out for an inbox at its
// installation limit (libxmtp's, node-sdk's static Client.revokeInstallations).
import type { XmtpApi } from "@x/api";
import { fromHex, toHex } from "@x/crypto";
import {
  type Identifier as IdIdentifier,
  identifierText,
  identityUpdateToProto,
  inboxIdFor,
  installationIdentifier,
  RemoteVerifier,
  SignatureRequestBuilder,
  type SmartContractSignatureVerifier,
  sameMember,
} from "@x/id";
import { ClientError } from "@x/mls";
import { invalidArgument, invalidOption } from "../errors.js";
import { type Identifier, identifierKey, toIdIdentifier, toIdIdentifiers } from "./identifiers.js";
import { fetchAssociationStates, type InboxState, inboxIdsOf, inboxStateOf } from "./inbox.js";
import { apiFor } from "./network.js";
import { type NetworkOptions, resolveNetwork, type XmtpEnv } from "./options.js";
import { type AnySigner, adaptSigner } from "./signer.js";

/** A static function's network: an env name (with node-sdk 5's gatewayHost), or options. */
export type NetworkArgument = XmtpEnv | NetworkOptions | undefined;

export function networkApi(network: NetworkArgument, gatewayHost?: string): XmtpApi {
  let options: NetworkOptions;
  if (network === undefined || typeof network === "string") {
    options = {
      ...(network === undefined ? {} : { env: network }),
      ...(gatewayHost === undefined ? {} : { gatewayHost }),
    };
  } else if (typeof network === "object" && network !== null) {
    options = gatewayHost === undefined ? network : { ...network, gatewayHost };
  } else {
    throw invalidOption(
      'the network must be an env ("local", "dev", "production") or { env, apiUrl, gatewayHost }',
    );
  }
  return apiFor(resolveNetwork(options), options.appVersion).api;
}

/** Verifies smart-contract-wallet signatures through the node (v3's VerifySmartContractWalletSignatures). */
export function nodeScwVerifier(api: XmtpApi): SmartContractSignatureVerifier {
  return new RemoteVerifier((request) => api.verifySmartContractWalletSignatures(request));
}

const INBOX_ID = /^[0-9a-f]{64}$/;

export function checkInboxId(value: unknown, where = "inboxId"): string {
  if (typeof value !== "string" || !INBOX_ID.test(value)) {
    throw invalidArgument(`${where} must be an inbox id: 64 lowercase hex characters`);
  }
  return value;
}

export function checkInboxIds(values: unknown, where = "inboxIds"): string[] {
  if (!Array.isArray(values)) throw invalidArgument(`${where} must be an array of inbox ids`);
  return values.map((v, i) => checkInboxId(v, `${where}[${i}]`));
}

export function installationIdBytes(values: unknown, where = "installationIds"): Uint8Array[] {
  if (!Array.isArray(values)) {
    throw invalidArgument(`${where} must be an array of installation ids (bytes or hex)`);
  }
  return values.map((v, i) => {
    if (v instanceof Uint8Array && v.length === 32) return v;
    if (typeof v === "string" && /^[0-9a-fA-F]{64}$/.test(v)) return fromHex(v.toLowerCase());
    throw invalidArgument(
      `${where}[${i}] is not an installation id (32 bytes, or 64 hex characters)`,
    );
  });
}

/** The inbox of an identifier on the network, or undefined (node-sdk: null). */
export async function getInboxIdForIdentifier(
  identifier: Identifier,
  network?: NetworkArgument,
  gatewayHost?: string,
): Promise<string | undefined> {
  const id = toIdIdentifier(identifier);
  const [found] = await inboxIdsOf(networkApi(network, gatewayHost), [id]);
  return found;
}

/** The inbox id an identifier makes with `nonce` (no network). */
export function generateInboxId(identifier: Identifier, nonce: bigint = 1n): string {
  return inboxIdFor(toIdIdentifier(identifier), nonce);
}

export async function fetchInboxStatesWith(api: XmtpApi, inboxIds: unknown): Promise<InboxState[]> {
  const ids = checkInboxIds(inboxIds);
  if (ids.length === 0) return [];
  return (await fetchAssociationStates(api, ids, nodeScwVerifier(api))).map(inboxStateOf);
}

export async function canMessageWith(
  api: XmtpApi,
  identifiers: unknown,
): Promise<Map<string, boolean>> {
  const ids = toIdIdentifiers(identifiers);
  const found = await inboxIdsOf(api, ids);
  const out = new Map<string, boolean>();
  for (const [i, id] of ids.entries()) out.set(identifierKey(id), found[i] !== undefined);
  return out;
}

/**
 * Revokes installations of `inboxId`, signed by `signer` (the inbox's recovery identifier), with
 * no client: for an inbox at its 10-installation limit, where Client.create cannot make one.
 */
export async function revokeInstallationsWith(
  api: XmtpApi,
  signer: AnySigner,
  inboxId: unknown,
  installationIds: unknown,
): Promise<void> {
  const adapted = adaptSigner(signer);
  const inbox = checkInboxId(inboxId);
  const ids = installationIdBytes(installationIds);
  if (ids.length === 0) return;
  const signerId: IdIdentifier = await adapted.getIdentifier();
  const scwVerifier = nodeScwVerifier(api);
  const [state] = await fetchAssociationStates(api, [inbox], scwVerifier);
  const recovery = state!.recoveryIdentifier;
  if (!sameMember(signerId, recovery)) {
    throw new ClientError(
      "CLIENT_RECOVERY_SIGNER_REQUIRED",
      `only inbox ${inbox}'s recovery identifier ${identifierText(recovery)} may revoke its installations, not ${identifierText(signerId)}; pass its signer`,
    );
  }
  const known = new Set(state!.installationIds().map(toHex));
  const unknown = ids.filter((i) => !known.has(toHex(i)));
  if (unknown.length > 0) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      `not installations of inbox ${inbox} (revoked already, or of another inbox): ${unknown.map(toHex).join(", ")}`,
    );
  }
  const builder = new SignatureRequestBuilder(inbox);
  for (const id of ids) builder.revokeAssociation(recovery, installationIdentifier(id));
  const request = builder.build({ scwVerifier });
  await request.addSignerSignature(adapted);
  await api.publishIdentityUpdate(identityUpdateToProto(request.build()));
}

/** How many identity updates each inbox has on the network (an inbox may have 256 in all). */
export async function inboxUpdatesCountWith(
  api: XmtpApi,
  inboxIds: unknown,
): Promise<Record<string, number>> {
  const ids = checkInboxIds(inboxIds);
  if (ids.length === 0) return {};
  const responses = await api.getIdentityUpdates(ids.map((inboxId) => ({ inboxId })));
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = 0;
  for (const r of responses) out[r.inboxId] = r.updates.length;
  return out;
}

/** Whether `member` (an identifier or an installation id) belongs to the inbox now. */
export async function isAuthorizedWith(
  api: XmtpApi,
  inboxId: unknown,
  member: { identifier: Identifier } | { installationId: string | Uint8Array },
): Promise<boolean> {
  const inbox = checkInboxId(inboxId);
  const [state] = await fetchAssociationStates(api, [inbox], nodeScwVerifier(api));
  if ("identifier" in member) {
    const id = toIdIdentifier(member.identifier);
    return state!.identifiers().some((i) => sameMember(i, id));
  }
  const [bytes] = installationIdBytes([member.installationId], "installationId");
  return state!.installationIds().some((k) => toHex(k) === toHex(bytes!));
}
