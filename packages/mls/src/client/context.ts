// What every part of a client shares: the network, the database, who we are.
import type { XmtpApi } from "@x/api";
import type { CodecRegistry } from "@x/content-types";
import type { ClientDatabase } from "@x/db";
import { newHmacRootKey, type XmtpIdentity } from "../engine/index.js";
import type { IdentityUpdates } from "./identity.js";
import type { KeyedLock } from "./lock.js";
import type { StreamRegistry } from "./stream.js";
import type { PreferenceHub } from "./sync/preference-hub.js";
import type { WorkerRunner } from "./workers/runner.js";

export interface ClientContext {
  /** For what the app asks for: sends, commits, key packages, identity updates. */
  api: XmtpApi;
  /** For reading back: group messages and identity updates (libxmtp's sync API client). */
  syncApi: XmtpApi;
  db: ClientDatabase;
  identity: XmtpIdentity;
  identities: IdentityUpdates;
  codecs: CodecRegistry;
  lock: KeyedLock;
  /** Called for every incoming message or welcome that was skipped with an error. */
  onSkipped: (error: unknown, where: { groupId?: Uint8Array; cursor: bigint }) => void;
  /** The clock for key-package rotation and deletion, in ns (injectable for tests). */
  clock?: () => bigint;
  /** Open streams (ended on close and release). */
  streams: StreamRegistry;
  /** The background workers, when they run. */
  workers?: WorkerRunner;
  /** Told the hex id of every message this client saw deleted (streamMessageDeletions). */
  deletionListeners: Set<(messageId: string) => void>;
  /** Consent and HMAC-key changes: told to preference streams and to our other installations. */
  prefs: PreferenceHub;
}

/** The inbox's HMAC root key (libxmtp user_preferences.hmac_key), made on first use. */
export async function hmacRootKey(db: ClientDatabase): Promise<Uint8Array> {
  const prefs = await db.preferences.get();
  if (prefs.hmacKey !== null) return prefs.hmacKey;
  const key = newHmacRootKey();
  await db.preferences.setHmacKey(key, BigInt(Date.now()) * 1_000_000n);
  return key;
}

export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
