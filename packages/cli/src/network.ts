// Which node a command talks to: --url, else --env, else the profile's URL, else the local node.
import { XmtpApi } from "@x/api";
import { createGrpcApiClient } from "@x/api-grpc";
import { usageError } from "./errors.js";

export const ENV_URLS = {
  local: "http://127.0.0.1:5556",
  dev: "https://grpc.dev.xmtp.network:443",
  production: "https://grpc.production.xmtp.network:443",
} as const;

export type XmtpEnv = keyof typeof ENV_URLS;

export const APP_VERSION = "x-cli/0.0.0";

export function resolveUrl(
  options: { url: string | undefined; env: string | undefined },
  profileUrl?: string,
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
    return ENV_URLS[options.env as XmtpEnv];
  }
  return profileUrl ?? ENV_URLS.local;
}

/** The API for a command: few retries, so a missing node is reported within a second. */
export function apiFor(url: string): XmtpApi {
  return new XmtpApi(createGrpcApiClient({ url, appVersion: APP_VERSION }), {
    retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1_000 },
  });
}
