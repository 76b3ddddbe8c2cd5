// The client with node-sdk 6's names: Client.create(signer, options) / Client.build(identifier,
// options) over @x/mls, with the transport (@x/api-grpc, or @x/api-d14n for a gatewayHost) and
// the database (@x/db's SQLite, encrypted with dbEncryptionKey) chosen from the options.
import type { XmtpApi } from "@x/api";
import { ed25519PublicKey, fromHex, generateEd25519PrivateKey, toHex } from "@x/crypto";
import { type ClientDatabase, IdentifierKind as DbIdentifierKind, RegistrationState } from "@x/db";
import {
  type IdentitySigner,
  type Identifier as IdIdentifier,
  identifierText,
  inboxIdFor,
} from "@x/id";
import {
  type ArchiveMetadata,
  type ArchiveOptions,
  ClientError,
  type ImportSummary,
  MAX_INSTALLATIONS_PER_INBOX,
  Client as MlsClient,
  type ClientOptions as MlsClientOptions,
  VERSION_INFO,
  type VersionInfo,
  type WorkerErrorInfo,
} from "@x/mls";
import { platformOpenDb } from "#platform";
import { type DecodedMessage, toSdkMessage } from "../content/message.js";
import type { SdkContext } from "../conversations/context.js";
import { Conversations } from "../conversations/conversations.js";
import type { StreamHooks } from "../conversations/stream.js";
import {
  describeError,
  invalidArgument,
  invalidOption,
  SdkError,
  type StreamFailedError,
} from "../errors.js";
import { DebugInformation } from "./debug.js";
import { Emitter } from "./events.js";
import {
  fromIdIdentifier,
  type Identifier,
  identifierKey,
  toIdIdentifier,
  toIdIdentifiers,
} from "./identifiers.js";
import { fetchAssociationStates, type InboxState, inboxIdsOf } from "./inbox.js";
import { makeLog, type SdkLog } from "./logger.js";
import { apiFor, type CallCounts, describeNetwork } from "./network.js";
import {
  type ClientOptions,
  checkClientOptions,
  type DbLocation,
  parseDbEncryptionKey,
  type ResolvedNetwork,
  resolveDbLocation,
  resolveHistorySyncUrl,
  resolveNetwork,
  type XmtpEnv,
} from "./options.js";
import { Preferences } from "./preferences.js";
import { type AnySigner, adaptSigner, identifierOnlySigner } from "./signer.js";
import {
  canMessageWith,
  fetchInboxStatesWith,
  inboxUpdatesCountWith,
  installationIdBytes,
  isAuthorizedWith,
  type NetworkArgument,
  networkApi,
  nodeScwVerifier,
  revokeInstallationsWith,
} from "./statics.js";

/** Events a client emits (besides what it logs). */
export interface ClientEvents {
  /** A message or welcome @x/mls could not process and skipped (the conversation is unchanged). */
  skipped: { error: unknown; conversationId: string | undefined; cursor: bigint };
  /** A background worker round failed (it is retried). */
  workerError: { error: unknown; info: WorkerErrorInfo };
  /** A stream gave up (its retries ran out, or retryOnFail was false). */
  streamFailed: { error: StreamFailedError; what: string };
}

/** node-sdk's KeyPackageStatus, with our error code. */
export interface KeyPackageStatus {
  lifetime?: { notBefore: bigint; notAfter: bigint };
  validationError?: string;
  /** The typed reason (CLIENT_NO_KEY_PACKAGE, MLS_KEY_PACKAGE_LIFETIME, ...). */
  errorCode?: string;
}

/** Skips that are routine (a commit that lost its epoch to another one): logged at debug. */
const ROUTINE_SKIPS = new Set(["MLS_STALE_COMMIT"]);

