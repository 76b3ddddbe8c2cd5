// The local XMTP node: MlsApi, IdentityApi and Health over gRPC (HTTP/2 cleartext, prior
// knowledge, like xmtp-node-go on 5556) and gRPC-web (HTTP/1.1, like the Envoy proxy on 5557);
// and on a port of its own (5050) the d14n API, gateway and node in one (reference/d14n.md §13),
// over gRPC (h2c) and gRPC-web (HTTP/1.1) on the same port; and on another (5558) the history
// server of libxmtp's device sync.
import http from "node:http";
import http2 from "node:http2";
import net, { type AddressInfo } from "node:net";
import path from "node:path";
import { type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import {
  Code,
  type ConnectRouter,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { generateSecp256k1PrivateKey, secp256k1PublicKey, toHex } from "@x/crypto";
import type { SmartContractSignatureVerifier } from "@x/id";
import { Health } from "@x/proto/grpc/health/v1";
import { IdentityApi } from "@x/proto/identity/api/v1";
import {
  GroupMessageSchema,
  MlsApi,
  SubscribeGroupMessagesRequestSchema,
  SubscribeWelcomeMessagesRequestSchema,
  WelcomeMessageSchema,
} from "@x/proto/mls/api/v1";
import { GatewayApi } from "@x/proto/xmtpv4/gateway_api";
import {
  QueryApi,
  ReplicationApi,
  SubscribeEnvelopesRequestSchema,
  SubscribeEnvelopesResponseSchema,
} from "@x/proto/xmtpv4/message_api";
import { PayerApi } from "@x/proto/xmtpv4/payer_api";
import { Broker } from "../broker.js";
import { D14N_NODE_ID } from "../d14n/envelopes.js";
import { type RunningHistoryServer, startHistoryServer } from "../history/server.js";
import { IdIdentityValidator } from "../identity/id-validator.js";
import type { IdentityUpdateValidator } from "../identity/validator.js";
import { D14nService } from "../services/d14n.js";
import { healthService } from "../services/health.js";
import { IdentityService } from "../services/identity.js";
import { MlsService } from "../services/mls.js";
import { NodeStore, type StoredGroupMessage, type StoredWelcome } from "../store/store.js";
import {
  type Request,
  type Response,
  type StreamMethod,
  type StreamServeOptions,
  serveServerStream,
} from "./grpc-stream.js";
import { clientAddress, RateLimiter, type RateLimitOptions, rpcCost } from "./rate-limit.js";

export const DEFAULT_PORT = 5556;
export const DEFAULT_WEB_PORT = 5557;
/** The d14n listener's default port (as the local xmtpd + gateway setups use). */
export const DEFAULT_D14N_PORT = 5050;
/** node-go accepts up to 50 MB per message; libxmtp sends at most 25 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 50 * 1024 * 1024;

export interface NodeOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** gRPC (h2c) port; 0 picks a free one (default 5556). */
  port?: number;
  /** gRPC-web (HTTP/1.1) port; 0 picks a free one, null serves none (default 5557). */
  webPort?: number | null;
  /**
   * d14n port (gateway and node in one; gRPC over h2c and gRPC-web on the same port); 0 picks a
   * free one. Unset or null: no d14n listener (x-node and `x node` serve one on 5050 unless told
   * otherwise; an embedding app asks for it, so a restart on a fixed v3 port never collides).
   */
  d14nPort?: number | null;
  /**
   * Port of the history server (device sync archives, HTTP/1.1 with CORS); 0 picks a free one.
   * Unset or null: none (x-node and `x node` serve one on 5558 unless told otherwise).
   */
  historyPort?: number | null;
  /**
   * Folder of the history server's uploads, or null to keep them in memory. Default: beside a
   * SQLite `db` file, `<db>.history` (`./node.sqlite.history`); in memory for ":memory:",
   * postgres:// and an already open `store`.
   */
  historyDir?: string | null;
  /** How often an idle SubscribeEnvelopes stream gets an empty keepalive response (default 30 s). */
  d14nKeepaliveMs?: number;
  /** SQLite file, ":memory:", or a postgres:// URL (default ":memory:"). Ignored with `store`. */
  db?: string;
  /** An already open store (the caller keeps it: stop() leaves it open). */
  store?: NodeStore;
  /**
   * Verifies identity updates and applies them to the inbox state, on v3 and on d14n (each
   * against its own network's inbox log). Default: @x/id's rules (IdIdentityValidator), with
   * `scwVerifier` for smart-contract wallets.
   */
  identityValidator?: IdentityUpdateValidator;
  /**
   * Verifies smart-contract-wallet signatures, in identity updates and for
   * VerifySmartContractWalletSignatures (e.g. @x/id's MultiChainVerifier.fromUrls). Without it,
   * such signatures are refused.
   */
  scwVerifier?: SmartContractSignatureVerifier;
  /**
   * Per-client rate limiting; `true` uses node-go's limits. Default: on for a Postgres database
   * (a deployment of several processes), off otherwise.
   */
  rateLimit?: RateLimitOptions | boolean;
  maxMessageBytes?: number;
  /** Clock in nanoseconds since the epoch (replaceable in tests). */
  now?: () => bigint;
  /** Where to write one-line log messages (default: nowhere). */
  log?: (line: string) => void;
  /**
   * Called once per accepted RPC (unary or server stream) with the method's name (e.g.
   * "SendGroupMessages") and the size of its request message in protobuf bytes, for
   * benchmarks and metrics. Off by default; the request is only re-encoded when set.
   */
  onCall?: (method: string, requestBytes: number) => void;
}

export interface RunningNode {
  /** http://host:port of the gRPC listener, for libxmtp and @x/api-grpc. */
  url: string;
  port: number;
  /** http://host:port of the gRPC-web listener, if any. */
  webUrl: string | undefined;
  webPort: number | undefined;
  /** http://host:port of the d14n listener (libxmtp's gatewayHost, @x/api-d14n), if any. */
  d14nUrl: string | undefined;
  d14nPort: number | undefined;
  /** http://host:port of the history server (libxmtp's `historySyncUrl`), if any. */
  historyUrl: string | undefined;
  historyPort: number | undefined;
  /** The d14n originator signing key, secp256k1 compressed (33 bytes), if d14n is served. */
  d14nNodePublicKey: Uint8Array | undefined;
  /** The d14n gateway's payer key, secp256k1 compressed (33 bytes), if d14n is served. */
  d14nPayerPublicKey: Uint8Array | undefined;
  store: NodeStore;
  /** Whether per-client rate limits apply (see NodeOptions.rateLimit). */
  rateLimited: boolean;
  /**
   * Stops accepting calls (on every listener, d14n and history included), ends open streams with
   * Unavailable, lets in-flight calls finish (up to 5 s), then closes the store it opened.
   */
  stop(): Promise<void>;
}

/** Where the history server keeps its uploads (see NodeOptions.historyDir). */
export function historyDirFor(
  options: Pick<NodeOptions, "db" | "store" | "historyDir">,
): string | null {
  if (options.historyDir !== undefined) return options.historyDir;
  const db = options.store ? undefined : options.db;
  if (!db || db === ":memory:" || /^postgres(ql)?:\/\//.test(db)) return null;
  return path.join(path.dirname(db), `${path.basename(db)}.history`);
}

const kClient = createContextKey<string>("ip_unknown", { description: "client address" });

const defaultNow = () => BigInt(Date.now()) * 1_000_000n;

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "grpc-status, grpc-message, grpc-status-details-bin",
};

/** The first bytes of every HTTP/2 connection (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

/**
 * Hands each connection to `h2` (prior-knowledge HTTP/2) or `h1` (anything else, HTTP/1.1),
 * by its first bytes, so one port serves gRPC and gRPC-web.
 */
function routeConnection(
  socket: net.Socket,
  h2: http2.Http2Server,
  h1: http.Server | undefined,
  unrouted: Set<net.Socket>,
) {
  let seen = Buffer.alloc(0);
  unrouted.add(socket);
  socket.once("close", () => unrouted.delete(socket));
  // A connection reset before it is routed must not be an uncaught error.
  const onError = () => socket.destroy();
  socket.on("error", onError);
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2 && seen.length < H2_PREFACE.length) return;
    unrouted.delete(socket);
    socket.off("data", onData);
    socket.off("error", onError);
    socket.pause();
    socket.unshift(seen);
    if (isH2 || !h1) {
      // The session reads what the socket holds already.
      h2.emit("connection", socket);
    } else {
      h1.emit("connection", socket);
      socket.resume();
    }
  };
  socket.on("data", onData);
}

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? defaultNow;
  const log = options.log ?? (() => {});
  const readMaxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const requestedPort = options.port ?? DEFAULT_PORT;
  const d14nRequested = options.d14nPort ?? undefined;
  const historyRequested = options.historyPort ?? undefined;
  const store = options.store ?? (await NodeStore.open({ db: options.db ?? ":memory:" }));
  const shutdown = new AbortController();
  const limits = options.rateLimit ?? store.dialect === "postgres";
  const limiter =
    limits === true ? new RateLimiter() : limits ? new RateLimiter(limits) : undefined;

  const groupBroker = new Broker<StoredGroupMessage>();
  const welcomeBroker = new Broker<StoredWelcome>();
  // Nodes on one Postgres database: every stored row (ours too) reaches our streams through the
  // database's notifications, in commit order, so each topic stays in id order across nodes.
  const sharedRows = await store.followRows(
    async (notice) => {
      if (notice.kind === "g") {
        for (const m of await store.groupMessagesByIds(notice.ids)) {
          groupBroker.publish(toHex(m.groupId), m);
        }
      } else {
        for (const w of await store.welcomesByIds(notice.ids)) {
          welcomeBroker.publish(toHex(w.installationKey), w);
        }
      }
    },
    (e) => log(`stored rows from the database: ${(e as Error).message}`),
  );
  const mls = new MlsService({
    store,
    groupBroker,
    welcomeBroker,
    now,
    publishedElsewhere: sharedRows !== undefined,
  });
  // One validator for both networks: its cached states are keyed by the exact log they follow.
  const validator =
    options.identityValidator ?? new IdIdentityValidator({ scwVerifier: options.scwVerifier });
  const identity = new IdentityService({
    store,
    validator,
    scwVerifier: options.scwVerifier,
    now,
  });

  let d14n: D14nService | undefined;
  let d14nPublicKeys: { node: Uint8Array; payer: Uint8Array } | undefined;
  let d14nUrl = "";
  if (d14nRequested !== undefined) {
    try {
      const keys = await store.d14n.keys(generateSecp256k1PrivateKey, now());
      d14nPublicKeys = {
        node: secp256k1PublicKey(keys.nodeKey, true),
        payer: secp256k1PublicKey(keys.payerKey, true),
      };
      d14n = new D14nService({
        store,
        validator,
        keys,
        now,
        nodeUrl: () => d14nUrl,
        keepaliveMs: options.d14nKeepaliveMs,
      });
    } catch (e) {
      if (!options.store) await store.close();
      throw e;
    }
  }

  const onCall = options.onCall;
  const count = <T extends DescMessage>(method: string, schema: T, message: MessageShape<T>) => {
    if (onCall) onCall(method, toBinary(schema, message).length);
  };
  // Unary calls: counted after the rate limiter admitted them. Server streams are counted in
  // their `open` below (they do not pass through Connect's interceptors).
  const counter: Interceptor = (next) => async (req) => {
    if (onCall && !req.stream) count(req.method.name, req.method.input, req.message);
    return next(req);
  };

  const rateLimit: Interceptor = (next) => async (req) => {
    if (limiter) {
      const { kind, cost } = rpcCost(req.method.name, req.stream ? undefined : req.message);
      limiter.take(req.contextValues.get(kClient), kind, cost);
    }
    return next(req);
  };

  const streamOptions: StreamServeOptions = {
    readMaxBytes,
    shutdownSignal: shutdown.signal,
    admit: limiter
      ? (r) => limiter.take(clientAddress(r.headers, r.socket?.remoteAddress), "default", 1)
      : undefined,
  };

  type Handler = (req: Request, res: Response) => void;
  /** Connect for unary calls, serveServerStream for the server streams (headers at once). */
  const makeHandler = (
    routes: (router: ConnectRouter) => void,
    streams: Map<string, (req: Request, res: Response) => Promise<void>>,
  ): Handler => {
    const connectHandler = connectNodeAdapter({
      grpc: true,
      grpcWeb: true,
      connect: false,
      readMaxBytes,
      writeMaxBytes: readMaxBytes,
      shutdownSignal: shutdown.signal,
      interceptors: [rateLimit, counter],
      contextValues: (req) =>
        createContextValues().set(kClient, clientAddress(req.headers, req.socket?.remoteAddress)),
      // A method we do not serve gets a gRPC status (Unimplemented), not a bare HTTP 404.
      fallback: (req, res) => {
        const path = (req.url ?? "").split("?")[0] ?? "";
        const web = String(req.headers["content-type"] ?? "").startsWith("application/grpc-web");
        res.writeHead(200, {
          "content-type": web ? "application/grpc-web+proto" : "application/grpc",
          "grpc-status": String(Code.Unimplemented),
          "grpc-message": encodeURIComponent(`unknown method ${path.slice(0, 200)}`),
        });
        res.end();
      },
      routes,
    });
    return (req, res) => {
      const path = (req.url ?? "").split("?")[0]!;
      const stream = streams.get(path);
      if (stream) {
        stream(req, res).catch((e) => {
          log(`stream ${path} failed: ${(e as Error).message}`);
          res.destroy();
        });
        return;
      }
      connectHandler(req, res);
    };
  };

  const subscribeGroup: StreamMethod<
    typeof SubscribeGroupMessagesRequestSchema,
    typeof GroupMessageSchema
  > = {
    input: SubscribeGroupMessagesRequestSchema,
    output: GroupMessageSchema,
    open: (req, signal) => {
      count(MlsApi.method.subscribeGroupMessages.name, SubscribeGroupMessagesRequestSchema, req);
      return mls.subscribeGroupMessages(req, signal);
    },
  };
  const subscribeWelcome: StreamMethod<
    typeof SubscribeWelcomeMessagesRequestSchema,
    typeof WelcomeMessageSchema
  > = {
    input: SubscribeWelcomeMessagesRequestSchema,
    output: WelcomeMessageSchema,
    open: (req, signal) => {
      count(
        MlsApi.method.subscribeWelcomeMessages.name,
        SubscribeWelcomeMessagesRequestSchema,
        req,
      );
      return mls.subscribeWelcomeMessages(req, signal);
    },
  };

  const handle = makeHandler(
    (router) => {
      router.service(MlsApi, {
        sendGroupMessages: async (req) => {
          await mls.sendGroupMessages(req);
          return {};
        },
        sendWelcomeMessages: async (req) => {
          await mls.sendWelcomeMessages(req);
          return {};
        },
        uploadKeyPackage: async (req) => {
          await mls.uploadKeyPackage(req);
          return {};
        },
        registerInstallation: (req) => mls.registerInstallation(req),
        fetchKeyPackages: (req) => mls.fetchKeyPackages(req),
        queryGroupMessages: (req) => mls.queryGroupMessages(req),
        queryWelcomeMessages: (req) => mls.queryWelcomeMessages(req),
        batchPublishCommitLog: async (req) => {
          await mls.batchPublishCommitLog(req);
          return {};
        },
        batchQueryCommitLog: (req) => mls.batchQueryCommitLog(req),
        getNewestGroupMessage: (req) => mls.getNewestGroupMessage(req),
        // Served by serveServerStream (headers flushed at once); listed so Connect knows them.
        subscribeGroupMessages: async function* (req, ctx) {
          yield* await mls.subscribeGroupMessages(req, ctx.signal);
        },
        subscribeWelcomeMessages: async function* (req, ctx) {
          yield* await mls.subscribeWelcomeMessages(req, ctx.signal);
        },
        // RevokeInstallation, GetIdentityUpdates (legacy) and the XIP-83 Subscribe are not
        // implemented by node-go either: Connect answers Unimplemented.
      });
      router.service(IdentityApi, {
        publishIdentityUpdate: (req) => identity.publishIdentityUpdate(req),
        getIdentityUpdates: (req) => identity.getIdentityUpdates(req),
        getInboxIds: (req) => identity.getInboxIds(req),
        verifySmartContractWalletSignatures: (req) =>
          identity.verifySmartContractWalletSignatures(req),
      });
      router.service(
        Health,
        healthService(() => !shutdown.signal.aborted),
      );
    },
    new Map([
      [
        `/${MlsApi.typeName}/${MlsApi.method.subscribeGroupMessages.name}`,
        (req, res) => serveServerStream(subscribeGroup, req, res, streamOptions),
      ],
      [
        `/${MlsApi.typeName}/${MlsApi.method.subscribeWelcomeMessages.name}`,
        (req, res) => serveServerStream(subscribeWelcome, req, res, streamOptions),
      ],
    ]),
  );

  // The d14n API: gateway (PayerApi, and GatewayApi for newer clients) and node (ReplicationApi,
  // and QueryApi for newer clients) on one listener, as libxmtp 1.9.1 expects of a local setup.
  let handleD14n: Handler | undefined;
  if (d14n) {
    const svc = d14n;
    const subscribeEnvelopes: StreamMethod<
      typeof SubscribeEnvelopesRequestSchema,
      typeof SubscribeEnvelopesResponseSchema
    > = {
      input: SubscribeEnvelopesRequestSchema,
      output: SubscribeEnvelopesResponseSchema,
      open: (req, signal) => {
        count(ReplicationApi.method.subscribeEnvelopes.name, SubscribeEnvelopesRequestSchema, req);
        return svc.subscribeEnvelopes(req, signal);
      },
    };
    const gateway = {
      publishClientEnvelopes: (req: Parameters<D14nService["publishClientEnvelopes"]>[0]) =>
        svc.publishClientEnvelopes(req),
      getNodes: () => svc.getNodes(),
    };
    const queries = {
      queryEnvelopes: (req: Parameters<D14nService["queryEnvelopes"]>[0]) =>
        svc.queryEnvelopes(req),
      getNewestEnvelope: (req: Parameters<D14nService["getNewestEnvelope"]>[0]) =>
        svc.getNewestEnvelope(req),
      getInboxIds: (req: Parameters<D14nService["getInboxIds"]>[0]) => svc.getInboxIds(req),
    };
    handleD14n = makeHandler(
      (router) => {
        router.service(PayerApi, gateway);
        router.service(GatewayApi, gateway);
        router.service(ReplicationApi, {
          ...queries,
          // Served by serveServerStream (headers flushed at once); listed so Connect knows it.
          subscribeEnvelopes: async function* (req, ctx) {
            yield* await svc.subscribeEnvelopes(req, ctx.signal);
          },
          // SubscribeOriginators, SubscribeTopics and PublishPayerEnvelopes (node-to-node and
          // newer clients) answer Unimplemented.
        });
        // QueryApi's streams (SubscribeTopics, Subscribe) answer Unimplemented.
        router.service(QueryApi, queries);
        router.service(
          Health,
          healthService(
            () => !shutdown.signal.aborted,
            [
              "",
              PayerApi.typeName,
              GatewayApi.typeName,
              ReplicationApi.typeName,
              QueryApi.typeName,
              Health.typeName,
            ],
          ),
        );
      },
      new Map([
        [
          `/${ReplicationApi.typeName}/${ReplicationApi.method.subscribeEnvelopes.name}`,
          (req, res) => serveServerStream(subscribeEnvelopes, req, res, streamOptions),
        ],
      ]),
    );
  }

  // Every HTTP/2 session and raw connection, to close (then cut) them at stop: a session
  // destroyed in the middle of a stream can leave its socket open, and a server does not report
  // closed while any is.
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<net.Socket>();
  const trackSessions = (server: http2.Http2Server) =>
    server.on("session", (session) => {
      sessions.add(session);
      session.on("close", () => sessions.delete(session));
    });
  const trackSockets = (server: net.Server) =>
    server.on("connection", (socket: net.Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });

  /** gRPC-web over HTTP/1.1 for browsers (what the Envoy proxy provides in front of node-go). */
  const webServer = (h: Handler) =>
    http.createServer({ requestTimeout: 0, keepAliveTimeout: 5_000 }, (req, res) => {
      for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          "access-control-allow-methods": "POST, OPTIONS",
          "access-control-allow-headers":
            req.headers["access-control-request-headers"] ??
            "content-type, x-grpc-web, x-user-agent, grpc-timeout, x-app-version, x-libxmtp-version, x-client-version",
          "access-control-max-age": "86400",
        });
        res.end();
        return;
      }
      h(req, res);
    });

  // gRPC over HTTP/2 cleartext with prior knowledge (what tonic speaks for http:// URLs).
  const h2 = http2.createServer({ maxSessionMemory: 128 }, handle);
  trackSessions(h2);
  trackSockets(h2);
  const web = options.webPort === null ? undefined : webServer(handle);

  // d14n: one port, HTTP/2 (gRPC) or HTTP/1.1 (gRPC-web) by the connection's first bytes.
  let d14nListener: net.Server | undefined;
  // That HTTP/1.1 server does not listen itself, so its closeIdleConnections() knows nothing:
  // the node counts the calls in progress on each of its sockets, to close idle ones at stop.
  const d14nWebCalls = new Map<net.Socket, number>();
  // Connections that have sent too little to tell HTTP/2 from HTTP/1.1 yet.
  const d14nUnrouted = new Set<net.Socket>();
  if (handleD14n) {
    const d14nH2 = http2.createServer({ maxSessionMemory: 128 }, handleD14n);
    trackSessions(d14nH2);
    const h1 = webServer(handleD14n);
    h1.on("connection", (socket: net.Socket) => {
      d14nWebCalls.set(socket, 0);
      socket.on("close", () => d14nWebCalls.delete(socket));
    });
    h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      const socket = req.socket;
      d14nWebCalls.set(socket, (d14nWebCalls.get(socket) ?? 0) + 1);
      res.on("close", () => {
        const left = (d14nWebCalls.get(socket) ?? 1) - 1;
        d14nWebCalls.set(socket, left);
        if (left === 0 && shutdown.signal.aborted) socket.destroy();
      });
    });
    d14nListener = net.createServer((socket) => routeConnection(socket, d14nH2, h1, d14nUnrouted));
    trackSockets(d14nListener);
  }

  let port: number;
  let webPort: number | undefined;
  let d14nPort: number | undefined;
  let history: RunningHistoryServer | undefined;
  try {
    port = await listen(h2, requestedPort, host);
    if (web) webPort = await listen(web, options.webPort ?? DEFAULT_WEB_PORT, host);
    if (d14nListener) d14nPort = await listen(d14nListener, d14nRequested ?? 0, host);
    if (historyRequested !== undefined) {
      history = await startHistoryServer({
        host,
        port: historyRequested,
        dir: historyDirFor(options),
        log,
      });
    }
  } catch (e) {
    h2.close();
    web?.close();
    d14nListener?.close();
    if (!options.store) await store.close();
    throw e;
  }
  const urlHost = host.includes(":") ? `[${host}]` : host;
  if (d14nPort !== undefined) d14nUrl = `http://${urlHost}:${d14nPort}`;
  log(
    `xmtp node: gRPC on http://${urlHost}:${port}${webPort ? `, gRPC-web on http://${urlHost}:${webPort}` : ""}${d14nUrl ? `, d14n on ${d14nUrl}` : ""}${history ? `, history server on ${history.url}` : ""}`,
  );
  if (d14nPublicKeys) {
    log(
      `xmtp node: d14n node ${D14N_NODE_ID} public key ${toHex(d14nPublicKeys.node)} (payer ${toHex(d14nPublicKeys.payer)})`,
    );
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      shutdown.abort();
      const closed = Promise.all([
        new Promise<void>((r) => h2.close(() => r())),
        web ? new Promise<void>((r) => web.close(() => r())) : Promise.resolve(),
        d14nListener ? new Promise<void>((r) => d14nListener.close(() => r())) : Promise.resolve(),
        history?.close(),
      ]);
      // Let in-flight calls finish (streams were just told to end), then cut what is left.
      for (const s of sessions) s.close();
      web?.closeIdleConnections();
      for (const [socket, calls] of d14nWebCalls) if (calls === 0) socket.destroy();
      for (const socket of d14nUnrouted) socket.destroy();
      const timer = setTimeout(() => {
        for (const s of sessions) s.destroy();
        for (const socket of sockets) socket.destroy();
        web?.closeAllConnections();
      }, 5_000);
      await closed;
      clearTimeout(timer);
      await sharedRows?.close();
      if (!options.store) await store.close();
      log("xmtp node stopped");
    })();
    return stopping;
  };

  return {
    url: `http://${urlHost}:${port}`,
    port,
    webUrl: webPort === undefined ? undefined : `http://${urlHost}:${webPort}`,
    webPort,
    d14nUrl: d14nUrl || undefined,
    d14nPort,
    historyUrl: history?.url,
    historyPort: history?.port,
    d14nNodePublicKey: d14nPublicKeys?.node,
    d14nPayerPublicKey: d14nPublicKeys?.payer,
    store,
    rateLimited: limiter !== undefined,
    stop,
  };
}
