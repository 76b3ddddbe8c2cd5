// The Node.js transports: gRPC over HTTP/2 (h2c for http:// URLs, TLS for https://), or
// gRPC-web over HTTP/1.1.
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import {
  type ApiClientOptions,
  type ClientHeaders,
  ConnectApiClient,
  MAX_MESSAGE_BYTES,
  versionHeaders,
} from "./client.js";

export interface GrpcApiOptions extends ClientHeaders, ApiClientOptions {
  /** The node, e.g. http://127.0.0.1:5556 (cleartext HTTP/2) or https://grpc.dev.xmtp.network:443. */
  url: string;
  /** "grpc" (default): HTTP/2. "grpc-web": HTTP/1.1, e.g. through a gRPC-web proxy. */
  protocol?: "grpc" | "grpc-web";
  /** HTTP/2 keepalive PING interval while connected (default 45 s, as libxmtp). */
  keepaliveIntervalMs?: number;
  /** How long to wait for a PING answer before dropping the connection (default 20 s). */
  keepaliveTimeoutMs?: number;
}

function checkUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `node URL ${JSON.stringify(url)} is not a URL; use http://host:port or https://host:port`,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(
      `node URL must start with http:// (cleartext) or https:// (TLS), got ${parsed.protocol}`,
    );
  }
  return parsed;
}

/** An XmtpApiClient for Node.js. */
export function createGrpcApiClient(options: GrpcApiOptions): ConnectApiClient {
  const base = checkUrl(options.url);
  const baseUrl = base.href.replace(/\/$/, "");
  const interceptors = [versionHeaders(options)];
  const common = {
    baseUrl,
    interceptors,
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
  };
  const transport =
    options.protocol === "grpc-web"
      ? createGrpcWebTransport({ ...common, httpVersion: "1.1" })
      : createGrpcTransport({
          ...common,
          pingIntervalMs: options.keepaliveIntervalMs ?? 45_000,
          pingTimeoutMs: options.keepaliveTimeoutMs ?? 20_000,
          pingIdleConnection: true,
          // Node's default HTTP/2 session memory (10 MB) refuses a second stream while a large
          // one is being written (welcome chunks go out concurrently, up to 25 MiB each); the
          // refused one was retried, sent twice. Room for two requests of the message limit.
          nodeOptions: { maxSessionMemory: (2 * MAX_MESSAGE_BYTES) / 2 ** 20 },
        });
  return new ConnectApiClient(transport, options);
}
