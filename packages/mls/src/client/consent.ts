// Consent, as libxmtp keeps it: a state (unknown, allowed, denied) per conversation (entity = hex
// group id) and per inbox id, in consent_records. Creating a conversation or sending in it makes
// it "allowed"; a group we are added to is "unknown" until someone decides; a DM without a record
// of its own takes the consent of the peer inbox.
import { toHex as hexOf } from "@x/crypto";
import {
  type ClientDatabase,
  ConsentEntityType,
  type ConsentRecord,
  ConsentState,
  ConversationType,
  type StoredGroup,
  type TransactionScope,
} from "@x/db";
import { nowNs } from "./context.js";
import { ClientError } from "./errors.js";
import type { Stream, StreamOptions, StreamRegistry } from "./stream.js";
import type { PreferenceHub, PreferenceUpdate } from "./sync/preference-hub.js";

export type ConsentStateName = "unknown" | "allowed" | "denied";
export type ConsentEntityTypeName = "conversation_id" | "inbox_id";

export interface ConsentRecordInput {
  entityType: ConsentEntityTypeName;
  /** Hex group id (conversation_id) or inbox id (inbox_id). */
  entity: string;
  state: ConsentStateName;
}

export const CONSENT_STATES: readonly ConsentStateName[] = ["unknown", "allowed", "denied"];

const STATE_NUMBER: Record<ConsentStateName, ConsentState> = {
  unknown: ConsentState.Unknown,
  allowed: ConsentState.Allowed,
  denied: ConsentState.Denied,
};
const STATE_NAME = new Map<number, ConsentStateName>(
  Object.entries(STATE_NUMBER).map(([name, n]) => [n, name as ConsentStateName]),
);
const ENTITY_NUMBER: Record<ConsentEntityTypeName, ConsentEntityType> = {
  conversation_id: ConsentEntityType.ConversationId,
  inbox_id: ConsentEntityType.InboxId,
};

const HEX = /^(?:[0-9a-f]{2})+$/;

export function checkConsentState(state: unknown, where = "state"): ConsentStateName {
  if (typeof state !== "string" || !(state in STATE_NUMBER)) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      `${where} must be "unknown", "allowed" or "denied", got ${JSON.stringify(state)}`,
    );
  }
  return state as ConsentStateName;
}

export function checkConsentStates(
  states: unknown,
  where = "consentStates",
): ConsentStateName[] | undefined {
  if (states === undefined) return undefined;
  if (!Array.isArray(states)) {
    throw new ClientError("CLIENT_INVALID_ARGUMENT", `${where} must be an array of states`);
  }
  return states.map((s, i) => checkConsentState(s, `${where}[${i}]`));
}

function checkRecord(r: unknown, i: number): ConsentRecordInput {
  const where = `records[${i}]`;
  if (typeof r !== "object" || r === null) {
    throw new ClientError("CLIENT_INVALID_ARGUMENT", `${where} must be an object`);
  }
  const { entityType, entity, state } = r as Record<string, unknown>;
  if (typeof entityType !== "string" || !(entityType in ENTITY_NUMBER)) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      `${where}.entityType must be "conversation_id" or "inbox_id", got ${JSON.stringify(entityType)}`,
    );
  }
  if (typeof entity !== "string" || !HEX.test(entity.toLowerCase())) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      `${where}.entity must be a hex ${entityType === "inbox_id" ? "inbox id" : "group id"}, got ${JSON.stringify(entity)}`,
    );
  }
  return {
    entityType: entityType as ConsentEntityTypeName,
    entity: entity.toLowerCase(),
    state: checkConsentState(state, `${where}.state`),
  };
}

/**
 * Stores consent records (newest wins); checks them all first, so bad input stores nothing.
 * Returns the records that changed.
 */
export async function setConsent(
  db: ClientDatabase | TransactionScope,
  records: readonly unknown[],
): Promise<ConsentRecord[]> {
  if (!Array.isArray(records)) {
    throw new ClientError("CLIENT_INVALID_ARGUMENT", "records must be an array");
  }
  const checked = records.map(checkRecord);
  const at = nowNs();
  return db.consent.set(
    checked.map((r) => ({
      entityType: ENTITY_NUMBER[r.entityType],
      entity: r.entity,
      state: STATE_NUMBER[r.state],
      consentedAtNs: at,
    })),
  );
}

export async function getConsent(
  db: ClientDatabase | TransactionScope,
  entityType: ConsentEntityTypeName,
  entity: string,
): Promise<ConsentStateName> {
  const r = checkRecord({ entityType, entity, state: "unknown" }, 0);
  const row = await db.consent.get(ENTITY_NUMBER[r.entityType], r.entity);
  return row === undefined ? "unknown" : (STATE_NAME.get(row.state) ?? "unknown");
}

