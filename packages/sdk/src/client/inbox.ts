// Inbox lookups that need no client (and so no database): the inbox of an identifier, and an
// inbox's state folded from its identity log as fetched from the network and verified here.
import type { XmtpApi } from "@x/api";
import { fromHex, toHex } from "@x/crypto";
import {
  type AssociationState,
  applyUpdate,
  type Identifier as IdIdentifier,
  identityUpdateFromProto,
  type SmartContractSignatureVerifier,
  verifyIdentityUpdate,
} from "@x/id";
import { ClientError } from "@x/mls";
import { IdentifierKind as ProtoIdentifierKind } from "@x/proto/identity/associations";
import { fromIdIdentifier, type Identifier } from "./identifiers.js";

/** node-sdk's Installation. */
export interface Installation {
  /** Hex installation id. */
  id: string;
  bytes: Uint8Array;
  /** When it was added (the identity update's client timestamp), if known. */
  clientTimestampNs?: bigint;
}

/** node-sdk's InboxState. */
export interface InboxState {
  inboxId: string;
  recoveryIdentifier: Identifier;
  identifiers: Identifier[];
  installations: Installation[];
}

export function identifierRequest(id: IdIdentifier) {
  return id.kind === "ethereum"
    ? { identifier: id.address, kind: ProtoIdentifierKind.ETHEREUM }
    : { identifier: toHex(id.key), kind: ProtoIdentifierKind.PASSKEY };
}

/** The inbox of each identifier on the network (undefined where none). */
export async function inboxIdsOf(
  api: XmtpApi,
  identifiers: readonly IdIdentifier[],
): Promise<(string | undefined)[]> {
  const found = await api.getInboxIds(identifiers.map(identifierRequest));
  return found.map((f) => f.inboxId);
}

/**
 * The verified association state of each inbox, from its whole identity log on the network.
 * CLIENT_INBOX_NOT_FOUND for an inbox with no log.
 */
export async function fetchAssociationStates(
  api: XmtpApi,
  inboxIds: readonly string[],
  scwVerifier?: SmartContractSignatureVerifier,
): Promise<AssociationState[]> {
  const unique = [...new Set(inboxIds)];
  const responses = await api.getIdentityUpdates(unique.map((inboxId) => ({ inboxId })));
  const byInbox = new Map(responses.map((r) => [r.inboxId, r]));
  const states = new Map<string, AssociationState>();
  for (const inboxId of unique) {
    const updates = byInbox.get(inboxId)?.updates.filter((u) => u.update !== undefined) ?? [];
    if (updates.length === 0) {
      throw new ClientError(
        "CLIENT_INBOX_NOT_FOUND",
        `inbox ${inboxId} has no identity updates on this network; it is not registered here`,
      );
    }
    let state: AssociationState | undefined;
    try {
      for (const u of updates) {
        const verified = await verifyIdentityUpdate(
          identityUpdateFromProto(u.update!),
          scwVerifier === undefined ? {} : { scwVerifier },
        );
        state = applyUpdate(state, verified);
      }
    } catch (e) {
      throw new ClientError(
        "CLIENT_IDENTITY_INVALID",
        `the identity log of inbox ${inboxId} does not verify: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    if (state === undefined || state.inboxId !== inboxId) {
      throw new ClientError(
        "CLIENT_IDENTITY_INVALID",
        `the identity log of inbox ${inboxId} builds another inbox`,
      );
    }
    states.set(inboxId, state);
  }
  return inboxIds.map((id) => states.get(id)!);
}

/** node-sdk's InboxState of an association state. */
export function inboxStateOf(state: AssociationState): InboxState {
  return {
    inboxId: state.inboxId,
    recoveryIdentifier: fromIdIdentifier(state.recoveryIdentifier),
    identifiers: state.identifiers().map(fromIdIdentifier),
    installations: state.membersByKind("installation").map((m) => {
      const bytes = (m.identifier as { key: Uint8Array }).key;
      return {
        id: toHex(bytes),
        bytes,
        ...(m.clientTimestampNs === undefined ? {} : { clientTimestampNs: m.clientTimestampNs }),
      };
    }),
  };
}

/** node-sdk's InboxState from @x/mls's view of one. */
export function inboxStateFromView(view: {
  inboxId: string;
  recoveryIdentifier: IdIdentifier;
  identifiers: IdIdentifier[];
  installations: { id: string }[];
}): InboxState {
  return {
    inboxId: view.inboxId,
    recoveryIdentifier: fromIdIdentifier(view.recoveryIdentifier),
    identifiers: view.identifiers.map(fromIdIdentifier),
    installations: view.installations.map((i) => ({
      id: i.id,
      bytes: fromHex(i.id),
    })),
  };
}
