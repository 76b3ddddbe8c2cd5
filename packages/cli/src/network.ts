// Which node a command talks to: --url, else --env, else the profile's URL, else the local node;
// on the v3 network (a node's MLS API, @x/api-grpc) or on d14n (a gateway, @x/api-d14n).
import { XmtpApi } from "@x/api";
import { createD14nApiClient } from "@x/api-d14n";
import { createGrpcApiClient } from "@x/api-grpc";
import { usageError } from "./errors.js";

export const ENV_URLS = {
  local: "http://127.0.0.1:5556",
  dev: "https://grpc.dev.xmtp.network:443",
  production: "https://grpc.production.xmtp.network:443",
} as const;

/** `x node`'s d14n listener (gateway and replication API in one). */
export const LOCAL_D14N_URL = "http://127.0.0.1:5050";

export type XmtpEnv = keyof typeof ENV_URLS;
export type Network = "v3" | "d14n";

export const APP_VERSION = "x-cli/0.0.0";

/** --d14n or XMTP_D14N=1 select d14n; otherwise the profile's network, else v3. */
export function resolveNetwork(
  options: { d14n: boolean },
  env: NodeJS.ProcessEnv,
  profileNetwork?: Network,
): Network {
  if (options.d14n || env.XMTP_D14N === "1" || env.XMTP_D14N === "true") return "d14n";
  return profileNetwork ?? "v3";
}

export function resolveUrl(
  options: { url: string | undefined; env: string | undefined },
  profileUrl?: string,
  network: Network = "v3",
): string {
  if (options.url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw usageError(
        `--url ${JSON.stringify(options.url)} is not a URL (e.g. http://127.0.0.1:5556)`,
      );
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw usageError(
        `--url must start with http:// or https://, got ${JSON.stringify(options.url)}`,
      );
    }
    return options.url.replace(/\/$/, "");
  }
  if (options.env !== undefined) {
    if (!(options.env in ENV_URLS)) {
      throw usageError(
        `--env must be local, dev or production, got ${JSON.stringify(options.env)}`,
      );
    }
    if (network === "d14n") {
      if (options.env !== "local") {
        throw usageError(`--d14n with --env ${options.env}: give the gateway with --url`);
      }
      return LOCAL_D14N_URL;
    }
    return ENV_URLS[options.env as XmtpEnv];
  }
  return profileUrl ?? (network === "d14n" ? LOCAL_D14N_URL : ENV_URLS.local);
}

/** The API for a command: few retries, so a missing node is reported within a second. */
export function apiFor(url: string, network: Network = "v3"): XmtpApi {
  const client =
    network === "d14n"
      ? createD14nApiClient({ gatewayUrl: url, appVersion: APP_VERSION })
      : createGrpcApiClient({ url, appVersion: APP_VERSION });
  return new XmtpApi(client, {
    retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1_000 },
  });
}
