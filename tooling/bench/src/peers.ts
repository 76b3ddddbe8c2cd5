// Our client for the benchmark (@x/mls + @x/api-grpc + @x/db SQLite), with a wallet and its own
// database file. The libxmtp clients come from @x/testing/libxmtp.
import { createD14nApiClient } from "@x/api-d14n";
import { createGrpcApiClient } from "@x/api-grpc";
import type { XmtpDatabase } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
import { randomWallet, type Wallet } from "@x/testing/libxmtp";
import { privateKeyToAccount } from "viem/accounts";

export {
  createLibxmtp154,
  createLibxmtp191,
  eventually,
  randomWallet,
  TempDir,
  textContent154,
  type Wallet,
} from "@x/testing/libxmtp";

export interface Ours {
  client: Client;
  db: XmtpDatabase;
  wallet: Wallet;
  dbPath: string;
}

export async function createOurs(
  url: string,
  dbPath: string,
  wallet = randomWallet(),
  /** "d14n": `url` is the gateway, and the client uses @x/api-d14n. */
  network: "v3" | "d14n" = "v3",
): Promise<Ours> {
  // XMTP_BENCH_SYNCHRONOUS=full: measure with SQLite synchronous=FULL (@x/db's default is NORMAL,
  // as libxmtp's).
  const synchronous = process.env.XMTP_BENCH_SYNCHRONOUS === "full" ? "full" : undefined;
  const db = await openSqlite({ path: dbPath, synchronous });
  const client = await Client.create(privateKeyToAccount(wallet.privateKey), {
    api:
      network === "d14n"
        ? createD14nApiClient({ gatewayUrl: url, appVersion: "bench-ours" })
        : createGrpcApiClient({ url, appVersion: "bench-ours" }),
    db,
  });
  return { client, db, wallet, dbPath };
}
