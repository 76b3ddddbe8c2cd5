// Welcome pointers and X-Wing welcomes between our client and real libxmtp 1.9.1 (node-sdk 5.5.0),
// both ways, through @x/node on v3 and on d14n (1.9.1 with gatewayHost, ours over @x/api-d14n):
// 1.9.1 adding five of ours at once sends pointers, which we follow; we add five 1.9.1
// installations at once and send pointers, which 1.9.1 follows; a mixed add (v3 only: 1.5.4 has
// no d14n) gives pointers to 1.9.1 and ordinary welcomes to 1.5.4; one recipient gets an ordinary
// X-Wing welcome; bad pointers are skipped; and a pointee that is not there yet is followed later
// by the durable task.
import { XmtpApi, type XmtpApiClient } from "@x/api";
import { createD14nApiClient } from "@x/api-d14n";
import { createGrpcApiClient } from "@x/api-grpc";
import { fromHex, generateHpkeKeyPair, wrapWelcome as hpkeWrap, randomBytes } from "@x/crypto";
import { openSqlite } from "@x/db/sqlite";
import {
  Client,
  type DecryptedWelcomePointer,
  encodeWelcomePointer,
  type Group,
  validateKeyPackage,
} from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { create, fromBinary, toBinary } from "@x/proto";
import {
  type SendWelcomeMessagesRequest,
  type WelcomeMessage,
  type WelcomeMessageInput,
  WelcomeMessageInputSchema,
} from "@x/proto/mls/api/v1";
import { TaskSchema } from "@x/proto/mls/database";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, randomWallet, TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourTexts } from "./test-utils/our-client.js";
import {
  type LibxmtpConversation,
  type LibxmtpPeer,
  libxmtp154,
  libxmtp191,
  libxmtp191d14n,
} from "./test-utils/peers.js";

const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const MINUTE_NS = 60n * 1_000_000_000n;

interface Tapped extends OurPeer {
  /** Every SendWelcomeMessages batch this client sent. */
  sent: WelcomeMessageInput[][];
  /** While set, pointees are held back here instead of being sent. */
  withhold?: WelcomeMessageInput[];
  /** Added to the client's clock (ns), to bring its tasks forward. */
  clockOffset: bigint;
}

/**
 * What a client skipped, less the stale copies of commits that lost an epoch race (members that
 * just joined all send a key-update commit; libxmtp re-publishes a losing commit).
 */
const problems = (skipped: unknown[]) =>
  skipped
    .map((e) => (e as { code?: string }).code ?? String(e))
    .filter((c) => c !== "MLS_STALE_COMMIT");

const isPointee = (m: WelcomeMessageInput) =>
  m.version.case === "v1" && m.version.value.wrapperAlgorithm === 3;
const bytesOf = (batch: WelcomeMessageInput[]) =>
  batch.reduce((n, m) => n + toBinary(WelcomeMessageInputSchema, m).length, 0);

