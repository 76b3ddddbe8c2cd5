import type { Stores } from "../interfaces.js";
import { KyselyCommitLogStore } from "./commit-log.js";
import type { StoreContext } from "./common.js";
import { KyselyConsentStore } from "./consent.js";
import { KyselyCursorStore } from "./cursors.js";
import { KyselyDeviceSyncStore } from "./device-sync.js";
import { KyselyGroupStore } from "./groups.js";
import { KyselyIdentityStore } from "./identity.js";
import {
  KyselyAssociationStateCache,
  KyselyIdentityUpdateStore,
  KyselyInboxIdCache,
} from "./identity-updates.js";
import { KyselyIntentStore } from "./intents.js";
import { KyselyKeyPackageHistoryStore } from "./key-package-history.js";
import { KyselyMessageDeletionStore } from "./message-deletions.js";
import { KyselyMessageStore } from "./messages.js";
import { KyselyMlsStateStore } from "./mls.js";
import { KyselyPendingRemoveStore } from "./pending-removes.js";
import { KyselyPreferencesStore } from "./preferences.js";
import { KyselyTaskStore } from "./tasks.js";

export type { StoreContext } from "./common.js";
export { MLS_STATE_FORMAT_VERSION } from "./mls.js";

/** Every store over one connection or transaction. */
export function createStores(ctx: StoreContext): Stores {
  return {
    identity: new KyselyIdentityStore(ctx),
    groups: new KyselyGroupStore(ctx),
    messages: new KyselyMessageStore(ctx),
    intents: new KyselyIntentStore(ctx),
    cursors: new KyselyCursorStore(ctx),
    identityUpdates: new KyselyIdentityUpdateStore(ctx),
    associationStates: new KyselyAssociationStateCache(ctx),
    inboxIds: new KyselyInboxIdCache(ctx),
    keyPackageHistory: new KyselyKeyPackageHistoryStore(ctx),
    consent: new KyselyConsentStore(ctx),
    preferences: new KyselyPreferencesStore(ctx),
    commitLog: new KyselyCommitLogStore(ctx),
    tasks: new KyselyTaskStore(ctx),
    pendingRemoves: new KyselyPendingRemoveStore(ctx),
    messageDeletions: new KyselyMessageDeletionStore(ctx),
    deviceSync: new KyselyDeviceSyncStore(ctx),
    mls: new KyselyMlsStateStore(ctx),
  };
}
