// Run in a fresh process by the benchmark: times the import of a client package and the
// creation of a client from an existing database, and reports the process's RSS once the client
// holds its conversations. Prints one JSON line.
//   node child.js <ours|ours-bundled|libxmtp-1.9.1> <url> <reopen JSON> [bundle entry file]
import { performance } from "node:perf_hooks";

const [impl, url, reopenJson, bundle] = process.argv.slice(2) as [
  string,
  string,
  string,
  string | undefined,
];
const reopen = JSON.parse(reopenJson) as {
  privateKey: `0x${string}`;
  dbPath: string;
  dbKeyHex?: string;
};
const gc = (globalThis as { gc?: () => void }).gc;

async function main() {
  const t0 = performance.now();
  let importMs: number;
  let openMs: number;
  let conversations: number;
  if (impl === "ours" || impl === "ours-bundled") {
    type Ours = typeof import("@x/mls") &
      typeof import("@x/api-grpc") &
      typeof import("@x/db/sqlite");
    const load = async (): Promise<Ours> => {
      // The bundle (bundle.ts) exports the same three names.
      if (impl === "ours-bundled") return (await import(bundle!)) as Ours;
      const [mls, grpc, sqlite] = await Promise.all([
        import("@x/mls"),
        import("@x/api-grpc"),
        import("@x/db/sqlite"),
      ]);
      return { ...mls, ...grpc, ...sqlite };
    };
    const [{ Client, createGrpcApiClient, openSqlite }, { privateKeyToAccount }] =
      await Promise.all([load(), import("viem/accounts")]);
    importMs = performance.now() - t0;
    // The wallet account is made before the clock starts, as for libxmtp below.
    const account = privateKeyToAccount(reopen.privateKey);
    const t1 = performance.now();
    const client = await Client.create(account, {
      api: createGrpcApiClient({ url }),
      db: await openSqlite({ path: reopen.dbPath }),
    });
    openMs = performance.now() - t1;
    const list = await client.conversations.list();
    for (const c of list) await c.messages({ limit: 20 });
    conversations = list.length;
  } else {
    const [{ ApiUrls, Client }, { privateKeyToAccount }] = await Promise.all([
      import("@xmtp/node-sdk"),
      import("viem/accounts"),
    ]);
    importMs = performance.now() - t0;
    (ApiUrls as Record<string, string>).local = url;
    const account = privateKeyToAccount(reopen.privateKey);
    const t1 = performance.now();
    const client = await Client.create(
      {
        type: "EOA",
        getIdentifier: () =>
          ({ identifier: account.address.toLowerCase(), identifierKind: 0 }) as never,
        signMessage: async (text: string) =>
          Buffer.from((await account.signMessage({ message: text })).slice(2), "hex"),
      },
      {
        env: "local",
        apiUrl: url,
        dbPath: reopen.dbPath,
        dbEncryptionKey: Buffer.from(reopen.dbKeyHex!, "hex"),
        disableDeviceSync: true,
      },
    );
    openMs = performance.now() - t1;
    const list = await client.conversations.list();
    for (const c of list) await c.messages({ limit: 20 });
    conversations = list.length;
  }
  gc?.();
  await new Promise((r) => setTimeout(r, 200));
  gc?.();
  const rss = process.memoryUsage().rss;
  process.stdout.write(`${JSON.stringify({ importMs, openMs, conversations, rss })}\n`);
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
