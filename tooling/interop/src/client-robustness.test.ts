// Our client against @x/node alone: commit races (intent rebuilt and republished) and bad input
// from the node (garbage, another group's ciphertext, a commit by a non-member, a welcome made for
// someone else's key package): a typed error, the group state unchanged, sync goes on.

import { XmtpApi } from "@x/api";
import { createGrpcApiClient } from "@x/api-grpc";
import { ed25519PublicKey, fromHex } from "@x/crypto";
import { IntentState } from "@x/db";
import {
  addMembers,
  ClientError,
  createGroup,
  MlsEngineError,
  mergeStagedCommit,
  selfUpdate,
  updateMetadataField,
  validateKeyPackage,
  wrapWelcome,
} from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

const keyPair = (fill: number) => {
  const privateKey = new Uint8Array(32).fill(fill);
  return { privateKey, publicKey: ed25519PublicKey(privateKey) };
};

const codeOf = (e: unknown) =>
  e instanceof MlsEngineError || e instanceof ClientError ? e.code : `untyped: ${String(e)}`;

describe("our client: races and bad input through @x/node", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let peers: OurPeer[] = [];

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    for (let i = 0; i < 4; i++) peers.push(await ourPeer(node.url, dir));
  });
  afterAll(async () => {
    await node?.stop();
    for (const p of peers) await p.db.close();
    peers = [];
    dir.remove();
  });

  it("rebuilds a commit that lost its epoch and everyone ends in the same epoch", async () => {
    const [a, b, c, d] = peers as [OurPeer, OurPeer, OurPeer, OurPeer];
    const ga = await a.client.conversations.createGroup([b.client.inboxId]);
    await b.client.conversations.sync();
    const gb = (await b.client.conversations.getConversationById(ga.id))!;
    await gb.sync();
    // Both commit at the same epoch; the node orders them, the loser rebuilds on the winner.
    await Promise.all([ga.addMembers([c.client.inboxId]), gb.addMembers([d.client.inboxId])]);
    const attempts = async (p: OurPeer) =>
      (await p.db.intents.find(fromHex(ga.id), [IntentState.Processed])).map(
        (i) => i.publishAttempts,
      );
    // One of the two commits was staged on the epoch the other won, so it was rebuilt and sent again.
    expect([...(await attempts(a)), ...(await attempts(b))].sort()).toEqual([1, 1, 2]);
    await ga.sync();
    await gb.sync();
    expect(await ga.epoch()).toBe(await gb.epoch());
    const members = (await ga.members()).map((m) => m.inboxId).sort();
    expect(members).toEqual(peers.map((p) => p.client.inboxId).sort());
    for (const p of [c, d]) {
      await p.client.conversations.sync();
      const g = (await p.client.conversations.getConversationById(ga.id))!;
      await g.sync();
      expect(await g.epoch()).toBe(await ga.epoch());
    }
    await gb.sendText("after the race");
    await ga.sync();
    expect(await ourTexts(ga)).toEqual(["after the race"]);
  });

  it("skips garbage, foreign ciphertext and a non-member's commit without changing state", async () => {
    const [a, b, c] = peers as [OurPeer, OurPeer, OurPeer];
    const ga = await a.client.conversations.createGroup([b.client.inboxId], { name: "kept" });
    await b.client.conversations.sync();
    const gb = (await b.client.conversations.getConversationById(ga.id))!;
    await gb.sync();
    const other = await c.client.conversations.createGroup([a.client.inboxId]);
    await other.sendText("elsewhere");
    const epoch = await gb.epoch();

    // A non-member builds its own group under the same id and commits a rename in it.
    let impostor = await createGroup(
      { inboxId: c.client.inboxId, installationKey: keyPair(7) },
      { groupId: fromHex(ga.id) },
    );
    // ... at the group's current epoch, so it is not simply a stale commit.
    while (impostor.groupContext.epoch < epoch)
      impostor = mergeStagedCommit(await selfUpdate(impostor));
    const forged = await updateMetadataField(impostor, "group_name", "hijacked");
    const foreign = (
      await node.store.queryGroupMessages(fromHex(other.id), { direction: "asc", limit: 100 })
    ).rows;
    const bad = [Uint8Array.of(1, 2, 3, 4), forged.commit, ...foreign.map((m) => m.data)];
    await node.store.insertGroupMessages(
      bad.map((data) => ({
        groupId: fromHex(ga.id),
        data,
        senderHmac: new Uint8Array(32),
        shouldPush: false,
        isCommit: false,
      })),
      BigInt(Date.now()) * 1_000_000n,
    );
    b.skipped.length = 0;
    await ga.sendText("still here");
    await gb.sync();
    expect(b.skipped.map(codeOf)).toEqual(
      expect.arrayContaining(["MLS_MESSAGE_MALFORMED", "MLS_MESSAGE_REJECTED", "MLS_WRONG_GROUP"]),
    );
    expect(b.skipped).toHaveLength(bad.length);
    expect(await gb.epoch()).toBe(epoch);
    expect(await gb.name()).toBe("kept");
    expect(await ourTexts(gb)).toEqual(["still here"]);
  });

  it("refuses a welcome made for someone else's key package", async () => {
    const [a, b, c] = peers as [OurPeer, OurPeer, OurPeer];
    const api = new XmtpApi(createGrpcApiClient({ url: node.url }));
    const [bKp, cKp] = await api.fetchKeyPackages([
      b.client.installationIdBytes,
      c.client.installationIdBytes,
    ]);
    const forB = await validateKeyPackage(bKp!);
    const forC = await validateKeyPackage(cKp!);
    const g = await createGroup({
      inboxId: a.client.inboxId,
      installationKey: keyPair(9),
    });
    const staged = await addMembers(g, [forB], { [b.client.inboxId]: 1n });
    // Wrapped to c's init key, so c can open it, but the welcome's secrets are for b's key package.
    const wrapped = await wrapWelcome(
      staged.welcome!.message,
      { installationId: c.client.installationIdBytes, initKey: forC.initKey },
      1n,
    );
    await node.store.insertWelcomes(
      [
        {
          kind: "v1",
          installationKey: wrapped.installationKey,
          data: wrapped.data,
          hpkePublicKey: wrapped.hpkePublicKey,
          wrapperAlgorithm: wrapped.wrapperAlgorithm,
          welcomeMetadata: wrapped.welcomeMetadata,
        },
      ],
      BigInt(Date.now()) * 1_000_000n,
    );
    c.skipped.length = 0;
    const before = (await c.client.conversations.list()).length;
    const joined = await c.client.conversations.sync();
    expect(joined).toEqual([]);
    expect(c.skipped.map(codeOf)).toEqual(["MLS_WELCOME_NOT_FOR_US"]);
    expect((await c.client.conversations.list()).length).toBe(before);
    // The next real welcome still arrives.
    const real = await a.client.conversations.createGroup([c.client.inboxId]);
    const next = await c.client.conversations.sync();
    expect(next.map((x) => x.id)).toEqual([real.id]);
  });
});