interface Setup {
  mode: "create" | "build";
  signer: AnySigner | undefined;
  adapted: IdentitySigner;
  identifier: IdIdentifier;
  options: ClientOptions;
  log: SdkLog;
  network: ResolvedNetwork;
  historySyncUrl: string | undefined;
  location: DbLocation;
  key: Uint8Array | undefined;
  api: XmtpApi;
  counts: CallCounts;
}

/** How to call a static function on the same network, for error messages. */
function networkArgumentText(network: ResolvedNetwork, options: ClientOptions): string {
  if (network.kind === "d14n")
    return `{ env: "${network.env}", gatewayHost: "${network.gatewayUrl}" }`;
  if (network.kind === "v3" && options.apiUrl !== undefined) {
    return `{ env: "${network.env}", apiUrl: "${network.url}" }`;
  }
  if (network.kind === "custom") return "{ api }";
  return `"${network.env}"`;
}

export class Client {
  #mls: MlsClient | undefined;
  #pending: { inboxId: string; installationKey: Uint8Array } | undefined;
  #conversations: Conversations | undefined;
  #closed = false;
  readonly #setup: Setup;
  readonly #db: ClientDatabase;
  readonly #events: Emitter<ClientEvents>;
  readonly #inboxId: string;
  readonly #installationId: Uint8Array;
  readonly #streamHooks: StreamHooks;
  readonly preferences: Preferences;
  readonly debugInformation: DebugInformation;

