// The message history server of libxmtp's device sync: one installation uploads an encrypted
// archive (POST /upload → its id), another downloads it (GET /files/{id}). As
// xmtp/xmtp-message-history-server does, with bounds of our own: total size and count, age,
// request time.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  DirStorage,
  MemoryStorage,
  type StoredUpload,
  UPLOAD_ID,
  type UploadStorage,
} from "./storage.js";

/** libxmtp's local default history server is http://localhost:5558. */
export const DEFAULT_HISTORY_PORT = 5558;
/** The reference server's body limit. */
export const DEFAULT_MAX_UPLOAD_BYTES = 15_000_000;
export const DEFAULT_HISTORY_MAX_AGE_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_HISTORY_MAX_TOTAL_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_HISTORY_MAX_UPLOADS = 10_000;
export const DEFAULT_HISTORY_REQUEST_TIMEOUT_MS = 60_000;
const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

export interface HistoryServerOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** 0 picks a free one (default 5558). */
  port?: number;
  /** The folder of the uploads (created if missing), or null to keep them in memory. */
  dir: string | null;
  /** Largest upload body (default 15 000 000 bytes); larger ones get 400. */
  maxUploadBytes?: number;
  /** Uploads older than this are deleted (default 24 h); checked at start and hourly. */
  maxAgeMs?: number;
  /** Total bytes of the stored uploads (default 1 GiB); past it, uploads get 507. */
  maxTotalBytes?: number;
  /** Number of stored uploads (default 10 000); past it, uploads get 507. */
  maxUploads?: number;
  /** Time to receive a whole request, body included (default 60 s); slower ones get 408. */
  requestTimeoutMs?: number;
  /** Clock in ms since the epoch (replaceable in tests). */
  now?: () => number;
  /** Where to write one-line log messages (default: nowhere). */
  log?: (line: string) => void;
}

export interface RunningHistoryServer {
  /** http://host:port, the clients' `historySyncUrl`. */
  url: string;
  port: number;
  /** Where the uploads are, or null in memory. */
  dir: string | null;
  /** Deletes the uploads past their age now; resolves to how many. */
  cleanup(): Promise<number>;
  /** Stops accepting requests, lets those in progress finish (up to 5 s), stops the cleanup. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Limits {
  maxAgeMs: number;
  maxTotalBytes: number;
  maxUploads: number;
}

/** The stored uploads' index and sizes, with room held for the uploads being received. */
class Uploads {
  private readonly stored = new Map<string, StoredUpload>();
  private storedBytes = 0;
  private receivingBytes = 0;
  private receivingCount = 0;
  private cleaning: Promise<number> | undefined;

  constructor(
    private readonly storage: UploadStorage,
    private readonly limits: Limits,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  async load(): Promise<void> {
    for (const [id, upload] of await this.storage.scan()) this.index(id, upload);
  }

  /** Room for one more upload of `bytes` (after a cleanup); 507 when there is none. */
  async admit(bytes: number): Promise<Receiving> {
    // Every upload: a chunked one does not say its size, and may find the room only later.
    await this.cleanup();
    if (!this.fits(bytes)) throw new HttpError(507, "the history server is full");
    return this.receive();
  }

  private fits(bytes: number): boolean {
    const count = this.stored.size + this.receivingCount + 1;
    const total = this.storedBytes + this.receivingBytes + bytes;
    return count <= this.limits.maxUploads && total <= this.limits.maxTotalBytes;
  }

  /** Holds room for an upload's bytes as they arrive, until it is stored or refused. */
  private receive(): Receiving {
    this.receivingCount++;
    let held = 0;
    let released = false;
    return {
      hold: (n) => {
        held += n;
        this.receivingBytes += n;
        return this.storedBytes + this.receivingBytes <= this.limits.maxTotalBytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.receivingCount--;
        this.receivingBytes -= held;
      },
    };
  }

  async add(data: Buffer): Promise<string> {
    const id = randomUUID();
    await this.storage.write(id, data);
    this.index(id, { size: data.length, at: this.now() });
    return id;
  }

  /** The upload's bytes, or undefined if unknown or past its age. */
  async get(id: string): Promise<Buffer | undefined> {
    const upload = this.stored.get(id);
    if (!upload || this.expired(upload)) return undefined;
    const data = await this.storage.read(id);
    if (!data) this.unindex(id); // deleted behind our back
    return data;
  }

  /** Deletes the uploads past their age; never fails (a file it cannot delete is logged). */
  cleanup(): Promise<number> {
    this.cleaning ??= this.removeExpired().finally(() => {
      this.cleaning = undefined;
    });
    return this.cleaning;
  }

  private async removeExpired(): Promise<number> {
    const expired = [...this.stored].filter(([, upload]) => this.expired(upload));
    for (const [id] of expired) {
      this.unindex(id); // gone for readers at once, before the file is
      await this.storage.remove(id).catch((e) => {
        this.log(`history server: cannot delete ${id}: ${(e as Error).message}`);
      });
    }
    return expired.length;
  }

  private expired(upload: StoredUpload): boolean {
    return upload.at < this.now() - this.limits.maxAgeMs;
  }

  private index(id: string, upload: StoredUpload) {
    this.stored.set(id, upload);
    this.storedBytes += upload.size;
  }

  private unindex(id: string) {
    const upload = this.stored.get(id);
    if (!upload) return;
    this.stored.delete(id);
    this.storedBytes -= upload.size;
  }
}

interface Receiving {
  /** Counts `n` more bytes; false when they do not fit in the total any more. */
  hold(n: number): boolean;
  release(): void;
}

/** The request's body, refused (400, 507) as soon as it passes a limit. */
function readBody(
  req: http.IncomingMessage,
  maxBytes: number,
  receiving: Receiving,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (req.destroyed) return reject(new HttpError(400, "upload cut short"));
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      req.off("data", onData).off("end", onEnd).off("error", finish).off("close", onClose);
      if (!error) return resolve(Buffer.concat(chunks, size));
      req.pause(); // read no more of it
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(new HttpError(400, `uploads are limited to ${maxBytes} bytes`));
      else if (!receiving.hold(chunk.length))
        finish(new HttpError(507, "the history server is full"));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onClose = () => finish(new HttpError(400, "upload cut short"));
    req.on("data", onData).on("end", onEnd).on("error", finish).on("close", onClose);
  });
}

