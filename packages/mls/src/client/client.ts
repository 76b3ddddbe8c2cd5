// The XMTP client: `Client.create(signer, options)` loads or registers this installation, then
// gives conversations, inbox state and reachability checks (the node-sdk API, typed).
import { XmtpApi, type XmtpApiClient } from "@x/api";
import { CodecRegistry, type ContentCodec } from "@x/content-types";
import { ed25519PublicKeyAsync, fromHex, generateEd25519PrivateKey, toHex } from "@x/crypto";
import { type ClientDatabase, RegistrationState } from "@x/db";
import {
  type Identifier,
  identityUpdateToProto,
  inboxIdFor,
  installationIdentifier,
  SignatureRequestBuilder,
  type Signer,
  type SmartContractSignatureVerifier,
  toIdentitySigner,
} from "@x/id";
import {
  encodeMlsCredential,
  type KeyPackageError,
  type VerifiedKeyPackage,
  validateKeyPackage,
  type XmtpIdentity,
} from "../engine/index.js";
import { VERSION_INFO, type VersionInfo } from "../version.js";
import { Preferences } from "./consent.js";
import type { ClientContext } from "./context.js";
import { Conversations } from "./conversations.js";
import { ClientError } from "./errors.js";
import { IdentityUpdates, type InboxState } from "./identity.js";
import * as identityOps from "./identity-ops.js";
import { keyPackageUploaded, newStoredKeyPackage, rotateKeyPackage } from "./key-packages.js";
import { KeyedLock } from "./lock.js";
import { StreamRegistry } from "./stream.js";
import {
  type ArchiveMetadata,
  type ArchiveOptions,
  type ArchiveSource,
  archiveFileMetadata,
  archiveMetadata,
  createArchiveFile,
  exportArchive,
  type ImportArchiveOptions,
  type ImportSummary,
  importArchive,
  importArchiveFile,
} from "./sync/archive/index.js";
import { DeviceSync } from "./sync/device-sync.js";
import { DeviceSyncWorker } from "./sync/device-sync-worker.js";
import { PreferenceHub } from "./sync/preference-hub.js";
import { clientWorkers } from "./workers/client-workers.js";
import { queueKeyRotation } from "./workers/key-package-maintenance.js";
import type { WorkerErrorInfo, WorkerStatus } from "./workers/runner.js";

/** libxmtp's limit of installations per inbox, enforced at registration. */
export const MAX_INSTALLATIONS_PER_INBOX = 10;

/** An installation the application made and keeps itself (identityStrategy "external"). */
export interface ExternalIdentity {
  inboxId: string;
  /** The installation's 32-byte Ed25519 private key (seed); its public key is the installation id. */
  installationKey: Uint8Array;
}

export interface ClientOptions {
  /** Any @x/api implementation (e.g. @x/api-grpc's createGrpcApiClient), or a configured XmtpApi. */
  api: XmtpApiClient | XmtpApi;
  /**
   * A second API client for reading back group messages and identity updates, as libxmtp 1.9.1's
   * sync API client (e.g. its own connection, so long reads do not queue behind sends).
   * Default: `api`.
   */
  syncApi?: XmtpApiClient | XmtpApi;
  /** Any @x/db ClientDatabase (e.g. @x/db/sqlite's openSqliteDatabase). One per installation. */
  db: ClientDatabase;
  /**
   * "createIfNotFound" (default): register a new installation (and inbox) when the database has
   * none. "cachedOnly": fail with CLIENT_NOT_REGISTERED instead. "external": use the installation
   * in `identity` (registered with the signer if the network does not know it yet).
   */
  identityStrategy?: "createIfNotFound" | "cachedOnly" | "external";
  /** The installation, with identityStrategy "external". */
  identity?: ExternalIdentity;
  /**
   * Do not run background workers (key-package rotation and cleanup). The app then calls
   * `rotateKeyPackage()` itself; a welcome then rotates the key package at once (with workers, 5 s
   * later, so a burst of welcomes rotates once).
   */
  disableWorkers?: boolean;
  /**
   * libxmtp's device-sync mode (default "enabled"): the installations of an inbox share history,
   * consent and the HMAC key through a sync group. "disabled": no sync group is made or joined.
   */
  deviceSyncMode?: "enabled" | "disabled";
  /** node-sdk's name for deviceSyncMode "disabled". */
  disableDeviceSync?: boolean;
  /**
   * The history server (e.g. `x node`'s, http://127.0.0.1:5558) this installation uploads
   * history archives to when another installation asks. Without one it never answers requests
   * (as libxmtp) but still receives history from installations that have one.
   */
  historySyncUrl?: string | null;
  /** Told about every failed worker round or task; they are retried (default: ignored). */
  onWorkerError?: (error: unknown, info: WorkerErrorInfo) => void;
  /** Nonce for a new inbox id (libxmtp's default is 1). */
  nonce?: bigint;
  /** Verifies smart-contract-wallet signatures in identity updates. */
  scwVerifier?: SmartContractSignatureVerifier;
  /** Extra content codecs (text, group_updated and the other built-ins are always there). */
  codecs?: ContentCodec<unknown>[];
  /** Build without contacting the network (needs a registered identity in the database). */
  offline?: boolean;
  /** Told about every message or welcome skipped because of an error (default: ignored). */
  onSkipped?: ClientContext["onSkipped"];
  /** Clock in ns since the epoch for key-package rotation and deletion (default: the wall clock). */
  clock?: () => bigint;
}

