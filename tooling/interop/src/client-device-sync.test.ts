// Device sync between our client and real libxmtp 1.9.1 installations of the same inbox (same
// wallet), through a real @x/node (v3, and d14n) and its history server: history (conversations, old messages,
// consent) both ways, consent changes both ways (and in our consent stream), and HMAC keys that
// every installation derives alike.

import { readdirSync, readFileSync } from "node:fs";
import { type RunningNode, startNode } from "@x/node";
import { createLibxmtp191, type Libxmtp191 } from "@x/testing/libxmtp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, randomWallet, TempDir, texts191 } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";
import { record } from "./test-utils/streams.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** An inbox id nobody uses: consent records do not need the inbox to exist. */
const someInbox = (c: string) => c.repeat(64);

describe.each(["v3", "d14n"] as const)("device sync with libxmtp 1.9.1 (%s)", (network) => {
  const dir = new TempDir();
  let node: RunningNode;
  /** The node's v3 URL, or its d14n gateway. */
  let url: string;
  let historyUrl: string;
  const ours: OurPeer[] = [];
  const theirs: Libxmtp191[] = [];
  let n = 0;

  const libxmtp = async (wallet = randomWallet(), history = historyUrl) => {
    const l = await createLibxmtp191(node.url, dir.file(`191-sync-${n++}.db3`), {
      wallet,
      appVersion: "interop-1.9.1",
      historySyncUrl: history,
      ...(network === "d14n" ? { gatewayHost: url } : {}),
    });
    theirs.push(l);
    return l;
  };
  const our = async (wallet = randomWallet()) => {
    const p = await ourPeer(url, dir, wallet, undefined, network, { historySyncUrl: historyUrl });
    ours.push(p);
    return p;
  };

  beforeAll(async () => {
    node = await startNode({
      port: 0,
      webPort: null,
      historyPort: 0,
      d14nPort: network === "d14n" ? 0 : null,
      db: dir.file("node.sqlite"),
    });
    url = network === "d14n" ? node.d14nUrl! : node.url;
    historyUrl = node.historyUrl!;
  });
  afterAll(async () => {
    for (const p of ours) await p.client.close().catch(() => {});
    await node?.stop();
    dir.remove();
  });

  it("a new installation of ours gets a libxmtp 1.9.1 installation's conversations, old messages, consent and HMAC key", async () => {
    const wallet = randomWallet();
    const old = await libxmtp(wallet);
    const friend = await our();
    const dm = await old.client.conversations.createDm(friend.client.inboxId);
    await dm.sendText("dm before the new installation");
    const group = await old.client.conversations.createGroup([friend.client.inboxId], {
      groupName: "synced group",
    });
    await group.sendText("group before the new installation");
    await old.client.preferences.setConsentStates([
      { entityType: 1 /* InboxId */, entity: someInbox("d"), state: 2 /* Denied */ } as never,
    ]);

    const fresh = await our(wallet);
    await fresh.client.sendSyncRequest();
    await eventually(
      async () => {
        await old.client.preferences.sync();
        await old.client.conversations.syncAll();
        await fresh.client.syncPreferences();
        const ids = (await fresh.client.conversations.list()).map((c) => c.id);
        if (!ids.includes(dm.id) || !ids.includes(group.id)) return false;
        const c = await fresh.client.conversations.getConversationById(dm.id);
        return (await ourTexts(c!)).includes("dm before the new installation");
      },
      "the new installation to have the history",
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // Sync groups are not conversations: the list holds exactly the two.
    expect((await fresh.client.conversations.list()).map((c) => c.id).sort()).toEqual(
      [dm.id, group.id].sort(),
    );
    const g = (await fresh.client.conversations.getConversationById(group.id))!;
    expect(await g.name()).toBe("synced group");
    expect(await ourTexts(g)).toContain("group before the new installation");
    expect(await fresh.client.preferences.getConsentState("inbox_id", someInbox("d"))).toBe(
      "denied",
    );

    // The restored group is a real one: we send, the friend and the old installation read it.
    await g.sendText("from the new installation");
    await friend.client.conversations.sync();
    const fg = (await friend.client.conversations.getConversationById(group.id))!;
    await fg.sync();
    expect(await ourTexts(fg)).toContain("from the new installation");
    await eventually(
      async () => (await texts191(group)).includes("from the new installation"),
      "the old installation to read the new one",
    );

    // One HMAC root key for the inbox: the same keys on both installations.
    await eventually(
      async () => {
        await old.client.preferences.sync();
        await fresh.client.syncPreferences();
        const theirKeys = group.hmacKeys()[group.id]!.map((k) => hex(k.key));
        const ourKeys = (await g.hmacKeys())[group.id]!.map((k) => hex(k.key));
        return theirKeys.length > 0 && theirKeys.join() === ourKeys.join();
      },
      "both installations to derive the same HMAC keys",
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(fresh.skipped).toEqual([]);
  }, 120_000);

  it("a new libxmtp 1.9.1 installation gets an installation of ours' conversations, old messages and consent", async () => {
    const wallet = randomWallet();
    const old = await our(wallet);
    const friend = await our();
    const dm = await old.client.conversations.createDm(friend.client.inboxId);
    await dm.sendText("our dm before");
    const group = await old.client.conversations.createGroup([friend.client.inboxId], {
      name: "our synced group",
    });
    await group.sendText("our group before");
    await old.client.preferences.setConsentStates([
      { entityType: "inbox_id", entity: someInbox("e"), state: "denied" },
    ]);

    // libxmtp 1.9.1 makes its sync group and sends its request by itself at start.
    const fresh = await libxmtp(wallet);
    await eventually(
      async () => {
        await old.client.syncPreferences();
        await fresh.client.preferences.sync();
        await fresh.client.conversations.syncAll();
        const c = await fresh.client.conversations.getConversationById(dm.id);
        if (c === undefined) return false;
        const g = await fresh.client.conversations.getConversationById(group.id);
        if (g === undefined) return false;
        return (await texts191(c)).includes("our dm before");
      },
      "the libxmtp installation to have the history",
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const g = (await fresh.client.conversations.getConversationById(group.id))!;
    expect(await texts191(g)).toContain("our group before");
    expect((g as { name?: string }).name).toBe("our synced group");
    expect(
      await fresh.client.preferences.getConsentState(1 as never /* InboxId */, someInbox("e")),
    ).toBe(2 /* Denied */);
    // The new installation is a member: it sends, we read.
    await g.sendText("from libxmtp's new installation");
    await eventually(async () => {
      await group.sync();
      return (await ourTexts(group)).includes("from libxmtp's new installation");
    }, "our old installation to read the new libxmtp one");
    expect(old.skipped).toEqual([]);
  }, 120_000);

  it("two installations of ours: the new one asks by itself at start (as 1.9.1), and gets the history", async () => {
    const wallet = randomWallet();
    const oldPath = dir.file(`old-${n++}.sqlite`);
    const old = await ourPeer(url, dir, wallet, oldPath, network, { historySyncUrl: historyUrl });
    ours.push(old);
    const friend = await libxmtp(randomWallet(), "");
    const group = await old.client.conversations.createGroup([friend.client.inboxId]);
    await group.sendText("ours before ours");
    const fresh = await our(wallet);
    await fresh.client.waitForSyncWorkerInit(); // sync_init: sync group, request
    await eventually(
      async () => {
        await old.client.syncPreferences();
        await fresh.client.syncPreferences();
        const g = await fresh.client.conversations.getConversationById(group.id);
        return g !== undefined && (await ourTexts(g)).includes("ours before ours");
      },
      "the new installation of ours to have the history",
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // The friend (libxmtp) reads the new installation: it was added to the group.
    const g = (await fresh.client.conversations.getConversationById(group.id))!;
    await g.sendText("ours after ours");
    const fg = await eventually(async () => {
      await friend.client.conversations.sync();
      return friend.client.conversations.getConversationById(group.id);
    }, "the friend's copy of the group");
    await eventually(
      async () => (await texts191(fg)).includes("ours after ours"),
      "libxmtp to read the new installation",
    );
    expect(old.skipped).toEqual([]);
    expect(fresh.skipped).toEqual([]);

    // Each sync message is handled once, across restarts: the reopened old installation does
    // not answer the request again (no new upload on the history server).
    const uploads = () => readdirSync(`${dir.file("node.sqlite")}.history`).length;
    const before = uploads();
    expect(before).toBeGreaterThan(0);
    await old.client.close();
    // Without workers a request is answered inside syncPreferences, so a second answer would
    // show at once.
    const reopened = await ourPeer(url, dir, wallet, oldPath, network, {
      historySyncUrl: historyUrl,
      disableWorkers: true,
    });
    ours.push(reopened);
    await reopened.client.syncPreferences();
    await reopened.client.syncPreferences();
    expect(uploads()).toBe(before);
  }, 90_000);

  it("an archive file of ours imports into a fresh installation; a damaged one changes nothing", async () => {
    const wallet = randomWallet();
    const a = await our(wallet);
    const friend = await our();
    const dm = await a.client.conversations.createDm(friend.client.inboxId);
    await dm.sendText("archived text");
    await a.client.preferences.setConsentStates([
      { entityType: "inbox_id", entity: someInbox("f"), state: "denied" },
    ]);
    const key = new Uint8Array(32).fill(9);
    const file = dir.file("ours.archive");
    await a.client.createArchive(file, { elements: ["messages", "consent"] }, key);
    const meta = await a.client.archiveMetadata(file, key);
    expect(meta.elements).toEqual(["messages", "consent"]);

    const b = await ourPeer(url, dir, randomWallet(), undefined, network, {
      deviceSyncMode: "disabled",
    });
    ours.push(b);
    const bytes = new Uint8Array(readFileSync(file));
    const damaged = bytes.slice();
    damaged[damaged.length - 5]! ^= 0xff;
    await expect(b.client.importArchive(damaged, key)).rejects.toMatchObject({
      name: "ArchiveError",
    });
    await expect(b.client.importArchive(bytes, new Uint8Array(32).fill(8))).rejects.toMatchObject({
      code: "ARCHIVE_BAD_KEY",
    });
    expect(await b.client.preferences.getConsentState("inbox_id", someInbox("f"))).toBe("unknown");

    const summary = await b.client.importArchive(file, key);
    expect(summary.messages.inserted).toBeGreaterThanOrEqual(1);
    expect(await b.client.preferences.getConsentState("inbox_id", someInbox("f"))).toBe("denied");
    // A restored DM: readable, not listed until a welcome makes it a real conversation.
    const restored = (await b.client.conversations.getConversationById(dm.id))!;
    expect(await ourTexts(restored)).toEqual(["archived text"]);
    expect((await b.client.conversations.list()).map((c) => c.id)).not.toContain(dm.id);
    // Importing again adds nothing.
    expect((await b.client.importArchive(file, key)).messages.inserted).toBe(0);
  }, 60_000);

  it("bad sync messages from another installation are skipped once and change nothing", async () => {
    const wallet = randomWallet();
    const a = await our(wallet);
    const b = await our(wallet);
    const requestId = await b.client.sendSyncRequest();
    await a.client.syncPreferences(); // joins b's sync group (and answers with a real archive)
    // `a` plays a broken or hostile installation: sync content sent by hand.
    const send = async (content: unknown) => {
      const group = await (
        a.client.deviceSync as unknown as {
          primary(): Promise<{ sendSyncContent(c: unknown): Promise<string> }>;
        }
      ).primary();
      await group.sendSyncContent(content);
    };
    await send({
      case: "reply",
      value: {
        requestId,
        url: `${historyUrl}/files/00000000-0000-4000-8000-000000000000`,
        encryptionKey: { key: { case: "aes256Gcm", value: new Uint8Array(32) } },
        timestampNs: 0n,
        kind: 0,
      },
    });
    await send({
      case: "reply",
      value: {
        requestId,
        url: "file:///etc/passwd",
        encryptionKey: { key: { case: "aes256Gcm", value: new Uint8Array(32) } },
        timestampNs: 0n,
        kind: 0,
      },
    });
    await send({
      case: "preferenceUpdates",
      value: {
        updates: [
          { update: { case: "hmac", value: { key: new Uint8Array(41), cycledAtNs: 1n << 62n } } },
          { update: { case: "hmac", value: { key: new Uint8Array(42).fill(1), cycledAtNs: 1n } } },
        ],
      },
    });
    const skippedBefore = b.skipped.length;
    await b.client.syncPreferences();
    const after = await b.db.preferences.get();
    // A 41-byte key and a key older than ours are refused: b keeps the key a cycled for both.
    const shared = (await a.db.preferences.get()).hmacKey!;
    expect(Buffer.from(after.hmacKey!).toString("hex")).toBe(Buffer.from(shared).toString("hex"));
    expect(after.hmacKeyCycledAtNs).toBeGreaterThan(1n);
    // The unknown file (404) and the file: URL are reported, each once.
    const reported = b.skipped.slice(skippedBefore).map((e) => (e as { code?: string }).code);
    expect(reported.filter((c) => c === "CLIENT_HISTORY_SERVER")).toHaveLength(2);
    await b.client.syncPreferences();
    expect(b.skipped.length).toBe(skippedBefore + 2);
  }, 60_000);

  it("with device sync off, no sync group is made or joined and requests are refused", async () => {
    const wallet = randomWallet();
    const on = await our(wallet);
    const off = await ourPeer(url, dir, wallet, undefined, network, {
      deviceSyncMode: "disabled",
    });
    ours.push(off);
    await off.client.waitForSyncWorkerInit();
    expect(off.client.workerStatus().map((w) => w.kind)).not.toContain("device-sync");
    await expect(off.client.sendSyncRequest()).rejects.toMatchObject({
      code: "CLIENT_DEVICE_SYNC_DISABLED",
    });
    await on.client.sendSyncRequest(); // its sync group adds `off`, whose welcome is ignored
    await off.client.conversations.sync();
    expect(await off.client.deviceSync.syncGroups()).toEqual([]);
    expect(await off.client.conversations.list()).toEqual([]);
    expect(off.skipped).toEqual([]);
  }, 60_000);

  it("consent set on one installation reaches the other, both ways, and our consent stream", async () => {
    const wallet = randomWallet();
    const l = await libxmtp(wallet);
    const o = await our(wallet);
    await o.client.sendSyncRequest();
    // Both in one sync group first.
    await eventually(async () => {
      await l.client.preferences.sync();
      await o.client.syncPreferences();
      return (await o.client.deviceSync.syncGroups()).length > 0;
    }, "a shared sync group");
    const consentStream = await o.client.preferences.streamConsent();
    const stream = record(consentStream);

    // ours → libxmtp
    await o.client.preferences.setConsentStates([
      { entityType: "inbox_id", entity: someInbox("a"), state: "denied" },
    ]);
    await eventually(
      async () => {
        await o.client.syncPreferences(); // sends what is queued, when no worker did yet
        await l.client.preferences.sync();
        return (await l.client.preferences.getConsentState(1 as never, someInbox("a"))) === 2;
      },
      "libxmtp to see our consent",
      { timeoutMs: 30_000, intervalMs: 500 },
    );

    // libxmtp → ours, in the stream too
    await l.client.preferences.setConsentStates([
      { entityType: 1, entity: someInbox("b"), state: 1 /* Allowed */ } as never,
    ]);
    await eventually(
      async () => {
        await l.client.preferences.sync();
        await o.client.syncPreferences();
        return (
          (await o.client.preferences.getConsentState("inbox_id", someInbox("b"))) === "allowed"
        );
      },
      "ours to see libxmtp's consent",
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    await eventually(
      async () =>
        stream.values.flat().some((c) => c.entity === someInbox("b") && c.state === "allowed"),
      "the consent stream to show libxmtp's change",
    );
    expect(stream.values.flat().some((c) => c.entity === someInbox("a"))).toBe(true);
    await consentStream.end();
  }, 90_000);
});
