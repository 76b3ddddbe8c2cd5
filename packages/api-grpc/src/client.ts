// @x/api's XmtpApiClient over any Connect transport (gRPC or gRPC-web).
import {
  type Client,
  type CallOptions as ConnectCallOptions,
  createClient,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import type { CallOptions, XmtpApiClient } from "@x/api";
import { IdentityApi } from "@x/proto/identity/api/v1";
import { MlsApi } from "@x/proto/mls/api/v1";
import { toApiError } from "./errors.js";

/** Default deadline of a unary call (libxmtp's request timeout is 120 s). */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** The message limit libxmtp uses both ways (25 MiB), with headroom for the node's 50 MB. */
export const MAX_MESSAGE_BYTES = 50 * 1024 * 1024;

export interface ClientHeaders {
  /** Sent as `x-app-version` on every call (libxmtp's builder default is "0.0.0"). */
  appVersion?: string;
  /** Sent as `x-client-version` on every call. */
  clientVersion?: string;
}

/** The library's own version string, sent as `x-client-version` unless overridden. */
export const CLIENT_VERSION = "xmtp-ts/0.0.0";

export function versionHeaders(h: ClientHeaders): Interceptor {
  const app = h.appVersion ?? "0.0.0";
  const client = h.clientVersion ?? CLIENT_VERSION;
  return (next) => (req) => {
    req.header.set("x-app-version", app);
    req.header.set("x-client-version", client);
    return next(req);
  };
}

export interface ApiClientOptions {
  /** Deadline for unary calls without their own (default 60 s; 0 = none). */
  timeoutMs?: number;
}

/** Ends the stream when `signal` aborts and turns errors into ApiErrors. */
async function* stream<T>(
  source: () => AsyncIterable<T>,
  rpc: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<T> {
  if (signal?.aborted) return;
  try {
    yield* source();
  } catch (e) {
    // An abort by the caller ends the stream cleanly, whatever the transport reports for it.
    if (signal?.aborted) return;
    throw toApiError(e, rpc, false);
  }
}

export class ConnectApiClient implements XmtpApiClient {
  private readonly mls: Client<typeof MlsApi>;
  private readonly identity: Client<typeof IdentityApi>;
  private readonly timeoutMs: number;

  constructor(transport: Transport, options: ApiClientOptions = {}) {
    this.mls = createClient(MlsApi, transport);
    this.identity = createClient(IdentityApi, transport);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private opts(o: CallOptions | undefined, unary: boolean): ConnectCallOptions {
    const timeoutMs = o?.timeoutMs ?? (unary ? this.timeoutMs : undefined);
    const onOpen = o?.onOpen;
    return {
      signal: o?.signal,
      timeoutMs: timeoutMs || undefined,
      ...(onOpen === undefined ? {} : { onHeader: () => onOpen() }),
    };
  }

  private async unary<R>(rpc: string, call: () => Promise<R>, signal?: AbortSignal): Promise<R> {
    try {
      return await call();
    } catch (e) {
      throw toApiError(e, rpc, signal?.aborted ?? false);
    }
  }

  // --- MlsApi ---
  async uploadKeyPackage(req: Parameters<XmtpApiClient["uploadKeyPackage"]>[0], o?: CallOptions) {
    await this.unary(
      "xmtp.mls.api.v1.MlsApi/UploadKeyPackage",
      () => this.mls.uploadKeyPackage(req, this.opts(o, true)),
      o?.signal,
    );
  }
  fetchKeyPackages(req: Parameters<XmtpApiClient["fetchKeyPackages"]>[0], o?: CallOptions) {
    return this.unary(
      "xmtp.mls.api.v1.MlsApi/FetchKeyPackages",
      () => this.mls.fetchKeyPackages(req, this.opts(o, true)),
      o?.signal,
    );
  }
  async sendGroupMessages(req: Parameters<XmtpApiClient["sendGroupMessages"]>[0], o?: CallOptions) {
    await this.unary(
      "xmtp.mls.api.v1.MlsApi/SendGroupMessages",
      () => this.mls.sendGroupMessages(req, this.opts(o, true)),
      o?.signal,
    );
  }
  async sendWelcomeMessages(
    req: Parameters<XmtpApiClient["sendWelcomeMessages"]>[0],
    o?: CallOptions,
  ) {
    await this.unary(
      "xmtp.mls.api.v1.MlsApi/SendWelcomeMessages",
      () => this.mls.sendWelcomeMessages(req, this.opts(o, true)),
      o?.signal,
    );
  }
  queryGroupMessages(req: Parameters<XmtpApiClient["queryGroupMessages"]>[0], o?: CallOptions) {
    return this.unary(
      "xmtp.mls.api.v1.MlsApi/QueryGroupMessages",
      () => this.mls.queryGroupMessages(req, this.opts(o, true)),
      o?.signal,
    );
  }
  queryWelcomeMessages(req: Parameters<XmtpApiClient["queryWelcomeMessages"]>[0], o?: CallOptions) {
    return this.unary(
      "xmtp.mls.api.v1.MlsApi/QueryWelcomeMessages",
      () => this.mls.queryWelcomeMessages(req, this.opts(o, true)),
      o?.signal,
    );
  }
  async batchPublishCommitLog(
    req: Parameters<XmtpApiClient["batchPublishCommitLog"]>[0],
    o?: CallOptions,
  ) {
    await this.unary(
      "xmtp.mls.api.v1.MlsApi/BatchPublishCommitLog",
      () => this.mls.batchPublishCommitLog(req, this.opts(o, true)),
      o?.signal,
    );
  }
  batchQueryCommitLog(req: Parameters<XmtpApiClient["batchQueryCommitLog"]>[0], o?: CallOptions) {
    return this.unary(
      "xmtp.mls.api.v1.MlsApi/BatchQueryCommitLog",
      () => this.mls.batchQueryCommitLog(req, this.opts(o, true)),
      o?.signal,
    );
  }
  getNewestGroupMessage(
    req: Parameters<XmtpApiClient["getNewestGroupMessage"]>[0],
    o?: CallOptions,
  ) {
    return this.unary(
      "xmtp.mls.api.v1.MlsApi/GetNewestGroupMessage",
      () => this.mls.getNewestGroupMessage(req, this.opts(o, true)),
      o?.signal,
    );
  }
  subscribeGroupMessages(
    req: Parameters<XmtpApiClient["subscribeGroupMessages"]>[0],
    o?: CallOptions,
  ) {
    return stream(
      () => this.mls.subscribeGroupMessages(req, this.opts(o, false)),
      "xmtp.mls.api.v1.MlsApi/SubscribeGroupMessages",
      o?.signal,
    );
  }
  subscribeWelcomeMessages(
    req: Parameters<XmtpApiClient["subscribeWelcomeMessages"]>[0],
    o?: CallOptions,
  ) {
    return stream(
      () => this.mls.subscribeWelcomeMessages(req, this.opts(o, false)),
      "xmtp.mls.api.v1.MlsApi/SubscribeWelcomeMessages",
      o?.signal,
    );
  }

  // --- IdentityApi ---
  async publishIdentityUpdate(
    req: Parameters<XmtpApiClient["publishIdentityUpdate"]>[0],
    o?: CallOptions,
  ) {
    await this.unary(
      "xmtp.identity.api.v1.IdentityApi/PublishIdentityUpdate",
      () => this.identity.publishIdentityUpdate(req, this.opts(o, true)),
      o?.signal,
    );
  }
  getIdentityUpdates(req: Parameters<XmtpApiClient["getIdentityUpdates"]>[0], o?: CallOptions) {
    return this.unary(
      "xmtp.identity.api.v1.IdentityApi/GetIdentityUpdates",
      () => this.identity.getIdentityUpdates(req, this.opts(o, true)),
      o?.signal,
    );
  }
  getInboxIds(req: Parameters<XmtpApiClient["getInboxIds"]>[0], o?: CallOptions) {
    return this.unary(
      "xmtp.identity.api.v1.IdentityApi/GetInboxIds",
      () => this.identity.getInboxIds(req, this.opts(o, true)),
      o?.signal,
    );
  }
  verifySmartContractWalletSignatures(
    req: Parameters<XmtpApiClient["verifySmartContractWalletSignatures"]>[0],
    o?: CallOptions,
  ) {
    return this.unary(
      "xmtp.identity.api.v1.IdentityApi/VerifySmartContractWalletSignatures",
      () => this.identity.verifySmartContractWalletSignatures(req, this.opts(o, true)),
      o?.signal,
    );
  }
}