/** A key package fetched for an installation: usable, or why not. */
export type KeyPackageStatus =
  | { valid: true; keyPackage: VerifiedKeyPackage }
  | {
      valid: false;
      /**
       * CLIENT_NO_KEY_PACKAGE (the node has none), CLIENT_INSTALLATION_NOT_IN_INBOX (revoked, or never
       * added), or the KeyPackageError of the check that failed: MLS_KEY_PACKAGE_MALFORMED,
       * MLS_KEY_PACKAGE_INVALID (signature, ciphersuite, extensions), MLS_KEY_PACKAGE_CREDENTIAL,
       * MLS_KEY_PACKAGE_LIFETIME.
       */
      error: ClientError | KeyPackageError;
    };

/** Most installation ids one keyPackageStatuses() call takes (libxmtp's add limit is 250 members). */
const MAX_STATUS_IDS = 1_000;

export interface InboxStateView {
  inboxId: string;
  recoveryIdentifier: Identifier;
  identifiers: Identifier[];
  installations: { id: string }[];
  sequenceId: bigint;
}

async function decodeInstallationKey(bytes: Uint8Array): Promise<XmtpIdentity["installationKey"]> {
  if (bytes.length !== 32) {
    throw new ClientError(
      "CLIENT_IDENTITY_INVALID",
      "the stored installation key is not a 32-byte Ed25519 seed",
    );
  }
  return { privateKey: bytes, publicKey: await ed25519PublicKeyAsync(bytes) };
}

function checkExternalIdentity(identity: ExternalIdentity | undefined): ExternalIdentity {
  if (
    typeof identity !== "object" ||
    identity === null ||
    typeof identity.inboxId !== "string" ||
    !/^[0-9a-f]{64}$/.test(identity.inboxId) ||
    !(identity.installationKey instanceof Uint8Array) ||
    identity.installationKey.length !== 32
  ) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      'identityStrategy "external" needs identity: { inboxId: 64 lowercase hex characters, installationKey: a 32-byte Ed25519 private key }',
    );
  }
  return identity;
}

function installationIdBytes(id: string | Uint8Array, i: number): Uint8Array {
  if (id instanceof Uint8Array && id.length === 32) return id;
  if (typeof id === "string" && /^[0-9a-fA-F]{64}$/.test(id)) {
    return fromHex(id.toLowerCase());
  }
  throw new ClientError(
    "CLIENT_INVALID_ARGUMENT",
    `installationIds[${i}] is not a 32-byte installation id (bytes, or 64 hex characters)`,
  );
}

function checkHistoryUrl(url: unknown): string | undefined {
  if (url === undefined || url === null || url === "") return undefined;
  if (typeof url !== "string" || !/^https?:\/\/[^\s/]+/.test(url)) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      `historySyncUrl must be an http(s) URL, got ${JSON.stringify(url)}`,
    );
  }
  return url.replace(/\/+$/, "");
}

const closedError = () =>
  new ClientError("CLIENT_CLOSED", "the client is closed; build a new one with Client.create");

export class Client {
  readonly conversations: Conversations;
  /** Consent records (per conversation and per inbox). */
  readonly preferences: Preferences;

