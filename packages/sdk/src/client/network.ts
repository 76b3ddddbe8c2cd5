// The transport a client uses: @x/api-grpc to a v3 node, or @x/api-d14n to a gateway, wrapped so
// that every call is counted (debugInformation's statistics).
import { XmtpApi, type XmtpApiClient } from "@x/api";
import { platformD14nTransport, platformTransport } from "#platform";
import type { ResolvedNetwork } from "./options.js";

/** Calls per XmtpApiClient method since the client was made (or the last clear). */
export class CallCounts {
  readonly #counts = new Map<string, bigint>();

  add(method: string): void {
    this.#counts.set(method, (this.#counts.get(method) ?? 0n) + 1n);
  }

  get(method: string): bigint {
    return this.#counts.get(method) ?? 0n;
  }

  all(): Record<string, bigint> {
    return Object.fromEntries(this.#counts);
  }

  clear(): void {
    this.#counts.clear();
  }
}

/** `client` with every method call counted in `counts` (streams count when opened). */
export function countingClient(client: XmtpApiClient, counts: CallCounts): XmtpApiClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        counts.add(prop);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export const DEFAULT_APP_VERSION = "x-sdk/0.0.0";

/** The raw transport of a resolved network. */
export function transportFor(network: ResolvedNetwork, appVersion?: string): XmtpApiClient {
  const version = appVersion ?? DEFAULT_APP_VERSION;
  switch (network.kind) {
    case "custom":
      return network.api;
    case "d14n":
      return platformD14nTransport(network.gatewayUrl, version);
    case "v3":
      return platformTransport(network.url, version);
  }
}

/** The counted transport and the XmtpApi (retries, paging) over it. */
export function apiFor(
  network: ResolvedNetwork,
  appVersion: string | undefined,
  counts = new CallCounts(),
): { api: XmtpApi; counts: CallCounts } {
  return { api: new XmtpApi(countingClient(transportFor(network, appVersion), counts)), counts };
}

/** Where a network is, for messages. */
export function describeNetwork(network: ResolvedNetwork): string {
  switch (network.kind) {
    case "custom":
      return `the given api (env ${network.env})`;
    case "d14n":
      return `the d14n gateway ${network.gatewayUrl}`;
    case "v3":
      return `the node ${network.url}`;
  }
}