describe.each([
  { network: "v3" as const, lib: libxmtp191 },
  { network: "d14n" as const, lib: libxmtp191d14n },
])("welcome pointers with libxmtp 1.9.1 on $network", ({ network, lib }) => {
  const dir = new TempDir();
  let node: RunningNode;
  let url: string;
  /** A client of ours' view of the node, to see what was stored. */
  let raw: XmtpApi;
  const ours: Tapped[] = [];
  const theirs: LibxmtpPeer[] = [];
  let counter = 0;

  const apiClient = (): XmtpApiClient =>
    network === "d14n"
      ? createD14nApiClient({ gatewayUrl: url, appVersion: "interop-pointers" })
      : createGrpcApiClient({ url, appVersion: "interop-pointers" });

  /** Our client, with its SendWelcomeMessages recorded (and pointees held back on request). */
  async function tappedPeer(): Promise<Tapped> {
    const wallet = randomWallet();
    const db = await openSqlite({ path: dir.file(`ours-${counter++}.sqlite`) });
    const inner = apiClient();
    const peer = { wallet, db, skipped: [] as unknown[], sent: [], clockOffset: 0n } as Omit<
      Tapped,
      "client"
    > as Tapped;
    const api = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop !== "sendWelcomeMessages") {
          const v = Reflect.get(target, prop, receiver);
          return typeof v === "function" ? v.bind(target) : v;
        }
        return (req: SendWelcomeMessagesRequest, o?: unknown) => {
          peer.sent.push(req.messages);
          const held = peer.withhold;
          if (held !== undefined) {
            held.push(...req.messages.filter(isPointee));
            req = { ...req, messages: req.messages.filter((m) => !isPointee(m)) };
          }
          return target.sendWelcomeMessages(req, o as never);
        };
      },
    });
    peer.client = await Client.create(privateKeyToAccount(wallet.privateKey), {
      api,
      db,
      onSkipped: (e) => peer.skipped.push(e),
      clock: () => nowNs() + peer.clockOffset,
    });
    return peer;
  }

  /** The welcomes the node holds for an installation, oldest first. */
  const welcomesOf = (installationId: string | Uint8Array): Promise<WelcomeMessage[]> =>
    raw.queryWelcomeMessages(
      typeof installationId === "string" ? fromHex(installationId) : installationId,
    );
  const lastWelcomeKind = async (installationId: string | Uint8Array) =>
    (await welcomesOf(installationId)).at(-1)?.version.case;

  /** Installation ids of a group's members, for one inbox. */
  const installationsOf = async (group: Group, inboxId: string) =>
    (await group.members()).find((m) => m.inboxId === inboxId)?.installationIds ?? [];

  beforeAll(async () => {
    node = await startNode({
      port: 0,
      webPort: null,
      d14nPort: network === "d14n" ? 0 : null,
      db: dir.file("node.sqlite"),
    });
    url = network === "d14n" ? node.d14nUrl! : node.url;
    raw = new XmtpApi(apiClient());
    for (let i = 0; i < 5; i++) ours.push(await tappedPeer());
    for (let i = 0; i < 5; i++) theirs.push(await lib.create(url, dir));
  }, 180_000);
  afterAll(async () => {
    await node?.stop();
    for (const o of ours) await o.client.close();
    dir.remove();
  });

  it("our key packages carry 1.9.1's extensions and capabilities", async () => {
    const group = await ours[0]!.client.conversations.createGroup([theirs[0]!.inboxId]);
    const [theirId] = await installationsOf(group, theirs[0]!.inboxId);
    const [mine, real] = await raw.fetchKeyPackages([
      ours[1]!.client.installationIdBytes,
      fromHex(theirId!),
    ]);
    const a = await validateKeyPackage(mine!);
    const b = await validateKeyPackage(real!);
    expect(a.keyPackage.leafNode.capabilities).toEqual(b.keyPackage.leafNode.capabilities);
    const shape = (kp: typeof a) =>
      kp.keyPackage.extensions.map((e) => [e.extensionType, e.extensionData.length]);
    expect(shape(a)).toEqual(shape(b));
    expect(shape(a)).toEqual([
      [0x000a, 0],
      [0xff04, 3],
      [0xff03, 1221],
    ]);
    expect(a.supportsWelcomePointers && b.supportsWelcomePointers).toBe(true);
    expect(a.welcomeWrapperEncryption?.algorithm).toBe(2);
    expect(b.welcomeWrapperEncryption?.publicKey).toHaveLength(1216);
  });

  it("1.9.1 adds five of ours at once: we get pointers, follow them, join, read and send", async () => {
    const creator = theirs[0]!;
    const g = await creator.createGroup(ours.map((o) => o.client.inboxId));
    await g.send("hello from 1.9.1");
    for (const o of ours) {
      expect(await lastWelcomeKind(o.client.installationIdBytes)).toBe("welcomePointer");
    }
    const groups = await Promise.all(
      ours.map(async (o) => {
        const joined = await o.client.conversations.sync();
        expect(joined.map((c) => c.id)).toContain(g.id);
        const group = (await o.client.conversations.getConversationById(g.id))!;
        await group.sync();
        expect(await ourTexts(group)).toEqual(["hello from 1.9.1"]);
        return group;
      }),
    );
    for (const [i, group] of groups.entries()) await group.sendText(`ours ${i}`);
    const all = ["hello from 1.9.1", ...ours.map((_, i) => `ours ${i}`)];
    expect(await g.texts()).toEqual(all);
    for (const [i, group] of groups.entries()) {
      await group.sync();
      expect(await ourTexts(group)).toEqual(all);
      expect(problems(ours[i]!.skipped)).toEqual([]);
    }
  });

  it("we add five 1.9.1 installations at once: we send pointers, they join, read and send", async () => {
    const me = ours[0]!;
    me.sent.length = 0;
    const group = await me.client.conversations.createGroup(theirs.map((t) => t.inboxId));
    await group.sendText("hello from ours");
    // one batch: the pointee first, then a pointer for each installation
    expect(me.sent).toHaveLength(1);
    const batch = me.sent[0]!;
    expect(batch.map((m) => m.version.case)).toEqual(["v1", ...theirs.map(() => "welcomePointer")]);
    expect(isPointee(batch[0]!)).toBe(true);
    for (const t of theirs) {
      const [id] = await installationsOf(group, t.inboxId);
      expect(await lastWelcomeKind(id!)).toBe("welcomePointer");
    }
    const pointee = batch[0]!.version.value!;
    const destination = (await welcomesOf(pointee.installationKey)).map((w) => w.version.case);
    expect(destination).toEqual(["v1"]);
    console.log(
      `${network}: 5-member add with pointers: ${bytesOf(batch)} B uploaded (pointee ${bytesOf([batch[0]!])} B, pointers ${bytesOf(batch.slice(1))} B)`,
    );
    const convs: LibxmtpConversation[] = [];
    for (const [i, t] of theirs.entries()) {
      const c = await t.findConversation(group.id);
      expect((await c.texts())[0]).toBe("hello from ours");
      await c.send(`1.9.1 #${i}`);
      convs.push(c);
    }
    await group.sync();
    const all = ["hello from ours", ...theirs.map((_, i) => `1.9.1 #${i}`)];
    expect(await ourTexts(group)).toEqual(all);
    for (const c of convs) expect(await c.texts()).toEqual(all);
    expect(problems(me.skipped)).toEqual([]);
  });

  // libxmtp 1.5.4 has no d14n mode: the mixed add is a v3 test only (not a skipped one).
  const onV3 = network === "v3" ? it : undefined;
  onV3?.(
    "a mixed add: pointers for three 1.9.1 installations, ordinary welcomes for two 1.5.4 ones",
    async () => {
      const me = ours[0]!;
      const old = [await libxmtp154.create(url, dir), await libxmtp154.create(url, dir)];
      const fresh: LibxmtpPeer[] = [];
      for (let i = 0; i < 3; i++) fresh.push(await lib.create(url, dir));
      me.sent.length = 0;
      const group = await me.client.conversations.createGroup(
        [...fresh, ...old].map((p) => p.inboxId),
      );
      await group.sendText("to everyone");
      const batch = me.sent[0]!;
      expect(batch.filter(isPointee)).toHaveLength(1);
      expect(batch.filter((m) => m.version.case === "welcomePointer")).toHaveLength(3);
      for (const p of fresh) {
        const [id] = await installationsOf(group, p.inboxId);
        expect(await lastWelcomeKind(id!)).toBe("welcomePointer");
      }
      for (const p of old) {
        const [id] = await installationsOf(group, p.inboxId);
        const last = (await welcomesOf(id!)).at(-1)!;
        expect(last.version.case).toBe("v1");
        // 1.5.4 advertises X-Wing in 0xff03 but no 0xff04: an X-Wing welcome
        if (last.version.case === "v1") expect(last.version.value.wrapperAlgorithm).toBe(2);
      }
      for (const [i, p] of [...fresh, ...old].entries()) {
        const c = await p.findConversation(group.id);
        expect((await c.texts())[0]).toBe("to everyone");
        await c.send(`${p.version} #${i}`);
      }
      await group.sync();
      expect(await ourTexts(group)).toHaveLength(6);
      expect(problems(me.skipped)).toEqual([]);
    },
  );

  it("one 1.9.1 recipient gets an ordinary X-Wing welcome and opens it", async () => {
    const me = ours[1]!;
    const them = await lib.create(url, dir);
    me.sent.length = 0;
    const group = await me.client.conversations.createGroup([them.inboxId]);
    await group.sendText("just us");
    const batch = me.sent[0]!;
    expect(batch).toHaveLength(1);
    const w = batch[0]!.version;
    expect(w.case).toBe("v1");
    if (w.case !== "v1") return;
    expect(w.value.wrapperAlgorithm).toBe(2);
    expect(w.value.hpkePublicKey).toHaveLength(1216);
    console.log(`${network}: one ordinary X-Wing welcome (2-member group): ${bytesOf(batch)} B`);
    const c = await them.findConversation(group.id);
    expect(await c.texts()).toEqual(["just us"]);
    await c.send("opened");
    await group.sync();
    expect(await ourTexts(group)).toEqual(["just us", "opened"]);
  });

  it("bad pointers are skipped with typed errors, the cursor moves on, nothing is stored", async () => {
    const target = await tappedPeer();
    const [kpBytes] = await raw.fetchKeyPackages([target.client.installationIdBytes]);
    const xwingKey = (await validateKeyPackage(kpBytes!)).welcomeWrapperEncryption!.publicKey;
    const pointerTo = (welcomePointer: Uint8Array, hpkePublicKey = xwingKey) =>
      create(WelcomeMessageInputSchema, {
        version: {
          case: "welcomePointer",
          value: {
            installationKey: target.client.installationIdBytes,
            welcomePointer,
            hpkePublicKey,
            wrapperAlgorithm: 2,
          },
        },
      });
    const newPointer = (): DecryptedWelcomePointer => ({
      destination: randomBytes(32),
      aeadType: 3,
      encryptionKey: randomBytes(32),
      dataNonce: randomBytes(12),
      welcomeMetadataNonce: randomBytes(12),
    });
    const sealTo = async (p: DecryptedWelcomePointer, publicKey = xwingKey) =>
      (await hpkeWrap({ payload: encodeWelcomePointer(p), publicKey, algorithm: 2 })).wrapped;
    // a pointer whose destination holds another pointer
    const toPointer = newPointer();
    const other = await generateHpkeKeyPair(2);
    // a pointer whose pointee is sealed with another key
    const toWrongKey = newPointer();
    await raw.sendWelcomeMessages([
      create(WelcomeMessageInputSchema, {
        version: {
          case: "welcomePointer",
          value: {
            installationKey: toPointer.destination,
            welcomePointer: await sealTo(newPointer()),
            hpkePublicKey: xwingKey,
            wrapperAlgorithm: 2,
          },
        },
      }),
      create(WelcomeMessageInputSchema, {
        version: {
          case: "v1",
          value: {
            installationKey: toWrongKey.destination,
            data: randomBytes(200),
            welcomeMetadata: randomBytes(18),
            wrapperAlgorithm: 3,
          },
        },
      }),
    ]);
    await raw.sendWelcomeMessages([
      pointerTo(Uint8Array.of(0xff, 0xff, 0xff)), // garbage
      pointerTo(await sealTo(toPointer)),
      pointerTo(await sealTo(newPointer(), other.publicKey)), // wrapped to another key
      pointerTo(await sealTo(toWrongKey)),
    ]);
    expect(await target.client.conversations.sync()).toEqual([]);
    expect(target.skipped.map((e) => (e as { code?: string }).code)).toEqual([
      "MLS_WELCOME_POINTER_INVALID",
      "MLS_WELCOME_POINTER_INVALID",
      "MLS_WELCOME_DECRYPT_FAILED",
      "MLS_WELCOME_DECRYPT_FAILED",
    ]);
    // the cursor moved past them: read again, nothing new; nothing stored, no task queued
    expect(await target.client.conversations.sync()).toEqual([]);
    expect(target.skipped).toHaveLength(4);
    expect(await target.client.conversations.list()).toEqual([]);
    expect(
      (await target.db.tasks.listDue(nowNs() + 365n * 24n * 60n * MINUTE_NS, 50)).filter(
        (t) => fromBinary(TaskSchema, t.data).task.case === "processWelcomePointer",
      ),
    ).toEqual([]);
    await target.client.close();
  });

  it("a pointee that is not there yet: retried, then a task follows it once it comes", async () => {
    const sender = await tappedPeer();
    const joiners = [await tappedPeer(), await tappedPeer(), await tappedPeer()];
    sender.withhold = [];
    const group = await sender.client.conversations.createGroup(
      joiners.map((j) => j.client.inboxId),
    );
    await group.sendText("late");
    expect(sender.withhold).toHaveLength(1);
    const t0 = Date.now();
    await Promise.all(joiners.map((j) => j.client.conversations.sync()));
    // libxmtp's backoff (about 6 s), then a task; the welcome cursor moved on
    expect(Date.now() - t0).toBeGreaterThan(5_000);
    for (const j of joiners) {
      expect(j.skipped.map((e) => (e as { code?: string }).code)).toEqual([
        "CLIENT_WELCOME_POINTEE_NOT_FOUND",
      ]);
      expect(await j.client.conversations.getConversationById(group.id)).toBeUndefined();
      expect(await j.client.conversations.sync()).toEqual([]);
      const tasks = await j.db.tasks.listDue(nowNs() + 10n * MINUTE_NS, 10);
      expect(tasks.some((t) => t.originatingMessage !== null)).toBe(true);
    }
    // the pointee arrives; the tasks' time comes
    await raw.sendWelcomeMessages(sender.withhold);
    for (const j of joiners) {
      j.clockOffset = 6n * MINUTE_NS;
      await j.client.queueKeyRotation(); // wakes the task worker
    }
    for (const j of joiners) {
      const g = await eventually(
        () => j.client.conversations.getConversationById(group.id),
        "the group joined by the welcome-pointer task",
      );
      await g.sync();
      expect(await ourTexts(g)).toEqual(["late"]);
    }
    for (const j of [sender, ...joiners]) await j.client.close();
  });
});
