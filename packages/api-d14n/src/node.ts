// The Node.js transports: gRPC over HTTP/2 (h2c for http:// URLs, TLS for https://), or
// gRPC-web over HTTP/1.1, to the gateway and to the node chosen for reads.
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import {
  type ClientHeaders,
  D14nApiClient,
  type D14nClientOptions,
  MAX_MESSAGE_BYTES,
  versionHeaders,
} from "./client.js";

export interface D14nApiOptions extends ClientHeaders, D14nClientOptions {
  /** The payer gateway, e.g. http://127.0.0.1:5050 or https://payer.testnet.xmtp.network:443. */
  gatewayUrl: string;
  /** "grpc" (default): HTTP/2. "grpc-web": HTTP/1.1, e.g. through a gRPC-web proxy. */
  protocol?: "grpc" | "grpc-web";
  /** Read from this node instead of discovering one (GetNodes + health check); for tests. */
  nodeUrl?: string;
  /** HTTP/2 keepalive PING interval while connected (default 45 s, as libxmtp). */
  keepaliveIntervalMs?: number;
  /** How long to wait for a PING answer before dropping the connection (default 20 s). */
  keepaliveTimeoutMs?: number;
}

export function checkUrl(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `${what} URL ${JSON.stringify(url)} is not a URL; use http://host:port or https://host:port`,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(
      `${what} URL must start with http:// (cleartext) or https:// (TLS), got ${parsed.protocol}`,
    );
  }
  return parsed.href.replace(/\/$/, "");
}

function transport(
  options: D14nApiOptions,
  baseUrl: string,
  interceptors: Interceptor[],
): Transport {
  const common = {
    baseUrl,
    interceptors,
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
  };
  return options.protocol === "grpc-web"
    ? createGrpcWebTransport({ ...common, httpVersion: "1.1" })
    : createGrpcTransport({
        ...common,
        pingIntervalMs: options.keepaliveIntervalMs ?? 45_000,
        pingTimeoutMs: options.keepaliveTimeoutMs ?? 20_000,
        pingIdleConnection: true,
        // Room for two requests of the message limit on one HTTP/2 session (see @x/api-grpc).
        nodeOptions: { maxSessionMemory: (2 * MAX_MESSAGE_BYTES) / 2 ** 20 },
      });
}

/** An XmtpApiClient for Node.js over the decentralized network. */
export function createD14nApiClient(options: D14nApiOptions): D14nApiClient {
  const gatewayUrl = checkUrl(options.gatewayUrl, "gateway");
  const nodeUrl = options.nodeUrl === undefined ? undefined : checkUrl(options.nodeUrl, "node");
  const interceptors = [versionHeaders(options)];
  return new D14nApiClient(
    {
      gatewayUrl,
      gateway: transport(options, gatewayUrl, interceptors),
      node: (url) => transport(options, url.replace(/\/$/, ""), interceptors),
      ...(nodeUrl === undefined ? {} : { nodeUrl }),
    },
    options,
  );
}