  #closed = false;
  #released = false;
  /** libxmtp's device-sync mode, as given at build. */
  readonly deviceSyncMode: "enabled" | "disabled";
  /** @internal */
  readonly deviceSync: DeviceSync;

  private constructor(
    private readonly ctx: ClientContext,
    private readonly signer: Signer,
    private readonly scwVerifier: SmartContractSignatureVerifier | undefined,
    options: ClientOptions,
  ) {
    this.deviceSyncMode =
      options.disableDeviceSync === true ? "disabled" : (options.deviceSyncMode ?? "enabled");
    this.conversations = new Conversations(ctx, (ids) => this.requireInboxIds(ids));
    this.deviceSync = new DeviceSync(
      ctx,
      {
        enabled: this.deviceSyncMode === "enabled",
        historySyncUrl: checkHistoryUrl(options.historySyncUrl),
      },
      () => this.conversations.sync(),
    );
    if (this.deviceSync.enabled) this.conversations.deviceSync = this.deviceSync;
    this.preferences = new Preferences(ctx.db, ctx.prefs, ctx.streams, () =>
      this.deviceSync.syncPreferences(),
    );
  }

  get inboxId(): string {
    return this.ctx.identity.inboxId;
  }

  /** Hex installation id (the installation's Ed25519 public key). */
  get installationId(): string {
    return toHex(this.ctx.identity.installationKey.publicKey);
  }

  get installationIdBytes(): Uint8Array {
    return this.ctx.identity.installationKey.publicKey;
  }

  get codecs(): CodecRegistry {
    return this.ctx.codecs;
  }

  /**
   * Loads this installation from the database, or creates and registers one: a new inbox
   * (CreateInbox + AddAssociation) when the signer's identifier has none, else a new installation
   * of its inbox (at most 10). The key package is uploaded before the identity update.
   */
  static async create(signer: Signer, options: ClientOptions): Promise<Client> {
    const api = options.api instanceof XmtpApi ? options.api : new XmtpApi(options.api);
    const syncApi =
      options.syncApi === undefined
        ? api
        : options.syncApi instanceof XmtpApi
          ? options.syncApi
          : new XmtpApi(options.syncApi);
    const db = options.db;
    const identities = new IdentityUpdates(api, db, options.scwVerifier, syncApi);
    const adapted = toIdentitySigner(signer);
    const identifier = await adapted.getIdentifier();
    let stored = await db.identity.get();
    if (options.identityStrategy === "external") {
      const ext = checkExternalIdentity(options.identity);
      if (stored === undefined) {
        stored = {
          inboxId: ext.inboxId,
          installationKeys: ext.installationKey.slice(),
          credentialBytes: encodeMlsCredential(ext.inboxId),
          registrationState: RegistrationState.Pending,
          registrationCursor: null,
          nextKeyPackageRotationNs: null,
        };
        await db.identity.create(stored);
      } else if (
        stored.inboxId !== ext.inboxId ||
        toHex(stored.installationKeys) !== toHex(ext.installationKey)
      ) {
        throw new ClientError(
          "CLIENT_IDENTITY_MISMATCH",
          `this database holds installation of inbox ${stored.inboxId}, not the external identity given (inbox ${ext.inboxId}); use the database of that installation`,
        );
      }
    }
    if (stored === undefined) {
      if (options.identityStrategy === "cachedOnly" || options.offline === true) {
        throw new ClientError(
          "CLIENT_NOT_REGISTERED",
          "the database holds no installation and the identity strategy is cachedOnly (or offline); build with createIfNotFound online to register one",
        );
      }
      const [existing] = await identities.inboxIdsOf([identifier]);
      const inboxId = existing ?? inboxIdFor(identifier, options.nonce ?? 1n);
      const privateKey = generateEd25519PrivateKey();
      stored = {
        inboxId,
        installationKeys: privateKey,
        credentialBytes: encodeMlsCredential(inboxId),
        registrationState: RegistrationState.Pending,
        registrationCursor: null,
        nextKeyPackageRotationNs: null,
      };
      await db.identity.create(stored);
    }
    const identity: XmtpIdentity = {
      inboxId: stored.inboxId,
      installationKey: await decodeInstallationKey(stored.installationKeys),
    };
    const ctx: ClientContext = {
      api,
      syncApi,
      db,
      identity,
      identities,
      codecs: CodecRegistry.withDefaults(options.codecs ?? []),
      lock: new KeyedLock(),
      onSkipped: options.onSkipped ?? (() => {}),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      streams: new StreamRegistry(),
      deletionListeners: new Set(),
      prefs: new PreferenceHub(),
    };
    const client = new Client(ctx, signer, options.scwVerifier, options);
    if (options.offline !== true) {
      if (stored.registrationState !== RegistrationState.Registered) {
        await client.register(identifier, options.nonce ?? 1n);
      } else {
        const found = await identities.cachedInboxIdOf(identifier);
        if (found !== undefined && found !== identity.inboxId) {
          throw new ClientError(
            "CLIENT_IDENTITY_MISMATCH",
            `the signer's identifier belongs to inbox ${found}, but this database is inbox ${identity.inboxId}; use the database of that inbox`,
          );
        }
      }
    }
    if (options.disableWorkers !== true) {
      ctx.workers = clientWorkers(ctx, {
        ...(options.onWorkerError === undefined ? {} : { onError: options.onWorkerError }),
        handlers: {
          processPendingSelfRemove: async (p) => {
            await client.conversations.processPendingSelfRemove(p.groupId);
            return { kind: "done" };
          },
          processWelcomePointer: async (p, task) => {
            await client.conversations.processWelcomePointerTask(p, task);
            return { kind: "done" };
          },
          sendSyncArchive: async (p) => {
            await client.deviceSync.sendArchive(p);
            return { kind: "done" };
          },
        },
        workers: client.deviceSync.enabled ? [new DeviceSyncWorker(client.deviceSync)] : [],
      });
      ctx.workers.start();
    }
    return client;
  }