  private constructor(
    setup: Setup,
    db: ClientDatabase,
    events: Emitter<ClientEvents>,
    identity: { mls: MlsClient } | { pending: { inboxId: string; installationKey: Uint8Array } },
  ) {
    this.#setup = setup;
    this.#db = db;
    this.#events = events;
    if ("mls" in identity) {
      this.#mls = identity.mls;
      this.#inboxId = identity.mls.inboxId;
      this.#installationId = identity.mls.installationIdBytes;
    } else {
      this.#pending = identity.pending;
      this.#inboxId = identity.pending.inboxId;
      this.#installationId = ed25519PublicKey(identity.pending.installationKey);
    }
    this.#streamHooks = {
      log: setup.log,
      onGaveUp: (error, what) => events.emit("streamFailed", { error, what }),
    };
    this.preferences = new Preferences(() => this.requireMls(), this.#streamHooks);
    this.debugInformation = new DebugInformation(setup.counts, () => this.#mls);
  }

  // ---- construction ----

  /**
   * Opens this installation from its database, or registers a new one (and a new inbox when the
   * signer's identifier has none; unless disableAutoRegister). A new installation for an inbox
   * that has some already is logged (which, how many), or refused with refuseNewInstallation.
   */
  static async create(signer: AnySigner, options?: ClientOptions): Promise<Client> {
    const opts = checkClientOptions(options);
    const adapted = adaptSigner(signer);
    return Client.open("create", signer, adapted, opts);
  }

  /**
   * Opens an installation already registered in its database, with no signer (operations that
   * need a signature fail with SDK_SIGNER_UNAVAILABLE).
   */
  static async build(identifier: Identifier, options?: ClientOptions): Promise<Client> {
    const opts = checkClientOptions(options);
    const id = toIdIdentifier(identifier);
    return Client.open("build", undefined, identifierOnlySigner(id), opts);
  }

  private static async open(
    mode: "create" | "build",
    signer: AnySigner | undefined,
    adapted: IdentitySigner,
    opts: ClientOptions,
  ): Promise<Client> {
    const log = makeLog(opts.loggingLevel, opts.logger);
    const network = resolveNetwork(opts);
    const historySyncUrl = resolveHistorySyncUrl(opts.historySyncUrl, network.env);
    const location = resolveDbLocation(opts, network.env);
    const key = parseDbEncryptionKey(opts.dbEncryptionKey);
    if (key !== undefined && location.kind === "memory") {
      throw invalidOption("dbEncryptionKey needs a database file: dbPath is null (in memory)");
    }
    const identifier = await adapted.getIdentifier();
    const { api, counts } = apiFor(network, opts.appVersion);
    const setup: Setup = {
      mode,
      signer,
      adapted,
      identifier,
      options: opts,
      log,
      network,
      historySyncUrl,
      location,
      key,
      api,
      counts,
    };
    const events = new Emitter<ClientEvents>((e) =>
      log.warn(`a client event listener threw: ${describeError(e)}`),
    );
    let networkInbox: string | undefined | null = null; // null: not looked up yet
    const lookup = async () => {
      if (networkInbox === null) [networkInbox] = await inboxIdsOf(api, [identifier]);
      return networkInbox;
    };
    const nonce = opts.nonce ?? 1n;
    const { db, owned, where } = await Client.openDb(setup, async () => {
      const found = await lookup();
      if (found === undefined && mode === "build") {
        throw new ClientError(
          "CLIENT_INBOX_NOT_FOUND",
          `${identifierText(identifier)} has no inbox on ${describeNetwork(network)}; Client.build opens a registered installation, make one with Client.create(signer)`,
        );
      }
      return found ?? inboxIdFor(identifier, nonce);
    });
    try {
      const stored = await db.identity.get();
      const registered = stored?.registrationState === RegistrationState.Registered;
      if (mode === "build" && stored === undefined) {
        throw new ClientError(
          "CLIENT_NOT_REGISTERED",
          `${where} holds no installation; Client.build opens a registered one, make one with Client.create(signer)`,
        );
      }
      if (mode === "create" && !registered) {
        const existing = await lookup();
        if (existing !== undefined && (stored === undefined || stored.inboxId === existing)) {
          // A registration that a crash interrupted may be on the network already.
          const own =
            stored === undefined ? undefined : toHex(ed25519PublicKey(stored.installationKeys));
          await Client.checkNewInstallation(setup, existing, where, own);
        } else if (existing === undefined) {
          log.info(`registering a new inbox for ${identifierText(identifier)}`);
        }
        if (opts.disableAutoRegister === true) {
          const pending = {
            inboxId: stored?.inboxId ?? existing ?? inboxIdFor(identifier, nonce),
            installationKey: stored?.installationKeys ?? generateEd25519PrivateKey(),
          };
          return new Client(setup, db, events, { pending });
        }
      }
      const mls = await MlsClient.create(adapted, {
        ...Client.mlsOptions(setup, db, events),
        ...(mode === "build" ? { identityStrategy: "cachedOnly" as const } : {}),
      });
      const client = new Client(setup, db, events, { mls });
      log.info(
        `client ready: inbox ${mls.inboxId}, installation ${mls.installationId}, ${describeNetwork(network)}, ${where}`,
      );
      return client;
    } catch (e) {
      if (owned) await db.close().catch(() => {});
      throw Client.explain(e, setup);
    }
  }

  private static async openDb(
    setup: Setup,
    inboxIdForPath: () => Promise<string>,
  ): Promise<{ db: ClientDatabase; owned: boolean; where: string }> {
    const location = setup.location;
    if (location.kind === "given") return { db: location.db, owned: false, where: "the given db" };
    let name: string | null;
    if (location.kind === "memory") name = null;
    else if (location.kind === "file") name = location.path;
    else name = location.pathFor(await inboxIdForPath());
    const { db, where } = await platformOpenDb(name, setup.key);
    return { db, owned: true, where };
  }

  /**
   * A new installation of an inbox that has some: at the limit it cannot be added (the error
   * says how to revoke without a client); with refuseNewInstallation it is refused; else logged.
   */
  private static async checkNewInstallation(
    setup: Setup,
    inboxId: string,
    where: string,
    own: string | undefined,
  ) {
    const { api, log, options, network } = setup;
    const [state] = await fetchAssociationStates(api, [inboxId], nodeScwVerifier(api));
    const ids = state!.installationIds().map(toHex);
    if (ids.length === 0 || (own !== undefined && ids.includes(own))) return;
    if (ids.length >= MAX_INSTALLATIONS_PER_INBOX) {
      throw Client.limitError(setup, inboxId, ids);
    }
    const list = ids.join(", ");
    if (options.refuseNewInstallation === true) {
      throw new SdkError(
        "SDK_NEW_INSTALLATION_REFUSED",
        `${where} holds no installation, and inbox ${inboxId} already has ${ids.length} (${list}); refusing to register installation ${ids.length + 1} of ${MAX_INSTALLATIONS_PER_INBOX} (refuseNewInstallation). Open the database of an existing installation (dbPath), or create without refuseNewInstallation`,
      );
    }
    log.warn(
      `registering a new installation for inbox ${inboxId}, which already has ${ids.length} (${list}): installation ${ids.length + 1} of at most ${MAX_INSTALLATIONS_PER_INBOX}. Each new database is a new installation: ${setup.location.kind === "memory" ? "an in-memory database makes one on every start, give dbPath a file" : `keep ${where} across restarts`}; revoke unused ones with Client.revokeInstallations(signer, inboxId, ids, ${networkArgumentText(network, options)})`,
    );
  }

  private static limitError(setup: Setup, inboxId: string, ids: string[] | undefined): ClientError {
    const example =
      ids === undefined
        ? "[installationId, ...]"
        : `[${ids
            .slice(0, 2)
            .map((i) => `"${i}"`)
            .join(", ")}${ids.length > 2 ? ", ..." : ""}]`;
    return new ClientError(
      "CLIENT_INSTALLATION_LIMIT",
      `inbox ${inboxId} already has ${ids?.length ?? MAX_INSTALLATIONS_PER_INBOX} installations, the most an inbox may have, and this database holds none of them. Revoke the ones you no longer use, without a client: await Client.revokeInstallations(signer, "${inboxId}", ${example}, ${networkArgumentText(setup.network, setup.options)}) (Client.fetchInboxStates(["${inboxId}"], ...) lists them); or open the database of one of them`,
    );
  }

  /** @x/mls's installation-limit error with the way out; anything else as it is. */
  private static explain(e: unknown, setup: Setup): unknown {
    if (e instanceof ClientError && e.code === "CLIENT_INSTALLATION_LIMIT") {
      const inbox = /inbox ([0-9a-f]{64})/.exec(e.message)?.[1];
      if (inbox !== undefined && !e.message.includes("revokeInstallations(signer")) {
        return Client.limitError(setup, inbox, undefined);
      }
    }
    return e;
  }

  private static mlsOptions(
    setup: Setup,
    db: ClientDatabase,
    events: Emitter<ClientEvents>,
  ): MlsClientOptions {
    const { options, log, api } = setup;
    return {
      api,
      db,
      scwVerifier: nodeScwVerifier(api),
      ...(options.codecs === undefined ? {} : { codecs: options.codecs }),
      ...(options.disableDeviceSync === undefined
        ? {}
        : { disableDeviceSync: options.disableDeviceSync }),
      ...(setup.historySyncUrl === undefined ? {} : { historySyncUrl: setup.historySyncUrl }),
      ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
      ...(options.disableWorkers === undefined ? {} : { disableWorkers: options.disableWorkers }),
      onSkipped: (error, where) => {
        const conversationId = where.groupId === undefined ? undefined : toHex(where.groupId);
        const code = (error as { code?: unknown } | null)?.code;
        const text = `skipped ${conversationId === undefined ? "a welcome" : `a message of conversation ${conversationId}`} at cursor ${where.cursor}: ${describeError(error)}`;
        if (typeof code === "string" && ROUTINE_SKIPS.has(code)) log.debug(text);
        else log.warn(text);
        events.emit("skipped", { error, conversationId, cursor: where.cursor });
        try {
          options.onSkipped?.(error, where);
        } catch (e) {
          log.warn(`onSkipped threw: ${describeError(e)}`);
        }
      },
      onWorkerError: (error, info) => {
        log.info(
          `background ${info.worker} failed (${info.failures} in a row; again in ${info.retryInMs} ms): ${describeError(error)}`,
        );
        events.emit("workerError", { error, info });
      },
    };
  }

  /**
   * Registers the installation of a client made with disableAutoRegister (signed by its signer).
   * Nothing to do when it is registered.
   */
  async register(): Promise<void> {
    if (this.#mls !== undefined || this.#pending === undefined) return;
    const setup = this.#setup;
    if (setup.mode === "build") {
      throw new SdkError(
        "SDK_SIGNER_UNAVAILABLE",
        "a client made with Client.build cannot register",
      );
    }
    try {
      this.#mls = await MlsClient.create(setup.adapted, {
        ...Client.mlsOptions(setup, this.#db, this.#events),
        identityStrategy: "external",
        identity: this.#pending,
      });
    } catch (e) {
      throw Client.explain(e, setup);
    }
    this.#pending = undefined;
  }

  // ---- who ----

  get inboxId(): string {
    return this.#inboxId;
  }

  /** Hex installation id. */
  get installationId(): string {
    return toHex(this.#installationId);
  }

  get installationIdBytes(): Uint8Array {
    return this.#installationId;
  }

  /** The identifier the client was made with. */
  get accountIdentifier(): Identifier {
    return fromIdIdentifier(this.#setup.identifier);
  }

  get isRegistered(): boolean {
    return this.#mls !== undefined;
  }

  get env(): XmtpEnv {
    return this.#setup.network.env;
  }

  get appVersion(): string | undefined {
    return this.#setup.options.appVersion;
  }

  get options(): ClientOptions {
    return this.#setup.options;
  }

  /** The signer given to Client.create (undefined for Client.build). */
  get signer(): AnySigner | undefined {
    return this.#setup.signer;
  }

  /** The libxmtp version this client is wire-compatible with. */
  get libxmtpVersion(): string {
    return VERSION_INFO.libxmtp;
  }

  static get version(): VersionInfo {
    return VERSION_INFO;
  }

  /** The @x/mls client underneath (its full API). */
  get mls(): MlsClient {
    return this.requireMls();
  }

  get conversations(): Conversations {
    if (this.#conversations === undefined) {
      this.#conversations = new Conversations(this.context());
    }
    return this.#conversations;
  }

  /** Listens to a client event; returns the function that stops listening. */
  on<K extends keyof ClientEvents>(
    name: K,
    listener: (event: ClientEvents[K]) => void,
  ): () => void {
    return this.#events.on(name, listener);
  }

  off<K extends keyof ClientEvents>(name: K, listener: (event: ClientEvents[K]) => void): void {
    this.#events.off(name, listener);
  }

  private requireMls(): MlsClient {
    if (this.#closed) {
      throw new ClientError(
        "CLIENT_CLOSED",
        "the client is closed; make a new one with Client.create",
      );
    }
    if (this.#mls === undefined) {
      throw new SdkError(
        "SDK_NOT_REGISTERED",
        "this client is not registered (disableAutoRegister); call client.register() first",
      );
    }
    return this.#mls;
  }

  private context(): SdkContext {
    const mls = this.requireMls();
    const { api, log } = this.#setup;
    return {
      mls,
      db: this.#db,
      api,
      log,
      codecs: mls.codecs,
      streamHooks: this.#streamHooks,
      getMessageById: (id) => this.getMessageById(id),
      requireInboxIds: (identifiers) => this.requireInboxIds(identifiers),
    };
  }

  private async getMessageById(id: string): Promise<DecodedMessage | undefined> {
    if (typeof id !== "string" || !/^[0-9a-fA-F]{64}$/.test(id)) {
      throw invalidArgument("a message id is 64 hex characters");
    }
    const mls = this.requireMls();
    const row = await this.#db.messages.get(fromHex(id.toLowerCase()));
    if (row === undefined) return undefined;
    const conversation = await mls.conversations.getConversationById(toHex(row.groupId));
    if (conversation === undefined) return undefined;
    const around = await conversation.messages({
      sentAfterNs: row.sentAtNs > 0n ? row.sentAtNs - 1n : 0n,
      sentBeforeNs: row.sentAtNs + 1n,
    });
    const found = around.find((m) => m.id === id.toLowerCase());
    return found === undefined ? undefined : toSdkMessage(found, mls.codecs);
  }

  private async requireInboxIds(identifiers: unknown): Promise<string[]> {
    const ids = toIdIdentifiers(identifiers);
    const found = await inboxIdsOf(this.#setup.api, ids);
    return found.map((inbox, i) => {
      if (inbox === undefined) {
        throw new ClientError(
          "CLIENT_INBOX_NOT_FOUND",
          `identifiers[${i}] (${identifierText(ids[i]!)}) has no inbox on this network; it cannot be messaged`,
        );
      }
      return inbox;
    });
  }

  // ---- lookups ----

  /** Whether each identifier has an inbox (keyed by lowercased address or passkey hex). */
  async canMessage(identifiers: Identifier[]): Promise<Map<string, boolean>> {
    return canMessageWith(this.#setup.api, identifiers);
  }

  /** The inbox of an identifier, asking the network (and remembering the answer locally). */
  async fetchInboxIdByIdentifier(identifier: Identifier): Promise<string | undefined> {
    const id = toIdIdentifier(identifier);
    const [found] = await inboxIdsOf(this.#setup.api, [id]);
    if (found !== undefined) {
      await this.#db.inboxIds.put(identifierKey(id), dbKind(id), found).catch(() => {});
    }
    return found;
  }

  /** The inbox of an identifier as this database last saw it (no network). */
  async getInboxIdByIdentifier(identifier: Identifier): Promise<string | undefined> {
    const id = toIdIdentifier(identifier);
    return this.#db.inboxIds.get(identifierKey(id), dbKind(id));
  }

  /** How many identity updates each inbox has used (of 256), from the network. */
  async fetchLatestInboxUpdatesCount(inboxIds: string[]): Promise<Record<string, number>> {
    return inboxUpdatesCountWith(this.#setup.api, inboxIds);
  }

  /** How many identity updates this inbox has used (of 256), from the network. */
  async fetchOwnInboxUpdatesCount(): Promise<number> {
    return (await inboxUpdatesCountWith(this.#setup.api, [this.inboxId]))[this.inboxId] ?? 0;
  }

  /** Each installation's key package on the network: usable, or why not. */
  async fetchKeyPackageStatuses(
    installationIds: string[],
  ): Promise<Record<string, KeyPackageStatus>> {
    const ids = installationIdBytes(installationIds);
    const statuses = await this.requireMls().keyPackageStatuses(ids);
    const out: Record<string, KeyPackageStatus> = {};
    for (const [id, s] of statuses) {
      out[id] = s.valid
        ? {
            lifetime: {
              notBefore: s.keyPackage.lifetime.notBefore,
              notAfter: s.keyPackage.lifetime.notAfter,
            },
          }
        : { validationError: s.error.message, errorCode: s.error.code };
    }
    return out;
  }

  // ---- identity (each publishes one identity update, signed by the client's signer) ----

  async revokeAllOtherInstallations(): Promise<void> {
    await this.requireMls().revokeAllOtherInstallations();
  }

  async revokeInstallations(installationIds: (string | Uint8Array)[]): Promise<void> {
    await this.requireMls().revokeInstallations(installationIdBytes(installationIds));
  }

  /** Adds another wallet to this inbox (node-sdk's unsafe_addAccount). */
  async unsafe_addAccount(newSigner: AnySigner, allowInboxReassign = false): Promise<void> {
    await this.requireMls().addAccount(adaptSigner(newSigner), {
      allowReassignInboxId: allowInboxReassign,
    });
  }

  async removeAccount(identifier: Identifier): Promise<void> {
    await this.requireMls().removeAccount(toIdIdentifier(identifier));
  }

  async changeRecoveryIdentifier(identifier: Identifier): Promise<void> {
    await this.requireMls().changeRecoveryIdentifier(toIdIdentifier(identifier));
  }

  // ---- device sync and archives ----

  /** Asks our other installations for history; returns the request id. */
  async sendSyncRequest(): Promise<string> {
    return this.requireMls().sendSyncRequest();
  }

  /** Fetches and handles what our other installations sent (node-sdk's syncAllDeviceSyncGroups). */
  async syncAllDeviceSyncGroups(): Promise<void> {
    await this.requireMls().syncPreferences();
  }

  async createArchive(
    file: string,
    options: ArchiveOptions | undefined,
    key: Uint8Array,
  ): Promise<void> {
    return this.requireMls().createArchive(file, options, key);
  }

  async importArchive(file: string, key: Uint8Array): Promise<ImportSummary> {
    return this.requireMls().importArchive(file, key);
  }

  async archiveMetadata(file: string, key: Uint8Array): Promise<ArchiveMetadata> {
    return this.requireMls().archiveMetadata(file, key);
  }

  // ---- lifecycle ----

  /** Stops the workers and every stream, and closes the database. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#mls !== undefined) await this.#mls.close();
    else if (this.#setup.location.kind !== "given") await this.#db.close();
  }

  // ---- static: no client needed ----

  /** Inbox states from the network (no client, no database). */
  static async fetchInboxStates(
    inboxIds: string[],
    network?: NetworkArgument,
    gatewayHost?: string,
  ): Promise<InboxState[]> {
    return await fetchInboxStatesWith(networkApi(network, gatewayHost), inboxIds);
  }

  /**
   * Revokes installations of an inbox, signed by its recovery identifier's signer, with no client:
   * the way out when the inbox is at its installation limit and Client.create cannot add one.
   */
  static async revokeInstallations(
    signer: AnySigner,
    inboxId: string,
    installationIds: (string | Uint8Array)[],
    network?: NetworkArgument,
    gatewayHost?: string,
  ): Promise<void> {
    return await revokeInstallationsWith(
      networkApi(network, gatewayHost),
      signer,
      inboxId,
      installationIds,
    );
  }

  /** How many identity updates each inbox has used (an inbox has 256 in all, for good). */
  static async fetchLatestInboxUpdatesCount(
    inboxIds: string[],
    network?: NetworkArgument,
    gatewayHost?: string,
  ): Promise<Record<string, number>> {
    return await inboxUpdatesCountWith(networkApi(network, gatewayHost), inboxIds);
  }

  /** Whether an address (an Ethereum identifier) belongs to the inbox now. */
  static async isAddressAuthorized(
    inboxId: string,
    address: string,
    network?: NetworkArgument,
    gatewayHost?: string,
  ): Promise<boolean> {
    return await isAuthorizedWith(networkApi(network, gatewayHost), inboxId, {
      identifier: { identifier: address, identifierKind: 0 },
    });
  }

  /** Whether an installation (hex id or bytes) belongs to the inbox now. */
  static async isInstallationAuthorized(
    inboxId: string,
    installationId: string | Uint8Array,
    network?: NetworkArgument,
    gatewayHost?: string,
  ): Promise<boolean> {
    return await isAuthorizedWith(networkApi(network, gatewayHost), inboxId, { installationId });
  }

  /** Whether each identifier has an inbox on the network. */
  static async canMessage(
    identifiers: Identifier[],
    network?: NetworkArgument,
    gatewayHost?: string,
  ): Promise<Map<string, boolean>> {
    return await canMessageWith(networkApi(network, gatewayHost), identifiers);
  }
}

function dbKind(id: IdIdentifier) {
  return id.kind === "ethereum" ? DbIdentifierKind.Ethereum : DbIdentifierKind.Passkey;
}
