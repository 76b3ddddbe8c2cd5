// Key-package history and deletion through @x/node, with an injected clock and the background
// workers off (client-lifecycle.test.ts has them on): after a welcome the client rotates its key
// package at once; the replaced one is kept for 24 h (welcomes may still be on their
// way to it), then its secrets and history are deleted and a welcome to it is refused.

import { XmtpApi } from "@x/api";
import { createGrpcApiClient } from "@x/api-grpc";
import { ed25519PublicKey, toHex } from "@x/crypto";
import { openSqlite } from "@x/db/sqlite";
import {
  addMembers,
  Client,
  ClientError,
  createGroup,
  MlsEngineError,
  type VerifiedKeyPackage,
  validateKeyPackage,
  wrapWelcome,
} from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomWallet, TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer } from "./test-utils/our-client.js";

const HOUR_NS = 3600n * 1_000_000_000n;
const codeOf = (e: unknown) =>
  e instanceof MlsEngineError || e instanceof ClientError ? e.code : `untyped: ${String(e)}`;

describe("our client: key-package rotation, history and deletion", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let a: OurPeer;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    a = await ourPeer(node.url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    await a?.db.close();
    dir.remove();
  });

  it("keeps a replaced key package for 24 h, then deletes it; welcomes to it are then refused", async () => {
    let now = BigInt(Date.now()) * 1_000_000n;
    const db = await openSqlite({ path: dir.file("kp.sqlite") });
    const skipped: unknown[] = [];
    const api = new XmtpApi(createGrpcApiClient({ url: node.url }));
    try {
      const ours = await Client.create(privateKeyToAccount(randomWallet().privateKey), {
        api,
        db,
        clock: () => now,
        onSkipped: (e) => skipped.push(e),
        disableWorkers: true,
      });
      const first = (await db.keyPackageHistory.latest())!;
      expect(first.deleteAtNs).toBeNull();
      const [firstBytes] = await api.fetchKeyPackages([ours.installationIdBytes]);
      const firstKp = await validateKeyPackage(firstBytes!);

      // A welcome uses the key package: the client rotates and schedules the old one.
      await a.client.conversations.createGroup([ours.inboxId]);
      expect(await ours.conversations.sync()).toHaveLength(1);
      const second = (await db.keyPackageHistory.latest())!;
      expect(toHex(second.keyPackageHashRef)).not.toBe(toHex(first.keyPackageHashRef));
      expect((await db.keyPackageHistory.findByHashRef(first.keyPackageHashRef))?.deleteAtNs).toBe(
        now + 24n * HOUR_NS,
      );
      // The node hands out the new one.
      const [served] = await api.fetchKeyPackages([ours.installationIdBytes]);
      expect(toHex((await validateKeyPackage(served!)).initKey)).not.toBe(toHex(firstKp.initKey));

      // 23 h later: still kept, so a welcome still on its way to it is opened (this forged one then
      // fails the member check, which comes after finding the key package).
      now += 23n * HOUR_NS;
      await insertWelcomeTo(firstKp, ours);
      skipped.length = 0;
      await ours.conversations.sync();
      expect(skipped.map(codeOf)).toEqual(["CLIENT_WELCOME_INVALID"]);
      expect(await db.mls.getKeyPackage(first.keyPackageHashRef)).toBeDefined();

      // 24 h after the rotation: deleted (secrets and history); the current one stays.
      now += 1n * HOUR_NS + 1n;
      skipped.length = 0;
      await ours.conversations.sync();
      expect(await db.mls.getKeyPackage(first.keyPackageHashRef)).toBeUndefined();
      expect(await db.keyPackageHistory.findByHashRef(first.keyPackageHashRef)).toBeUndefined();
      expect(await db.mls.getKeyPackage(second.keyPackageHashRef)).toBeDefined();
      expect(await db.keyPackageHistory.listDueForDeletion(now)).toEqual([]);
      await insertWelcomeTo(firstKp, ours);
      await ours.conversations.sync();
      expect(skipped.map(codeOf)).toEqual(["MLS_WELCOME_NOT_FOR_US"]);
      // The current key package still works: a real welcome is joined.
      const g = await a.client.conversations.createGroup([ours.inboxId]);
      expect((await ours.conversations.sync()).map((c) => c.id)).toEqual([g.id]);
    } finally {
      await db.close();
    }
  });

  /** A welcome wrapped to `kp`, from a group made outside any client (not a registered creator). */
  async function insertWelcomeTo(kp: VerifiedKeyPackage, to: Client): Promise<void> {
    const privateKey = new Uint8Array(32).fill(5);
    const g = await createGroup({
      inboxId: a.client.inboxId,
      installationKey: { privateKey, publicKey: ed25519PublicKey(privateKey) },
    });
    const staged = await addMembers(g, [kp], { [to.inboxId]: 1n });
    const w = await wrapWelcome(
      staged.welcome!.message,
      { installationId: to.installationIdBytes, initKey: kp.initKey },
      1n,
    );
    await node.store.insertWelcomes(
      [
        {
          kind: "v1",
          installationKey: w.installationKey,
          data: w.data,
          hpkePublicKey: w.hpkePublicKey,
          wrapperAlgorithm: w.wrapperAlgorithm,
          welcomeMetadata: w.welcomeMetadata,
        },
      ],
      BigInt(Date.now()) * 1_000_000n,
    );
  }
});