  private async register(identifier: Identifier, nonce: bigint): Promise<void> {
    const { api, db, identity, identities } = this.ctx;
    const installation = installationIdentifier(identity.installationKey.publicKey);
    let inboxExists = true;
    try {
      const current = (await identities.latest([identity.inboxId])).get(identity.inboxId)!;
      if (current.state.installationIds().some((k) => toHex(k) === this.installationId)) {
        // Registered before a crash, but not recorded: just record it.
        await db.identity.setRegistered({ originatorId: 0, sequenceId: current.sequenceId });
        return;
      }
      if (current.state.installationIds().length >= MAX_INSTALLATIONS_PER_INBOX) {
        throw new ClientError(
          "CLIENT_INSTALLATION_LIMIT",
          `inbox ${identity.inboxId} already has ${MAX_INSTALLATIONS_PER_INBOX} installations; revoke one before adding another`,
        );
      }
    } catch (e) {
      if (!(e instanceof ClientError) || e.code !== "CLIENT_INBOX_NOT_FOUND") throw e;
      inboxExists = false;
    }
    if (!inboxExists && inboxIdFor(identifier, nonce) !== identity.inboxId) {
      throw new ClientError(
        "CLIENT_IDENTITY_MISMATCH",
        `inbox ${identity.inboxId} does not exist, and the signer (nonce ${nonce}) would create inbox ${inboxIdFor(identifier, nonce)}; sign with the inbox's identifier or use its nonce`,
      );
    }
    // libxmtp uploads the key package first, so the installation is reachable once it appears.
    const now = this.ctx.clock?.() ?? BigInt(Date.now()) * 1_000_000n;
    const kp = await db.transaction((tx) => newStoredKeyPackage(identity, tx, now));
    await api.uploadKeyPackage(kp.bytes);
    await keyPackageUploaded(db, kp.historyId, now);

    const builder = new SignatureRequestBuilder(identity.inboxId);
    if (!inboxExists) builder.createInbox(identifier, nonce);
    builder.addAssociation(installation, identifier);
    const request = builder.build(
      this.scwVerifier === undefined ? {} : { scwVerifier: this.scwVerifier },
    );
    await request.addSignerSignature(this.signer);
    await request.addInstallationSignature(identity.installationKey.privateKey);
    try {
      await api.publishIdentityUpdate(identityUpdateToProto(request.build()));
    } catch (e) {
      // The node may have stored it and only its answer was lost: the automatic retry is then
      // refused as a second create. What counts is whether our installation is in the inbox now.
      const now = await identities.latest([identity.inboxId]).catch(() => undefined);
      const ids = now?.get(identity.inboxId)?.state.installationIds() ?? [];
      if (!ids.some((k) => toHex(k) === this.installationId)) throw e;
    }
    const after = (await identities.latest([identity.inboxId])).get(identity.inboxId)!;
    await db.identity.setRegistered({ originatorId: 0, sequenceId: after.sequenceId });
  }