/** "allowed" for a conversation we created or sent in (writes only when it changes something). */
export async function allowConversation(
  db: ClientDatabase | TransactionScope,
  groupIdHex: string,
): Promise<ConsentRecord[]> {
  if ((await getConsent(db, "conversation_id", groupIdHex)) === "allowed") return [];
  return setConsent(db, [{ entityType: "conversation_id", entity: groupIdHex, state: "allowed" }]);
}

function dmPeer(group: StoredGroup, myInboxId: string): string | undefined {
  if (group.conversationType !== ConversationType.Dm || group.dmId === null) return undefined;
  const [, a, b] = group.dmId.split(":");
  return a === myInboxId.toLowerCase() ? b : a;
}

/** A conversation's consent: its own record, else (DMs) the peer inbox's, else unknown. */
export async function conversationConsent(
  db: ClientDatabase | TransactionScope,
  group: StoredGroup,
  myInboxId: string,
): Promise<ConsentStateName> {
  const own = await db.consent.get(ConsentEntityType.ConversationId, hexOf(group.id));
  if (own !== undefined) return STATE_NAME.get(own.state) ?? "unknown";
  const peer = dmPeer(group, myInboxId);
  if (peer === undefined) return "unknown";
  const inbox = await db.consent.get(ConsentEntityType.InboxId, peer);
  return inbox === undefined ? "unknown" : (STATE_NAME.get(inbox.state) ?? "unknown");
}

/** Consent of many conversations with two queries (for list filters). */
export async function consentOfMany(
  db: ClientDatabase,
  groups: readonly StoredGroup[],
  myInboxId: string,
): Promise<ConsentStateName[]> {
  const all = await db.consent.list();
  const byConversation = new Map<string, ConsentStateName>();
  const byInbox = new Map<string, ConsentStateName>();
  for (const r of all) {
    const name = STATE_NAME.get(r.state) ?? "unknown";
    if (r.entityType === ConsentEntityType.ConversationId) byConversation.set(r.entity, name);
    else byInbox.set(r.entity, name);
  }
  return groups.map((g) => {
    const own = byConversation.get(hexOf(g.id));
    if (own !== undefined) return own;
    const peer = dmPeer(g, myInboxId);
    return (peer === undefined ? undefined : byInbox.get(peer)) ?? "unknown";
  });
}

/** A consent record as the API shows it. */
export interface ConsentView {
  entityType: ConsentEntityTypeName;
  entity: string;
  state: ConsentStateName;
  consentedAtNs: bigint;
}

export function consentView(r: ConsentRecord): ConsentView {
  return {
    entityType: r.entityType === ConsentEntityType.InboxId ? "inbox_id" : "conversation_id",
    entity: r.entity,
    state: STATE_NAME.get(r.state) ?? "unknown",
    consentedAtNs: r.consentedAtNs,
  };
}

/** client.preferences: consent records by entity. */
export class Preferences {
  /** @internal */
  constructor(
    private readonly db: ClientDatabase,
    private readonly hub: PreferenceHub,
    private readonly streams: StreamRegistry,
    private readonly syncFn: () => Promise<{ processed: number }>,
  ) {}

  /**
   * Fetches what our other installations sent (consent, HMAC keys, history) and handles it
   * (libxmtp's sync_preferences). CLIENT_DEVICE_SYNC_DISABLED with device sync off.
   */
  sync(): Promise<{ processed: number }> {
    return this.syncFn();
  }

  /** Consent records as they change from now on: set here or by our other installations. */
  async streamConsent(options: StreamOptions<ConsentView[]> = {}): Promise<Stream<ConsentView[]>> {
    return this.listen(options, (updates) =>
      updates.flatMap((u) => (u.type === "consent" ? [u.consent] : [])),
    );
  }

  /** Consent and HMAC-key updates as they happen from now on (libxmtp's stream_preferences). */
  async streamPreferences(
    options: StreamOptions<PreferenceUpdate[]> = {},
  ): Promise<Stream<PreferenceUpdate[]>> {
    return this.listen(options, (updates) => updates);
  }

  private listen<T>(
    options: StreamOptions<T[]>,
    pick: (updates: PreferenceUpdate[]) => T[],
  ): Stream<T[]> {
    return this.streams.open<T[]>(options, async (emit, signal) => {
      const stop = this.hub.listen((updates) => {
        const values = pick(updates);
        if (values.length > 0) emit(values);
      });
      try {
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener("abort", () => resolve(), { once: true });
        });
      } finally {
        stop();
      }
    });
  }

  /** Sets consent for conversations (hex group id) and inboxes; newest wins. */
  async setConsentStates(records: readonly ConsentRecordInput[]): Promise<void> {
    this.hub.consentChanged(await setConsent(this.db, records));
  }

  /** "unknown" when there is no record. */
  getConsentState(entityType: ConsentEntityTypeName, entity: string): Promise<ConsentStateName> {
    return getConsent(this.db, entityType, entity);
  }
}
