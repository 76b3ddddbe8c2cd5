// The client's lifecycle against libxmtp 1.9.1 through @x/node, with the background workers on:
// key-package rotation after a welcome (the new key package is what the next libxmtp inbox uses),
// keyPackageStatuses for libxmtp installations (valid, expired, revoked, missing), releasing and
// reconnecting the database in a live group (nothing lost or duplicated), closing, the external
// identity strategy and a separate sync API client.

import { readFileSync } from "node:fs";
import { XmtpApi, type XmtpApiClient } from "@x/api";
import { createGrpcApiClient } from "@x/api-grpc";
import { ed25519PublicKey, generateEd25519PrivateKey, toHex } from "@x/crypto";
import { openSqlite } from "@x/db/sqlite";
import { inboxIdFor } from "@x/id";
import { Client, LIBRARY_VERSION, type Stream, validateKeyPackage } from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { createLibxmtp191 } from "@x/testing/libxmtp";
import type { Client as SdkClient } from "@xmtp/node-sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  peer191,
  randomWallet,
  type SdkConversation,
  TempDir,
  texts191,
} from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

const DAY_NS = 24n * 3600n * 1_000_000_000n;
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

describe("the client lifecycle with libxmtp 1.9.1", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let ours: OurPeer;
  let alice: SdkClient;
  let bob: SdkClient;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    ours = await ourPeer(node.url, dir);
    [alice, bob] = [await peer191(node.url, dir), await peer191(node.url, dir)];
  });
  afterAll(async () => {
    await node?.stop();
    await ours?.client.close();
    dir.remove();
  });

  const servedKeyPackage = async (client: Client) => {
    const api = new XmtpApi(createGrpcApiClient({ url: node.url }));
    const [bytes] = await api.fetchKeyPackages([client.installationIdBytes]);
    return validateKeyPackage(bytes!);
  };

  it("rotates the key package a libxmtp welcome used, so the next libxmtp inbox adds us with the new one", async () => {
    await ours.client.waitForSyncWorkerInit();
    expect(ours.client.workerStatus().map((w) => w.kind)).toEqual([
      "tasks",
      "disappearing-messages",
      "device-sync",
    ]);
    const before = await servedKeyPackage(ours.client);
    const first = (await ours.db.keyPackageHistory.latest())!;

    const g1 = (await alice.conversations.createGroup([ours.client.inboxId])) as SdkConversation;
    await g1.sendText("welcome 1");
    const t0 = Date.now();
    expect((await ours.client.conversations.sync()).map((c) => c.id)).toEqual([g1.id]);
    // Queued, not done at once (libxmtp waits 5 s, so a burst of welcomes rotates once).
    expect(toHex((await servedKeyPackage(ours.client)).initKey)).toBe(toHex(before.initKey));
    await eventually(
      async () => toHex((await servedKeyPackage(ours.client)).initKey) !== toHex(before.initKey),
      "the rotated key package on the node",
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4_000);
    const after = await servedKeyPackage(ours.client);
    // The replaced one stays 24 h for welcomes already on their way, the new one is current.
    const old = await ours.db.keyPackageHistory.findByHashRef(first.keyPackageHashRef);
    expect(old?.deleteAtNs).not.toBeNull();
    expect(old!.deleteAtNs! - nowNs()).toBeGreaterThan(DAY_NS - 60n * 1_000_000_000n);
    expect(await ours.db.mls.getKeyPackage(first.keyPackageHashRef)).toBeDefined();

    // bob (another libxmtp inbox) adds us: his welcome is to the new key package, and we join.
    const g2 = (await bob.conversations.createGroup([ours.client.inboxId])) as SdkConversation;
    await g2.sendText("welcome 2");
    const joined = await ours.client.conversations.sync();
    expect(joined.map((c) => c.id)).toEqual([g2.id]);
    const mine = (await ours.client.conversations.getConversationById(g2.id))!;
    await mine.sync();
    expect(await ourTexts(mine)).toEqual(["welcome 2"]);
    await mine.sendText("joined with the new key package");
    expect(await texts191(g2)).toEqual(["welcome 2", "joined with the new key package"]);
    const secrets = await ours.db.mls.findKeyPackageByPublicKey(after.initKey);
    expect(secrets).toBeDefined();
  });

  it("keyPackageStatuses: libxmtp's valid key package, the same one 90 days on, a revoked and a missing installation", async () => {
    const aliceId = alice.installationId;
    const wallet = randomWallet();
    const first = await createLibxmtp191(node.url, dir.file("revoked-1.db3"), {
      wallet,
      appVersion: "interop-1.9.1",
    });
    const second = await createLibxmtp191(node.url, dir.file("revoked-2.db3"), {
      wallet,
      appVersion: "interop-1.9.1",
    });
    await second.client.revokeInstallations([first.client.installationIdBytes]);
    const missing = "cd".repeat(32);

    const now = await ours.client.keyPackageStatuses([
      aliceId,
      first.client.installationId,
      missing,
    ]);
    const a = now.get(aliceId)!;
    expect(a.valid).toBe(true);
    if (a.valid) expect(a.keyPackage.inboxId).toBe(alice.inboxId);
    expect(now.get(first.client.installationId)).toMatchObject({
      valid: false,
      error: { code: "CLIENT_INSTALLATION_NOT_IN_INBOX" },
    });
    expect(now.get(missing)).toMatchObject({
      valid: false,
      error: { code: "CLIENT_NO_KEY_PACKAGE" },
    });

    // libxmtp's key packages live 84 days: 90 days on, alice's is expired, and says so.
    const later = await openSqlite({ path: dir.file("later.sqlite") });
    const lateClient = await Client.create(privateKeyToAccount(randomWallet().privateKey), {
      api: createGrpcApiClient({ url: node.url }),
      db: later,
      clock: () => nowNs() + 90n * DAY_NS,
      disableWorkers: true,
    });
    try {
      const expired = (await lateClient.keyPackageStatuses([alice.installationIdBytes])).get(
        aliceId,
      );
      expect(expired).toMatchObject({ valid: false, error: { code: "MLS_KEY_PACKAGE_LIFETIME" } });
      await expect(lateClient.keyPackageStatuses(["not hex"])).rejects.toMatchObject({
        code: "CLIENT_INVALID_ARGUMENT",
      });
    } finally {
      await lateClient.close();
    }
  });

  it("releases and reconnects its database in a live group: streams end with the reason, nothing is lost or duplicated", async () => {
    const theirs = (await alice.conversations.createGroup([
      ours.client.inboxId,
    ])) as SdkConversation;
    await theirs.sendText("before");
    await ours.client.conversations.sync();
    const group = (await ours.client.conversations.getConversationById(theirs.id))!;
    await group.sync();
    const stream: Stream<unknown> = await group.stream();
    const streamed: unknown[] = [];
    const reading = (async () => {
      try {
        for await (const m of stream) streamed.push(m);
        return undefined;
      } catch (e) {
        return e;
      }
    })();

    await ours.client.releaseDbConnection();
    expect(await reading).toMatchObject({ code: "CLIENT_DB_RELEASED" });
    expect(stream.error).toMatchObject({ code: "CLIENT_DB_RELEASED" });
    await expect(group.sync()).rejects.toMatchObject({ code: "db.released", retryable: true });
    await expect(ours.client.conversations.list()).rejects.toMatchObject({ code: "db.released" });
    for (const t of ["while released 1", "while released 2", "while released 3"]) {
      await theirs.sendText(t);
    }

    await ours.client.reconnectDb();
    await ours.client.reconnectDb(); // twice is fine
    await group.sync();
    const live = await group.stream();
    const got: string[] = [];
    const collecting = (async () => {
      for await (const m of live) {
        if (m.contentType?.typeId === "text") got.push(String(m.content));
        if (got.length === 2) break;
      }
    })();
    await theirs.sendText("after 1");
    await theirs.sendText("after 2");
    await collecting;
    await group.sync();
    const texts = await ourTexts(group);
    expect(texts).toEqual([
      "before",
      "while released 1",
      "while released 2",
      "while released 3",
      "after 1",
      "after 2",
    ]);
    const ids = (await group.messages()).map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    await group.sendText("back");
    expect((await texts191(theirs)).at(-1)).toBe("back");
    await ours.client.waitForSyncWorkerInit();
    expect(ours.client.workerStatus()[0]?.failures).toBe(0);
  });

  it("builds with an external identity, registers it once, and refuses a different one for the same database", async () => {
    const wallet = randomWallet();
    const installationKey = generateEd25519PrivateKey();
    const inboxId = inboxIdFor(
      { kind: "ethereum", address: privateKeyToAccount(wallet.privateKey).address.toLowerCase() },
      1n,
    );
    const path = dir.file("external.sqlite");
    const build = async (key: Uint8Array) =>
      Client.create(privateKeyToAccount(wallet.privateKey), {
        api: createGrpcApiClient({ url: node.url }),
        db: await openSqlite({ path }),
        identityStrategy: "external",
        identity: { inboxId, installationKey: key },
      });
    const ext = await build(installationKey);
    expect(ext.inboxId).toBe(inboxId);
    expect(ext.installationId).toBe(toHex(ed25519PublicKey(installationKey)));
    const state = await alice.preferences.fetchInboxStates([inboxId]);
    expect(state[0]?.installations.map((i) => i.id)).toEqual([ext.installationId]);
    // libxmtp can message it.
    const dm = await alice.conversations.createDm(inboxId);
    await dm.sendText("to the external identity");
    await ext.conversations.sync();
    const mine = (await ext.conversations.getConversationById(dm.id))!;
    await mine.sync();
    expect(await ourTexts(mine)).toEqual(["to the external identity"]);
    await ext.close();
    await expect(build(generateEd25519PrivateKey())).rejects.toMatchObject({
      code: "CLIENT_IDENTITY_MISMATCH",
    });
    const again = await build(installationKey);
    expect((await again.inboxState()).installations).toHaveLength(1);
    await again.close();
    await expect(
      Client.create(privateKeyToAccount(wallet.privateKey), {
        api: createGrpcApiClient({ url: node.url }),
        db: await openSqlite({ path: ":memory:" }),
        identityStrategy: "external",
        identity: { inboxId: "not an inbox id", installationKey },
      }),
    ).rejects.toMatchObject({ code: "CLIENT_INVALID_ARGUMENT" });
  });

  it("reads group messages and identity updates through the sync API client, and sends through the other", async () => {
    const calls = { api: [] as string[], sync: [] as string[] };
    const counting = (into: string[]): XmtpApiClient => {
      const inner = createGrpcApiClient({ url: node.url }) as unknown as Record<string, unknown>;
      return new Proxy(inner, {
        get(target, prop) {
          const v = target[prop as string];
          if (typeof v !== "function") return v;
          return (...args: unknown[]) => {
            into.push(String(prop));
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }) as unknown as XmtpApiClient;
    };
    const client = await Client.create(privateKeyToAccount(randomWallet().privateKey), {
      api: counting(calls.api),
      syncApi: counting(calls.sync),
      db: await openSqlite({ path: dir.file("two-apis.sqlite") }),
    });
    try {
      const g = await client.conversations.createGroup([alice.inboxId]);
      calls.api.length = 0;
      calls.sync.length = 0;
      await g.sendText("one");
      const theirs = (await eventually(async () => {
        await alice.conversations.sync();
        return alice.conversations.getConversationById(g.id);
      }, "alice's copy of the group")) as SdkConversation;
      await theirs.sendText("two");
      await g.sync();
      expect(await ourTexts(g)).toEqual(["one", "two"]);
      expect(calls.sync).toContain("queryGroupMessages");
      expect(calls.api).not.toContain("queryGroupMessages");
      expect(calls.api).toContain("sendGroupMessages");
      expect(calls.sync).not.toContain("sendGroupMessages");
      await client.inboxState(true);
      expect(calls.sync).toContain("getIdentityUpdates");
      expect(calls.api).not.toContain("getIdentityUpdates");
    } finally {
      await client.close();
    }
  });

  it("close() ends streams, stops the workers and closes the database; the version is package.json's", async () => {
    const db = await openSqlite({ path: dir.file("closing.sqlite") });
    const client = await Client.create(privateKeyToAccount(randomWallet().privateKey), {
      api: createGrpcApiClient({ url: node.url }),
      db,
    });
    const s = await client.conversations.stream();
    await client.close();
    expect(s.isDone).toBe(true);
    expect(s.error).toBeUndefined();
    expect(client.workerStatus()[0]?.kind).toBe("tasks");
    await expect(client.conversations.list()).rejects.toMatchObject({ code: "db.closed" });
    await expect(client.releaseDbConnection()).rejects.toMatchObject({ code: "CLIENT_CLOSED" });
    await client.close(); // twice is fine
    const pkg = JSON.parse(
      readFileSync(new URL("../../../packages/mls/package.json", import.meta.url), "utf8"),
    ) as { version: string };
    expect(Client.version).toEqual({
      library: pkg.version,
      libxmtp: "1.9.1",
      mls: "mls10",
      ciphersuite: "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
    });
    expect(LIBRARY_VERSION).toBe(pkg.version);
    // An in-memory database cannot be released.
    const mem = await Client.create(privateKeyToAccount(randomWallet().privateKey), {
      api: createGrpcApiClient({ url: node.url }),
      db: await openSqlite({ path: ":memory:" }),
    });
    await expect(mem.releaseDbConnection()).rejects.toMatchObject({
      code: "CLIENT_INVALID_ARGUMENT",
    });
    expect((await mem.conversations.list()).length).toBe(0);
    await mem.close();
  });
});