  private async requireInboxIds(identifiers: readonly Identifier[]): Promise<string[]> {
    const found = await this.ctx.identities.inboxIdsOf(identifiers);
    return found.map((id, i) => {
      if (id === undefined) {
        throw new ClientError(
          "CLIENT_INBOX_NOT_FOUND",
          `identifier #${i} has no inbox on this network; it cannot be messaged`,
        );
      }
      return id;
    });
  }

  /** Whether each identifier has an inbox (keyed by lowercased address or hex key). */
  async canMessage(identifiers: readonly Identifier[]): Promise<Map<string, boolean>> {
    const found = await this.ctx.identities.inboxIdsOf(identifiers);
    const out = new Map<string, boolean>();
    identifiers.forEach((id, i) => {
      const key = id.kind === "ethereum" ? id.address.toLowerCase() : toHex(id.key);
      out.set(key, found[i] !== undefined);
    });
    return out;
  }

  async getInboxIdByIdentifier(identifier: Identifier): Promise<string | undefined> {
    return (await this.ctx.identities.inboxIdsOf([identifier]))[0];
  }

  /**
   * The association state of an inbox (ours by default): fresh from the network, or with
   * `inboxState(false)` from the identity updates stored locally.
   */
  async inboxState(
    refreshOrInboxId: boolean | string = true,
    inboxId?: string,
  ): Promise<InboxStateView> {
    const refresh = typeof refreshOrInboxId === "boolean" ? refreshOrInboxId : true;
    const id = (typeof refreshOrInboxId === "string" ? refreshOrInboxId : inboxId) ?? this.inboxId;
    return this.stateView(id, refresh);
  }

  private async stateView(inboxId: string, refresh: boolean): Promise<InboxStateView> {
    if (refresh) await this.ctx.identities.refresh([inboxId]);
    const s: InboxState = await this.ctx.identities.stateOf(inboxId);
    return {
      inboxId,
      recoveryIdentifier: s.state.recoveryIdentifier,
      identifiers: s.state.identifiers(),
      installations: s.state.installationIds().map((k) => ({ id: toHex(k) })),
      sequenceId: s.sequenceId,
    };
  }
  // ---- device sync ----

  /**
   * Asks our other installations for history (messages and consent) through the sync group,
   * made first if there is none; returns the request id. One with a history server answers
   * once its app syncs; `syncPreferences()` then imports the archive.
   */
  sendSyncRequest(): Promise<string> {
    return this.deviceSync.sendSyncRequest();
  }

  /** Same as `preferences.sync()`: what our other installations sent, fetched and handled. */
  syncPreferences(): Promise<{ processed: number }> {
    return this.preferences.sync();
  }

  // ---- archives (libxmtp's create_archive / import_archive / archive_metadata) ----

  /**
   * Writes an archive of this installation's conversations, messages and consent, in libxmtp
   * 1.9.1's format, encrypted with `key` (32 bytes): to a file (Node), or to a WritableStream.
   */
  async createArchive(
    target: string | WritableStream<Uint8Array>,
    options: ArchiveOptions | undefined,
    key: Uint8Array,
  ): Promise<void> {
    if (typeof target === "string") {
      return createArchiveFile(this.ctx.db, target, options, key);
    }
    const bytes = exportArchive(this.ctx.db, options, key);
    const writer = target.getWriter();
    try {
      for await (const chunk of bytes) await writer.write(chunk);
      await writer.close();
    } catch (e) {
      await writer.abort(e).catch(() => {});
      throw e;
    }
  }

  /**
   * Imports an archive (a file path, bytes or a stream): groups we do not have come as
   * read-only "restored" conversations until a welcome makes them real; only new messages are
   * added; newer consent wins. A damaged archive or a wrong key changes nothing.
   */
  importArchive(
    source: string | ArchiveSource,
    key: Uint8Array,
    options?: ImportArchiveOptions,
  ): Promise<ImportSummary> {
    return typeof source === "string"
      ? importArchiveFile(this.ctx.db, this.inboxId, source, key, options)
      : importArchive(this.ctx.db, this.inboxId, source, key, options);
  }

