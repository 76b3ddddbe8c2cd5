// client.preferences with node-sdk's names: inbox states (local and fetched) and consent.
import type { ConsentView, Client as MlsClient, PreferenceUpdate } from "@x/mls";
import {
  type AsyncStream,
  openStream,
  type StreamHooks,
  type StreamOptions,
} from "../conversations/stream.js";
import {
  type ConsentEntityType,
  type ConsentState,
  consentEntityTypeOf,
  consentStateOf,
} from "../enums.js";
import { invalidArgument } from "../errors.js";
import { type InboxState, inboxStateFromView } from "./inbox.js";
import { checkInboxId, checkInboxIds } from "./statics.js";

/** A consent record (node-sdk's Consent). */
export interface Consent {
  entityType: ConsentEntityType;
  /** Hex conversation id (GroupId) or inbox id (InboxId). */
  entity: string;
  state: ConsentState;
}

let batches = 0;

export class Preferences {
  /** @internal */
  constructor(
    private readonly mls: () => MlsClient,
    private readonly hooks: StreamHooks,
  ) {}

  /** Our inbox's state from the identity updates stored locally. */
  async inboxState(): Promise<InboxState> {
    return inboxStateFromView(await this.mls().inboxState(false));
  }

  /** Our inbox's state, refreshed from the network. */
  async fetchInboxState(): Promise<InboxState> {
    return inboxStateFromView(await this.mls().inboxState(true));
  }

  /** Inbox states from the identity updates stored locally (CLIENT_INBOX_NOT_FOUND if none). */
  async getInboxStates(inboxIds: string[]): Promise<InboxState[]> {
    const ids = checkInboxIds(inboxIds);
    return Promise.all(
      ids.map(async (id) => inboxStateFromView(await this.mls().inboxState(false, id))),
    );
  }

  /** Inbox states refreshed from the network. */
  async fetchInboxStates(inboxIds: string[]): Promise<InboxState[]> {
    const ids = checkInboxIds(inboxIds);
    return Promise.all(
      ids.map(async (id) => inboxStateFromView(await this.mls().inboxState(true, id))),
    );
  }

  async setConsentStates(records: Consent[]): Promise<void> {
    if (!Array.isArray(records))
      throw invalidArgument("setConsentStates takes an array of Consent");
    await this.mls().preferences.setConsentStates(
      records.map((r, i) => {
        if (typeof r !== "object" || r === null) {
          throw invalidArgument(`records[${i}] must be { entityType, entity, state }`);
        }
        const entityType = consentEntityTypeOf(r.entityType);
        const entity =
          entityType === "inbox_id" ? checkInboxId(r.entity, `records[${i}].entity`) : r.entity;
        return { entityType, entity, state: consentStateOf(r.state, `records[${i}].state`) };
      }),
    );
  }

  async getConsentState(entityType: ConsentEntityType, entity: string): Promise<ConsentState> {
    return this.mls().preferences.getConsentState(consentEntityTypeOf(entityType), entity);
  }

  /** Fetches and handles what our other installations sent (device sync). */
  async sync(): Promise<void> {
    await this.mls().preferences.sync();
  }

  /** Consent changes from now on, made here or by our other installations. */
  async streamConsent(options: StreamOptions<Consent[]> = {}): Promise<AsyncStream<Consent[]>> {
    return openStream<ConsentView[], Consent[]>(
      {
        what: "consent",
        open: (o) => this.mls().preferences.streamConsent(o),
        convert: async (views) =>
          views.map((v) => ({ entityType: v.entityType, entity: v.entity, state: v.state })),
        key: () => String(batches++),
      },
      options,
      this.hooks,
    );
  }

  /** Consent and HMAC-key updates from now on. */
  async streamPreferences(
    options: StreamOptions<PreferenceUpdate[]> = {},
  ): Promise<AsyncStream<PreferenceUpdate[]>> {
    return openStream<PreferenceUpdate[], PreferenceUpdate[]>(
      {
        what: "preferences",
        open: (o) => this.mls().preferences.streamPreferences(o),
        convert: async (u) => u,
        key: () => String(batches++),
      },
      options,
      this.hooks,
    );
  }
}
