// Our client's identity operations through @x/node: add and remove a wallet, change the recovery
// identifier, revoke installations (given ids, and all others), the 10-installation limit; and a
// revocation that a libxmtp 1.5.4 member acts on (its group drops our revoked installation).

import { createGrpcApiClient } from "@x/api-grpc";
import { openSqlite } from "@x/db/sqlite";
import { ethereumIdentifier } from "@x/id";
import { Client, ClientError, MAX_INSTALLATIONS_PER_INBOX, MlsEngineError } from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import * as bindings154 from "@xmtp/node-bindings";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peer154, randomWallet, TempDir, textContent, texts154 } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

const codeOf = (e: unknown) =>
  e instanceof ClientError || e instanceof MlsEngineError ? e.code : `untyped: ${String(e)}`;

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a failure");
}

const addressOf = (w: { identifier: { identifier: string } }) => w.identifier.identifier;

describe("our client: identity operations through @x/node", () => {
  const dir = new TempDir();
  let node: RunningNode;
  const opened: OurPeer[] = [];
  // Device sync off: its sync group would refresh our inbox's stored state in the background.
  const peer = async (wallet = randomWallet()) => {
    const p = await ourPeer(node.url, dir, wallet, undefined, "v3", { deviceSyncMode: "disabled" });
    opened.push(p);
    return p;
  };

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
  });
  afterAll(async () => {
    await node?.stop();
    for (const p of opened) await p.db.close();
    dir.remove();
  });

  it("adds and removes a wallet; each change is an update the node accepts", async () => {
    const ours = await peer();
    const second = randomWallet();
    const before = await ours.client.inboxState();

    const added = await ours.client.addAccount(privateKeyToAccount(second.privateKey));
    expect(added.identifiers.map((i) => (i.kind === "ethereum" ? i.address : "")).sort()).toEqual(
      [addressOf(ours.wallet), addressOf(second)].sort(),
    );
    expect(added.sequenceId).toBeGreaterThan(before.sequenceId);
    // The node now resolves the new wallet to our inbox.
    expect(await ours.client.getInboxIdByIdentifier(ethereumIdentifier(addressOf(second)))).toBe(
      ours.client.inboxId,
    );
    // A wallet already in an inbox is refused before anything is signed or sent.
    const again = await failure(ours.client.addAccount(privateKeyToAccount(second.privateKey)));
    expect(codeOf(again)).toBe("CLIENT_IDENTIFIER_TAKEN");
    const other = await peer();
    const taken = await failure(
      ours.client.addAccount(privateKeyToAccount(other.wallet.privateKey)),
    );
    expect(codeOf(taken)).toBe("CLIENT_IDENTIFIER_TAKEN");

    // Only the recovery identifier may remove a wallet.
    const notRecovery = await failure(
      ours.client.removeAccount(
        ethereumIdentifier(addressOf(second)),
        privateKeyToAccount(second.privateKey),
      ),
    );
    expect(codeOf(notRecovery)).toBe("CLIENT_RECOVERY_SIGNER_REQUIRED");
    expect((await ours.client.inboxState()).sequenceId).toBe(added.sequenceId);

    const removed = await ours.client.removeAccount(ethereumIdentifier(addressOf(second)));
    expect(removed.identifiers).toHaveLength(1);
    expect(removed.sequenceId).toBeGreaterThan(added.sequenceId);
    expect(
      await ours.client.getInboxIdByIdentifier(ethereumIdentifier(addressOf(second))),
    ).toBeUndefined();
    // libxmtp reads the same state from the node.
    const [theirView] = await bindings154.inboxStateFromInboxIds(node.url, [ours.client.inboxId]);
    expect(theirView!.identifiers.map((i) => i.identifier)).toEqual([addressOf(ours.wallet)]);
  });

  it("changes the recovery identifier; only the new one can revoke afterwards", async () => {
    const ours = await peer();
    const second = await peer(ours.wallet); // a second installation of the same inbox
    const recovery = randomWallet();
    const changed = await ours.client.changeRecoveryIdentifier(
      ethereumIdentifier(addressOf(recovery)),
    );
    expect(changed.recoveryIdentifier).toEqual(ethereumIdentifier(addressOf(recovery)));
    // The stored view (no refresh) of the other installation is behind until it refreshes.
    expect((await second.client.inboxState(false)).recoveryIdentifier).toEqual(
      ethereumIdentifier(addressOf(ours.wallet)),
    );
    expect((await second.client.inboxState(true)).recoveryIdentifier).toEqual(
      ethereumIdentifier(addressOf(recovery)),
    );
    const oldSigner = await failure(
      ours.client.revokeInstallations([second.client.installationId]),
    );
    expect(codeOf(oldSigner)).toBe("CLIENT_RECOVERY_SIGNER_REQUIRED");
    expect((await ours.client.inboxState()).installations).toHaveLength(2);
    const unknown = await failure(
      ours.client.revokeInstallations(["ab".repeat(32)], privateKeyToAccount(recovery.privateKey)),
    );
    expect(codeOf(unknown)).toBe("CLIENT_INVALID_ARGUMENT");
    const after = await ours.client.revokeInstallations(
      [second.client.installationId],
      privateKeyToAccount(recovery.privateKey),
    );
    expect(after.installations.map((i) => i.id)).toEqual([ours.client.installationId]);
  });

  it("enforces the 10-installation limit with a typed error; revoking all others frees room", async () => {
    const first = await peer();
    for (let i = 1; i < MAX_INSTALLATIONS_PER_INBOX; i++) await peer(first.wallet);
    expect((await first.client.inboxState()).installations).toHaveLength(
      MAX_INSTALLATIONS_PER_INBOX,
    );
    const db = await openSqlite({ path: dir.file("eleventh.sqlite") });
    try {
      const create = () =>
        Client.create(privateKeyToAccount(first.wallet.privateKey), {
          api: createGrpcApiClient({ url: node.url }),
          db,
        });
      const limit = await failure(create());
      expect(codeOf(limit)).toBe("CLIENT_INSTALLATION_LIMIT");
      expect((limit as ClientError).retryable).toBe(false);
      expect((await first.client.inboxState()).installations).toHaveLength(
        MAX_INSTALLATIONS_PER_INBOX,
      );
      const left = await first.client.revokeAllOtherInstallations();
      expect(left.installations.map((i) => i.id)).toEqual([first.client.installationId]);
      // The same database (its installation key kept) now registers.
      const eleventh = await create();
      expect(eleventh.inboxId).toBe(first.client.inboxId);
      expect((await first.client.inboxState()).installations).toHaveLength(2);
    } finally {
      await db.close();
    }
  });

  it("revokes our second installation: libxmtp's group drops it and it can no longer send", async () => {
    const ours = await peer();
    const second = await peer(ours.wallet);
    const alice = await peer154(node.url, dir);
    const theirs = await alice.client.conversations().createGroupByInboxId([ours.client.inboxId]);
    const ourInstallations = async () =>
      (await theirs.listMembers())
        .find((m) => m.inboxId === ours.client.inboxId)!
        .installationIds.sort();
    expect(await ourInstallations()).toEqual(
      [ours.client.installationId, second.client.installationId].sort(),
    );
    for (const p of [ours, second]) await p.client.conversations.sync();
    const g1 = (await ours.client.conversations.getConversationById(theirs.id()))!;
    const g2 = (await second.client.conversations.getConversationById(theirs.id()))!;
    await g2.sendText("before the revocation");

    const after = await ours.client.revokeInstallations([second.client.installationId]);
    expect(after.installations.map((i) => i.id)).toEqual([ours.client.installationId]);
    const [seen] = await bindings154.inboxStateFromInboxIds(node.url, [ours.client.inboxId]);
    expect(seen!.installations.map((i) => i.id)).toEqual([ours.client.installationId]);

    // libxmtp checks members' installations before a send once 5 s have passed since the last
    // check; its send then first commits the removal of the revoked installation.
    await new Promise((r) => setTimeout(r, 5_500));
    await theirs.sync();
    await theirs.send(textContent("after the revocation"));
    expect(await ourInstallations()).toEqual([ours.client.installationId]);

    await g1.sync();
    expect(await ourTexts(g1)).toEqual(["before the revocation", "after the revocation"]);
    expect(
      await g1.members().then((ms) => ms.find((m) => m.inboxId === ours.client.inboxId)),
    ).toMatchObject({ installationIds: [ours.client.installationId] });
    await g2.sync();
    expect(await g2.isActive()).toBe(false);
    const refused = await failure(g2.sendText("from a revoked installation"));
    expect(codeOf(refused)).toBe("MLS_GROUP_INACTIVE");
    await g1.sendText("still in");
    await theirs.sync();
    expect(await texts154(theirs)).toEqual([
      "before the revocation",
      "after the revocation",
      "still in",
    ]);
    expect(ours.skipped).toEqual([]);
    // The revoked installation adopted its removal; the message after it is not for it.
    expect(second.skipped.map(codeOf)).toEqual(["MLS_GROUP_INACTIVE"]);
  });
});