  /** What an archive holds and when it was made (reads only its first element). */
  archiveMetadata(source: string | ArchiveSource, key: Uint8Array): Promise<ArchiveMetadata> {
    return typeof source === "string"
      ? archiveFileMetadata(source, key)
      : archiveMetadata(source, key);
  }

  // ---- lifecycle ----

  /** The library's version and the protocol it speaks (libxmtp's version_info). */
  static get version(): VersionInfo {
    return VERSION_INFO;
  }

  get versionInfo(): VersionInfo {
    return VERSION_INFO;
  }

  /** The background workers: each one's rounds, failures in a row and last error. */
  workerStatus(): WorkerStatus[] {
    return this.ctx.workers?.status() ?? [];
  }

  /**
   * Resolves once the background workers have run their first round (libxmtp's
   * wait_for_sync_worker_init); at once when workers are disabled or released.
   */
  async waitForSyncWorkerInit(): Promise<void> {
    if (this.ctx.workers?.running === true) await this.ctx.workers.firstRounds();
  }

  /**
   * Stops the workers, ends every stream (their error: CLIENT_DB_RELEASED) and closes the database
   * connection, keeping everything stored (libxmtp's release_db_connection, e.g. when a mobile app
   * goes to the background). Until `reconnectDb()`, calls that need the database fail with
   * DbReleasedError (code "db.released", retryable).
   */
  async releaseDbConnection(): Promise<void> {
    if (this.#closed) throw closedError();
    if (this.#released) return;
    const db = this.ctx.db;
    if (
      db.releaseConnection === undefined ||
      db.reconnect === undefined ||
      db.releasable === false
    ) {
      throw new ClientError(
        "CLIENT_INVALID_ARGUMENT",
        "this database cannot release its connection (an in-memory database, or a ClientDatabase without releaseConnection/reconnect); open a file or Postgres database to use it",
      );
    }
    this.#released = true;
    await this.ctx.workers?.stop();
    await this.ctx.streams.endAll(
      new ClientError(
        "CLIENT_DB_RELEASED",
        "the client released its database connection (releaseDbConnection); start the stream again after reconnectDb()",
      ),
    );
    await db.releaseConnection();
  }

  /** Reopens the database after `releaseDbConnection()` and restarts the workers. */
  async reconnectDb(): Promise<void> {
    if (this.#closed) throw closedError();
    if (!this.#released) return;
    await this.ctx.db.reconnect?.();
    this.#released = false;
    this.ctx.workers?.start();
  }

  /**
   * Stops the workers, ends every stream and closes the database. The client cannot be used
   * afterwards (calls fail with DbClosedError); build a new one to go on.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.ctx.workers?.stop();
    await this.ctx.streams.endAll();
    await this.ctx.db.close();
  }

  /**
   * Asks for a key-package rotation within 5 s unless one is due sooner (libxmtp's
   * queue_key_rotation). Without workers, nothing rotates until `rotateKeyPackage()`.
   */
  async queueKeyRotation(): Promise<void> {
    await queueKeyRotation(this.ctx.db, this.ctx.clock?.() ?? BigInt(Date.now()) * 1_000_000n);
    this.ctx.workers?.wake("tasks");
  }

  /** Makes, stores and uploads a new key package now; the old one is deleted 24 h later. */
  async rotateKeyPackage(): Promise<void> {
    await rotateKeyPackage(
      this.ctx.identity,
      this.ctx.db,
      this.ctx.api,
      this.ctx.clock?.() ?? BigInt(Date.now()) * 1_000_000n,
    );
  }

  /**
   * The key package the node serves for each installation (hex ids or bytes), checked as an add
   * checks it: the validated key package, or the error saying why it cannot be used (libxmtp's
   * get_key_packages_for_installation_ids, plus the check that the installation is in its inbox).
   * Keyed by hex installation id.
   */
  async keyPackageStatuses(
    installationIds: readonly (string | Uint8Array)[],
  ): Promise<Map<string, KeyPackageStatus>> {
    if (!Array.isArray(installationIds) || installationIds.length > MAX_STATUS_IDS) {
      throw new ClientError(
        "CLIENT_INVALID_ARGUMENT",
        `installationIds must be an array of at most ${MAX_STATUS_IDS} ids`,
      );
    }
    const ids = installationIds.map((id, i) => installationIdBytes(id, i));
    const out = new Map<string, KeyPackageStatus>();
    if (ids.length === 0) return out;
    const fetched = await this.ctx.api.fetchKeyPackages(ids);
    const now = new Date(
      Number((this.ctx.clock?.() ?? BigInt(Date.now()) * 1_000_000n) / 1_000_000n),
    );
    const verified = await Promise.all(
      ids.map(async (id, i): Promise<KeyPackageStatus> => {
        const bytes = fetched[i];
        if (bytes === undefined || bytes.length === 0) {
          return {
            valid: false,
            error: new ClientError(
              "CLIENT_NO_KEY_PACKAGE",
              `the node has no key package for installation ${toHex(id)}`,
            ),
          };
        }
        try {
          const kp = await validateKeyPackage(bytes, { now });
          if (toHex(kp.installationId) !== toHex(id)) {
            return {
              valid: false,
              error: new ClientError(
                "CLIENT_INSTALLATION_NOT_IN_INBOX",
                `the key package served for installation ${toHex(id)} is signed by installation ${toHex(kp.installationId)}`,
              ),
            };
          }
          return { valid: true, keyPackage: kp };
        } catch (e) {
          return { valid: false, error: e as KeyPackageError };
        }
      }),
    );
    // The installation must be in its inbox's current association state.
    const inboxes = [...new Set(verified.flatMap((v) => (v.valid ? [v.keyPackage.inboxId] : [])))];
    const states = inboxes.length === 0 ? new Map() : await this.ctx.identities.latest(inboxes);
    for (const [i, id] of ids.entries()) {
      const v = verified[i]!;
      const key = toHex(id);
      if (!v.valid) {
        out.set(key, v);
        continue;
      }
      const state = states.get(v.keyPackage.inboxId);
      const member = state?.state.installationIds().some((k: Uint8Array) => toHex(k) === key);
      out.set(
        key,
        member === true
          ? v
          : {
              valid: false,
              error: new ClientError(
                "CLIENT_INSTALLATION_NOT_IN_INBOX",
                `installation ${key} is not in the association state of inbox ${v.keyPackage.inboxId} (revoked, or never added)`,
              ),
            },
      );
    }
    return out;
  }

  // ---- identity operations (each publishes one IdentityUpdate; returns our state after it) ----

  private get opsDeps(): identityOps.IdentityOpsDeps {
    return { ctx: this.ctx, signer: this.signer, scwVerifier: this.scwVerifier };
  }

  /**
   * Adds the wallet of `newSigner` to this inbox (signed by it and by this installation).
   * CLIENT_IDENTIFIER_TAKEN when it already has an inbox, unless `allowReassignInboxId`.
   */
  async addAccount(
    newSigner: Signer,
    options: { allowReassignInboxId?: boolean } = {},
  ): Promise<InboxStateView> {
    await identityOps.addAccount(this.opsDeps, newSigner, options);
    return this.stateView(this.inboxId, true);
  }

  /** Removes a wallet and the installations it added. Signed by the recovery identifier. */
  async removeAccount(identifier: Identifier, recoverySigner?: Signer): Promise<InboxStateView> {
    await identityOps.removeAccount(this.opsDeps, identifier, recoverySigner);
    return this.stateView(this.inboxId, true);
  }

  /** Revokes installations (hex ids or bytes). Signed by the recovery identifier. */
  async revokeInstallations(
    installationIds: readonly (string | Uint8Array)[],
    recoverySigner?: Signer,
  ): Promise<InboxStateView> {
    await identityOps.revokeInstallations(this.opsDeps, installationIds, recoverySigner);
    return this.stateView(this.inboxId, true);
  }

  /** Revokes every installation of this inbox but this one. Signed by the recovery identifier. */
  async revokeAllOtherInstallations(recoverySigner?: Signer): Promise<InboxStateView> {
    await identityOps.revokeAllOtherInstallations(this.opsDeps, recoverySigner);
    return this.stateView(this.inboxId, true);
  }

  /** Makes `identifier` the recovery identifier. Signed by the current recovery identifier. */
  async changeRecoveryIdentifier(
    identifier: Identifier,
    recoverySigner?: Signer,
  ): Promise<InboxStateView> {
    await identityOps.changeRecoveryIdentifier(this.opsDeps, identifier, recoverySigner);
    return this.stateView(this.inboxId, true);
  }
}
