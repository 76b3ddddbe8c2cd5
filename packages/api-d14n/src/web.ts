// The browser transport: gRPC-web over fetch to the gateway and to the chosen node (a browser
// cannot speak gRPC's HTTP/2 trailers). connect-web has no message-size limit option: the
// browser's fetch bounds what it reads.
import type { Transport } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import {
  type ClientHeaders,
  D14nApiClient,
  type D14nClientOptions,
  versionHeaders,
} from "./client.js";

export interface D14nWebApiOptions extends ClientHeaders, D14nClientOptions {
  /** The gateway's gRPC-web endpoint. Node URLs from GetNodes must speak gRPC-web too. */
  gatewayUrl: string;
  /** Read from this node instead of discovering one. */
  nodeUrl?: string;
  /** A fetch to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
}

export function createD14nWebApiClient(options: D14nWebApiOptions): D14nApiClient {
  const interceptors = [versionHeaders(options)];
  const transport = (url: string): Transport =>
    createGrpcWebTransport({
      baseUrl: url.replace(/\/$/, ""),
      interceptors,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  const gatewayUrl = options.gatewayUrl.replace(/\/$/, "");
  return new D14nApiClient(
    {
      gatewayUrl,
      gateway: transport(gatewayUrl),
      node: transport,
      ...(options.nodeUrl === undefined ? {} : { nodeUrl: options.nodeUrl }),
    },
    options,
  );
}

export {
  CLIENT_VERSION,
  D14nApiClient,
  type D14nClientOptions,
  DEFAULT_TIMEOUT_MS,
  type SkippedInfo,
} from "./client.js";
export { D14nApiError, type D14nErrorReason, isD14nApiError } from "./errors.js";
