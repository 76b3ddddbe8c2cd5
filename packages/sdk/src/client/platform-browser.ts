// What the browser entry uses instead of platform-node.ts: gRPC-web over fetch to the node's web
// port (CORS), and @x/db/browser (OPFS, else memory) named by dbPath; dbPath null is memory.
import type { XmtpApiClient } from "@x/api";
import { createD14nWebApiClient } from "@x/api-d14n/web";
import { createGrpcWebApiClient } from "@x/api-grpc/web";
import type { ClientDatabase } from "@x/db";
import { openBrowserDatabase } from "@x/db/browser";

export const PLATFORM = "browser";

/** The gRPC-web endpoint of each environment (`local`: `x node`'s web port). */
export const platformApiUrls = {
  local: "http://127.0.0.1:5557",
  dev: "https://dev.xmtp.network",
  production: "https://production.xmtp.network",
} as const;

/** The default database name: `xmtp-${env}-${inboxId}.db3`, as the Node file. */
export function platformDefaultDbName(env: string, inboxId: string): string {
  return `xmtp-${env}-${inboxId}.db3`;
}

export function platformTransport(url: string, appVersion: string): XmtpApiClient {
  return createGrpcWebApiClient({ url, appVersion });
}

/** The d14n gateway over gRPC-web (a browser cannot speak gRPC's HTTP/2 trailers). */
export function platformD14nTransport(gatewayUrl: string, appVersion: string): XmtpApiClient {
  return createD14nWebApiClient({ gatewayUrl, appVersion });
}

/** Opens the browser database `name` (persistent storage), or one in memory (null). */
export async function platformOpenDb(
  name: string | null,
  encryptionKey: Uint8Array | undefined,
): Promise<{ db: ClientDatabase; where: string }> {
  const db = await openBrowserDatabase({
    name: name ?? "xmtp-memory",
    storage: name === null ? "memory" : "auto",
    ...(encryptionKey === undefined ? {} : { encryptionKey }),
  });
  return {
    db,
    where: name === null ? "the in-memory database" : `the browser database ${name}`,
  };
}