/** The Content-Length header as a number, if the request has one. */
function contentLength(req: http.IncomingMessage): number | undefined {
  const value = req.headers["content-length"];
  return value === undefined ? undefined : Number(value);
}

function corsHeaders(req: http.IncomingMessage): Record<string, string> {
  return {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": req.headers["access-control-request-method"] ?? "*",
    "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "*",
    "access-control-expose-headers": "*",
    "access-control-max-age": "86400",
  };
}

function send(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  body: string | Buffer = "",
  contentType = "text/plain; charset=utf-8",
) {
  const headers: Record<string, string | number> = corsHeaders(req);
  if (status !== 204) headers["content-length"] = Buffer.byteLength(body);
  if (body.length > 0) headers["content-type"] = contentType;
  if (!bodyPending(req)) {
    res.writeHead(status, headers).end(body);
    return;
  }
  // The body is left unread (too large, refused): this connection carries no more requests.
  // Node destroys a `Connection: close` connection as soon as the response ends, which resets
  // it while the client may still be sending, and the client loses our answer. So the answer
  // is sent whole (its Content-Length says so), and the response ends a little later.
  res.writeHead(status, { ...headers, connection: "close" }).write(body);
  const timer = setTimeout(() => res.end(), LINGER_MS).unref();
  res.once("close", () => clearTimeout(timer));
}

/** Whether some of the request's body has not been received. */
function bodyPending(req: http.IncomingMessage): boolean {
  // (A request without a body is complete only once its handler has run.)
  if (req.complete) return false;
  return req.headers["transfer-encoding"] !== undefined || (contentLength(req) ?? 0) > 0;
}

/** How long a connection whose request body is left unread stays open after the answer. */
const LINGER_MS = 2_000;

function createHandler(uploads: Uploads, maxUploadBytes: number, log: (line: string) => void) {
  const upload = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const declared = contentLength(req);
    if (declared !== undefined && declared > maxUploadBytes) {
      throw new HttpError(400, `uploads are limited to ${maxUploadBytes} bytes`);
    }
    const receiving = await uploads.admit(declared ?? 0);
    try {
      const data = await readBody(req, maxUploadBytes, receiving);
      send(req, res, 200, await uploads.add(data));
    } finally {
      receiving.release();
    }
  };

  const download = async (req: http.IncomingMessage, res: http.ServerResponse, id: string) => {
    // Only ids we could have made: nothing else reaches the file system.
    const data = UPLOAD_ID.test(id) ? await uploads.get(id) : undefined;
    if (!data) throw new HttpError(404, "no such file");
    send(req, res, 200, data, "application/octet-stream");
  };

  const route = (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (req.method === "OPTIONS") return send(req, res, 204);
    if (req.method === "GET" && path === "/") return send(req, res, 200, "ok");
    if (req.method === "POST" && path === "/upload") return upload(req, res);
    if (req.method === "GET" && path.startsWith("/files/")) {
      return download(req, res, path.slice("/files/".length));
    }
    throw new HttpError(404, "not found");
  };

  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const fail = (e: unknown) => {
      if (res.headersSent) return res.destroy();
      if (e instanceof HttpError) return send(req, res, e.status, e.message);
      log(
        `history server: ${req.method} ${req.url?.slice(0, 100)} failed: ${(e as Error).message}`,
      );
      send(req, res, 500, "internal error");
    };
    try {
      Promise.resolve(route(req, res)).catch(fail);
    } catch (e) {
      fail(e);
    }
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), 5_000);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export async function startHistoryServer(
  options: HistoryServerOptions,
): Promise<RunningHistoryServer> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? (() => {});
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_HISTORY_REQUEST_TIMEOUT_MS;
  const storage = options.dir === null ? new MemoryStorage() : new DirStorage(options.dir);
  const uploads = new Uploads(
    storage,
    {
      maxAgeMs: options.maxAgeMs ?? DEFAULT_HISTORY_MAX_AGE_MS,
      maxTotalBytes: options.maxTotalBytes ?? DEFAULT_HISTORY_MAX_TOTAL_BYTES,
      maxUploads: options.maxUploads ?? DEFAULT_HISTORY_MAX_UPLOADS,
    },
    options.now ?? Date.now,
    log,
  );
  await uploads.load();
  await uploads.cleanup();

  const server = http.createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(requestTimeout, 60_000),
      // How often Node checks the request timeout (its default, 30 s, would stretch it).
      connectionsCheckingInterval: Math.max(50, Math.min(5_000, requestTimeout / 4)),
      keepAliveTimeout: 5_000,
    },
    createHandler(uploads, maxUploadBytes, log),
  );
  let port: number;
  try {
    port = await listen(server, options.port ?? DEFAULT_HISTORY_PORT, host);
  } catch (e) {
    server.close(); // stops its request-timeout checks
    throw e;
  }
  const timer = setInterval(() => uploads.cleanup(), CLEANUP_INTERVAL_MS).unref();
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    dir: options.dir,
    cleanup: () => uploads.cleanup(),
    close: () => {
      clearInterval(timer);
      closing ??= closeServer(server);
      return closing;
    },
  };
}
