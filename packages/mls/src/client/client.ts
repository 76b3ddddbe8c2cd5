// The XMTP client: `Client.create(signer, options)` loads or registers this installation, then
// gives conversations, inbox state and reachability checks (the node-sdk API, typed).
import { XmtpApi, type XmtpApiClient } from "@x/api";
import { CodecRegistry, type ContentCodec } from "@x/content-types";
import { ed25519PublicKeyAsync, generateEd25519PrivateKey, toHex } from "@x/crypto";
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
import { encodeMlsCredential, type XmtpIdentity } from "../engine/index.js";
import { Preferences } from "./consent.js";
import type { ClientContext } from "./context.js";
import { Conversations } from "./conversations.js";
import { ClientError } from "./errors.js";
import { IdentityUpdates, type InboxState } from "./identity.js";
import * as identityOps from "./identity-ops.js";
import { newStoredKeyPackage } from "./key-packages.js";
import { KeyedLock } from "./lock.js";

/** libxmtp's limit of installations per inbox, enforced at registration. */
export const MAX_INSTALLATIONS_PER_INBOX = 10;

export interface ClientOptions {
  /** Any @x/api implementation (e.g. @x/api-grpc's createGrpcApiClient), or a configured XmtpApi. */
  api: XmtpApiClient | XmtpApi;
  /** Any @x/db ClientDatabase (e.g. @x/db/sqlite's openSqliteDatabase). One per installation. */
  db: ClientDatabase;
  /**
   * "createIfNotFound" (default): register a new installation (and inbox) when the database has
   * none. "cachedOnly": fail with CLIENT_NOT_REGISTERED instead.
   */
  identityStrategy?: "createIfNotFound" | "cachedOnly";
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

export class Client {
  readonly conversations: Conversations;
  /** Consent records (per conversation and per inbox). */
  readonly preferences: Preferences;

  private constructor(
    private readonly ctx: ClientContext,
    private readonly signer: Signer,
    private readonly scwVerifier: SmartContractSignatureVerifier | undefined,
  ) {
    this.conversations = new Conversations(ctx, (ids) => this.requireInboxIds(ids));
    this.preferences = new Preferences(ctx.db);
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
    const db = options.db;
    const identities = new IdentityUpdates(api, db, options.scwVerifier);
    const adapted = toIdentitySigner(signer);
    const identifier = await adapted.getIdentifier();
    let stored = await db.identity.get();
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
      db,
      identity,
      identities,
      codecs: CodecRegistry.withDefaults(options.codecs ?? []),
      lock: new KeyedLock(),
      onSkipped: options.onSkipped ?? (() => {}),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    };
    const client = new Client(ctx, signer, options.scwVerifier);
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
    // libxmtp uploads the key package first, so the installation is reachable once it appears.
    const kp = await db.transaction((tx) => newStoredKeyPackage(identity, tx));
    await api.uploadKeyPackage(kp);

    const builder = new SignatureRequestBuilder(identity.inboxId);
    if (!inboxExists) builder.createInbox(identifier, nonce);
    builder.addAssociation(installation, identifier);
    const request = builder.build(
      this.scwVerifier === undefined ? {} : { scwVerifier: this.scwVerifier },
    );
    await request.addSignerSignature(this.signer);
    await request.addInstallationSignature(identity.installationKey.privateKey);
    await api.publishIdentityUpdate(identityUpdateToProto(request.build()));
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
