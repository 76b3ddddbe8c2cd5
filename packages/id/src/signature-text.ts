// The text every signature on an identity update signs, byte for byte as libxmtp writes it
// (xmtp_id associations/unsigned_actions.rs). All signatures of one update sign the same text.
import { toHex } from "@x/crypto";
import { type Identifier, identifierText, type MemberIdentifier } from "./identifiers.js";

export type UnsignedAction =
  | { readonly type: "createInbox"; readonly nonce: bigint; readonly accountIdentifier: Identifier }
  | { readonly type: "addAssociation"; readonly newMemberIdentifier: MemberIdentifier }
  | { readonly type: "revokeAssociation"; readonly revokedMember: MemberIdentifier }
  | { readonly type: "changeRecoveryAddress"; readonly newRecoveryIdentifier: Identifier };

export interface UnsignedIdentityUpdate {
  readonly inboxId: string;
  readonly clientTimestampNs: bigint;
  readonly actions: readonly UnsignedAction[];
}

const HEADER = "XMTP : Authenticate to inbox";
const FOOTER = "For more info: https://xmtp.org/signatures";

const ID_LABEL = { ethereum: "Address", installation: "ID", passkey: "Passkey" } as const;
const ADD_PREFIX = {
  ethereum: "Link address to inbox",
  installation: "Grant messaging access to app",
  passkey: "Link passkey to inbox",
} as const;
const REVOKE_PREFIX = {
  ethereum: "Unlink address from inbox",
  installation: "Revoke messaging access from app",
  passkey: "Unlink passkey from inbox",
} as const;

export function actionText(action: UnsignedAction): string {
  switch (action.type) {
    case "createInbox":
      return `- Create inbox\n  (Owner: ${identifierText(action.accountIdentifier)})`;
    case "addAssociation": {
      const id = action.newMemberIdentifier;
      return `- ${ADD_PREFIX[id.kind]}\n  (${ID_LABEL[id.kind]}: ${identifierText(id)})`;
    }
    case "revokeAssociation": {
      const id = action.revokedMember;
      return `- ${REVOKE_PREFIX[id.kind]}\n  (${ID_LABEL[id.kind]}: ${identifierText(id)})`;
    }
    case "changeRecoveryAddress":
      // libxmtp says "Address" here even when the new recovery identifier is a passkey.
      return `- Change inbox recovery address\n  (Address: ${identifierText(action.newRecoveryIdentifier)})`;
  }
}

export function signatureText(update: UnsignedIdentityUpdate): string {
  const lines = update.actions.map(actionText).join("\n");
  return `${HEADER}\n\nInbox ID: ${update.inboxId}\nCurrent time: ${prettyTimestamp(update.clientTimestampNs)}\n\n${lines}\n\n${FOOTER}`;
}

/**
 * RFC 3339 with whole seconds and "Z", as chrono's `to_rfc3339_opts(Secs, true)` after
 * `DateTime::from_timestamp_nanos(ns as i64)`: the u64 is reinterpreted as i64 and floored to
 * seconds.
 */
export function prettyTimestamp(clientTimestampNs: bigint): string {
  const ns = BigInt.asIntN(64, clientTimestampNs);
  let seconds = ns / 1_000_000_000n;
  if (ns < 0n && seconds * 1_000_000_000n !== ns) seconds -= 1n;
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The text a v2 wallet signed to create a legacy identity key
 * (`ValidatedLegacySignedPublicKey::text`): note the trailing slash on the URL.
 */
export function legacyCreateIdentityText(serializedKeyBytes: Uint8Array): string {
  return `XMTP : Create Identity\n${toHex(serializedKeyBytes)}\n\nFor more info: https://xmtp.org/signatures/`;
}
