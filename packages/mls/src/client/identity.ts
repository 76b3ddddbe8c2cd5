// Inbox identity as the client sees it: identity updates fetched from the network (cached in the
// database), verified and folded into association states (libxmtp identity_updates.rs).
import type { XmtpApi } from "@x/api";
import { type ClientDatabase, IdentifierKind as DbIdentifierKind } from "@x/db";
import {
  type AssociationState,
  applyUpdate,
  associationStateFromProto,
  associationStateToProto,
  decodeIdentityUpdate,
  type Identifier,
  type SmartContractSignatureVerifier,
  verifyIdentityUpdate,
} from "@x/id";
import { fromBinary, toBinary } from "@x/proto";
import {
  AssociationStateSchema,
  IdentifierKind,
  IdentityUpdateSchema,
} from "@x/proto/identity/associations";
import { ClientError, errorText } from "./errors.js";

/** An inbox's state and the sequence id of the last update it includes. */
export interface InboxState {
  inboxId: string;
  sequenceId: bigint;
  state: AssociationState;
}

export function identifierKindOf(identifier: Identifier): IdentifierKind {
  return identifier.kind === "ethereum" ? IdentifierKind.ETHEREUM : IdentifierKind.PASSKEY;
}

export function identifierString(identifier: Identifier): string {
  return identifier.kind === "ethereum"
    ? identifier.address
    : Array.from(identifier.key, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Verified association states kept in memory, by (inbox, sequence id, position in the log). */
export const VERIFIED_STATES_KEPT = 10_000;

const verifiedKey = (inboxId: string, sequenceId: bigint, index: number) =>
  `${inboxId}:${sequenceId}:${index}`;

export class IdentityUpdates {
  /**
   * States already verified (libxmtp caches them too): a group of 100 members otherwise
   * re-verifies every member's whole signature log on each membership change.
   */
  readonly #verified = new Map<string, AssociationState>();

  #remember(key: string, state: AssociationState): void {
    if (this.#verified.size >= VERIFIED_STATES_KEPT) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(key, state);
  }

  /** Verified states not yet written to the database (see `batch`). */
  #unsaved: { inboxId: string; sequenceId: bigint; state: AssociationState }[] = [];
  #batches = 0;

  constructor(
    private readonly api: XmtpApi,
    private readonly db: ClientDatabase,
    private readonly scwVerifier: SmartContractSignatureVerifier | undefined,
    /** Identity updates are read through the sync API client (as libxmtp 1.9.1 does). */
    private readonly syncApi: XmtpApi = api,
  ) {}

  /** Fetches and stores the inboxes' updates newer than what the database holds. */
  async refresh(inboxIds: readonly string[]): Promise<void> {
    const unique = [...new Set(inboxIds)];
    if (unique.length === 0) return;
    const latest = await this.db.identityUpdates.latestSequenceIds(unique);
    const responses = await this.syncApi.getIdentityUpdates(
      unique.map((inboxId) => ({ inboxId, sequenceId: latest.get(inboxId) ?? 0n })),
    );
    const records = responses.flatMap((r) =>
      r.updates
        .filter((u) => u.update !== undefined)
        .map((u) => ({
          inboxId: r.inboxId,
          sequenceId: u.sequenceId,
          originatorId: 0,
          serverTimestampNs: u.serverTimestampNs,
          payload: toBinary(IdentityUpdateSchema, u.update!),
        })),
    );
    if (records.length > 0) await this.db.identityUpdates.insert(records);
  }

  /**
   * The inbox's association state after its updates up to `upTo` (all stored ones by default).
   * Call `refresh` first for the latest. Throws CLIENT_INBOX_NOT_FOUND when no update is known,
   * CLIENT_IDENTITY_INVALID when the log does not verify.
   */
  async stateOf(inboxId: string, upTo?: bigint): Promise<InboxState> {
    const records = await this.db.identityUpdates.list(
      inboxId,
      upTo === undefined ? {} : { upToSequenceId: upTo },
    );
    if (records.length === 0) {
      throw new ClientError(
        "CLIENT_INBOX_NOT_FOUND",
        `no identity updates are known for inbox ${inboxId}; it is not registered on this network`,
      );
    }
    // Start from the longest prefix of the log verified before (updates are append-only): in
    // memory, else the state this database stored when it verified the whole log.
    let start = 0;
    let state: AssociationState | undefined;
    for (let i = records.length - 1; i >= 0; i--) {
      const known = this.#verified.get(verifiedKey(inboxId, records[i]!.sequenceId, i));
      if (known !== undefined) {
        state = known;
        start = i + 1;
        break;
      }
    }
    const lastSeq = records.at(-1)!.sequenceId;
    if (start < records.length) {
      const stored = await this.storedState(inboxId, lastSeq);
      if (stored !== undefined) {
        state = stored;
        start = records.length;
        this.#remember(verifiedKey(inboxId, lastSeq, records.length - 1), stored);
      }
    }
    const verifiedAny = start < records.length;
    try {
      for (const [i, r] of records.entries()) {
        if (i < start) continue;
        const verified = await verifyIdentityUpdate(
          decodeIdentityUpdate(r.payload),
          this.scwVerifier === undefined ? {} : { scwVerifier: this.scwVerifier },
        );
        state = applyUpdate(state, verified);
        this.#remember(verifiedKey(inboxId, r.sequenceId, i), state);
      }
    } catch (e) {
      throw new ClientError(
        "CLIENT_IDENTITY_INVALID",
        `the identity log of inbox ${inboxId} does not verify: ${errorText(e)}`,
        { cause: e },
      );
    }
    if (state === undefined || state.inboxId !== inboxId) {
      throw new ClientError(
        "CLIENT_IDENTITY_INVALID",
        `the identity log of inbox ${inboxId} builds another inbox`,
      );
    }
    // Persisted, so a reopened client does not verify this log again (libxmtp's
    // association_state table).
    if (verifiedAny) {
      this.#unsaved.push({ inboxId, sequenceId: lastSeq, state });
      if (this.#batches === 0) await this.#save();
    }
    return { inboxId, sequenceId: lastSeq, state };
  }

  /**
   * Runs `fn` (which asks for many states) and stores the states it verified in one transaction
   * at the end, instead of one write per inbox.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    this.#batches++;
    try {
      return await fn();
    } finally {
      this.#batches--;
      if (this.#batches === 0) await this.#save();
    }
  }

  async #save(): Promise<void> {
    const states = this.#unsaved;
    if (states.length === 0) return;
    this.#unsaved = [];
    await this.db.transaction(async (tx) => {
      for (const s of states) {
        const bytes = toBinary(AssociationStateSchema, associationStateToProto(s.state));
        await tx.associationStates.put(s.inboxId, s.sequenceId, bytes);
      }
    });
  }

  /** A state stored by an earlier verification; an unreadable one counts as absent. */
  private async storedState(
    inboxId: string,
    sequenceId: bigint,
  ): Promise<AssociationState | undefined> {
    const bytes = await this.db.associationStates.get(inboxId, sequenceId);
    if (bytes === undefined) return undefined;
    try {
      const state = associationStateFromProto(fromBinary(AssociationStateSchema, bytes));
      return state.inboxId === inboxId ? state : undefined;
    } catch {
      return undefined;
    }
  }

  /** Latest states of several inboxes, refreshed from the network. */
  async latest(inboxIds: readonly string[]): Promise<Map<string, InboxState>> {
    await this.refresh(inboxIds);
    return this.batch(async () => {
      const out = new Map<string, InboxState>();
      for (const id of new Set(inboxIds)) out.set(id, await this.stateOf(id));
      return out;
    });
  }

  /**
   * The inbox id of one identifier from the database's identity cache, else from the network
   * (an answer found there is cached). For checks where a past network answer is good enough,
   * such as reopening a client; everything else asks the network with inboxIdsOf.
   */
  async cachedInboxIdOf(identifier: Identifier): Promise<string | undefined> {
    const kind =
      identifier.kind === "ethereum" ? DbIdentifierKind.Ethereum : DbIdentifierKind.Passkey;
    const key = identifierString(identifier);
    const cached = await this.db.inboxIds.get(key, kind);
    if (cached !== undefined) return cached;
    const [found] = await this.inboxIdsOf([identifier]);
    if (found !== undefined) await this.db.inboxIds.put(key, kind, found);
    return found;
  }

  /** The inbox ids of identifiers (undefined where none), asking the network. */
  async inboxIdsOf(identifiers: readonly Identifier[]): Promise<(string | undefined)[]> {
    const found = await this.api.getInboxIds(
      identifiers.map((i) => ({ identifier: identifierString(i), kind: identifierKindOf(i) })),
    );
    return found.map((f) => f.inboxId);
  }
}
