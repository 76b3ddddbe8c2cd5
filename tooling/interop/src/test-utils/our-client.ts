// Our client (@x/mls) for interop tests: @x/api-grpc to the test's @x/node (or @x/api-d14n to
// its d14n listener), @x/db's SQLite in a file of the test's temp dir, a viem account as signer.
import { createD14nApiClient } from "@x/api-d14n";
import { createGrpcApiClient } from "@x/api-grpc";
import type { XmtpDatabase } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { Client, type ClientOptions } from "@x/mls";
import { privateKeyToAccount } from "viem/accounts";
import { randomWallet, type TempDir, type Wallet } from "./libxmtp.js";

export interface OurPeer {
  client: Client;
  wallet: Wallet;
  db: XmtpDatabase;
  /** Errors of messages and welcomes the client skipped. */
  skipped: unknown[];
}

let counter = 0;

export async function ourPeer(
  url: string,
  dir: TempDir,
  wallet = randomWallet(),
  /** An existing database file to reopen (default: a new file in `dir`). */
  path = dir.file(`ours-${counter++}-${wallet.identifier.identifier}.sqlite`),
  /** "d14n": `url` is the node's d14n URL and the client uses @x/api-d14n. */
  network: "v3" | "d14n" = "v3",
  /** Client options on top (e.g. `disableWorkers` where a test counts every call at the node). */
  extra: Partial<
    Pick<ClientOptions, "disableWorkers" | "historySyncUrl" | "deviceSyncMode" | "onWorkerError">
  > = {},
): Promise<OurPeer> {
  const db = await openSqlite({ path });
  const skipped: unknown[] = [];
  const client = await Client.create(privateKeyToAccount(wallet.privateKey), {
    api:
      network === "d14n"
        ? createD14nApiClient({ gatewayUrl: url, appVersion: "interop-ours" })
        : createGrpcApiClient({ url, appVersion: "interop-ours" }),
    db,
    onSkipped: (e) => skipped.push(e),
    ...extra,
  });
  return { client, wallet, db, skipped };
}

/** Text contents of a conversation of ours, oldest first. */
export async function ourTexts(conversation: {
  messages(): Promise<{ content: unknown; contentType?: { typeId: string } | undefined }[]>;
}): Promise<string[]> {
  const messages = await conversation.messages();
  return messages.filter((m) => m.contentType?.typeId === "text").map((m) => String(m.content));
}
