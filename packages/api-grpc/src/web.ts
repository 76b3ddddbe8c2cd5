// The browser transport: gRPC-web over fetch (a browser cannot speak gRPC's HTTP/2 trailers).
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import {
  type ApiClientOptions,
  type ClientHeaders,
  ConnectApiClient,
  versionHeaders,
} from "./client.js";

export interface GrpcWebApiOptions extends ClientHeaders, ApiClientOptions {
  /** The gRPC-web endpoint, e.g. http://localhost:5557 or https://api.dev.xmtp.network:5558. */
  url: string;
  /** A fetch to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
}

export function createGrpcWebApiClient(options: GrpcWebApiOptions): ConnectApiClient {
  const transport = createGrpcWebTransport({
    baseUrl: options.url.replace(/\/$/, ""),
    interceptors: [versionHeaders(options)],
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return new ConnectApiClient(transport, options);
}

export { CLIENT_VERSION, ConnectApiClient, DEFAULT_TIMEOUT_MS } from "./client.js";
