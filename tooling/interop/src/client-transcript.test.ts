// group_updated transcripts against libxmtp 1.9.1: for every commit of a group changed on both
// sides (members, name, description, image, app data, admins, super admins, disappearing
// settings), our transcript message carries the same fields libxmtp's does.
import { type RunningNode, startNode } from "@x/node";
import type { Client as SdkClient } from "@xmtp/node-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peer191, type SdkConversation, TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer } from "./test-utils/our-client.js";

interface Update {
  initiatedByInboxId?: string;
  addedInboxes?: { inboxId: string }[];
  removedInboxes?: { inboxId: string }[];
  leftInboxes?: { inboxId: string }[];
  metadataFieldChanges?: { fieldName: string; oldValue?: string; newValue?: string }[];
  addedAdminInboxes?: { inboxId: string }[];
  removedAdminInboxes?: { inboxId: string }[];
  addedSuperAdminInboxes?: { inboxId: string }[];
  removedSuperAdminInboxes?: { inboxId: string }[];
}

const ids = (l: { inboxId: string }[] | undefined) => (l ?? []).map((i) => i.inboxId).sort();
/** One transcript in a form both sides can be compared in (empty strings as absent values). */
function normal(u: Update) {
  return {
    by: u.initiatedByInboxId,
    added: ids(u.addedInboxes),
    removed: ids(u.removedInboxes),
    left: ids(u.leftInboxes),
    fields: (u.metadataFieldChanges ?? [])
      .map((c) => [c.fieldName, c.oldValue || "", c.newValue || ""].join("|"))
      .sort(),
    admins: [ids(u.addedAdminInboxes), ids(u.removedAdminInboxes)],
    superAdmins: [ids(u.addedSuperAdminInboxes), ids(u.removedSuperAdminInboxes)],
  };
}

describe("group_updated transcripts match libxmtp 1.9.1's", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let ours: OurPeer;
  let alice: SdkClient;
  let carol: SdkClient;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    ours = await ourPeer(node.url, dir);
    [alice, carol] = [await peer191(node.url, dir), await peer191(node.url, dir)];
  });
  afterAll(async () => {
    await node?.stop();
    await ours?.client.close();
    dir.remove();
  });

  it("for changes made on both sides", async () => {
    const theirs = (await alice.conversations.createGroup([
      ours.client.inboxId,
    ])) as SdkConversation;
    await ours.client.conversations.sync();
    const group = (await ours.client.conversations.getConversationById(theirs.id))!;
    await group.sync();
    const joined = (await group.messages()).length;
    const alicesBefore = (await theirs.messages()).length;

    const g = theirs as unknown as {
      updateName(n: string): Promise<void>;
      addSuperAdmin(id: string): Promise<void>;
      addMembers(ids: string[]): Promise<void>;
      removeMembers(ids: string[]): Promise<void>;
      updateImageUrl(u: string): Promise<void>;
    };
    await g.updateName("first name");
    await group.sync();
    await group.updateDescription("described by ours");
    await theirs.sync();
    await g.addSuperAdmin(ours.client.inboxId);
    await group.sync();
    await group.addMembers([carol.inboxId]);
    await group.addAdmin(carol.inboxId);
    await group.updateImageUrl("https://example.com/a.png");
    await group.updateAppData("app-data");
    await group.updateMessageDisappearingSettings({ fromNs: 1n, inNs: 3_600_000_000_000n });
    await theirs.sync();
    await g.updateName("second name");
    await g.removeMembers([carol.inboxId]);
    await group.sync();
    await group.removeSuperAdmin(alice.inboxId);
    await theirs.sync();
    await group.sync();

    const mine = (await group.messages())
      .slice(joined)
      .filter((m) => m.kind === "membership_change")
      .map((m) => normal(m.content as Update));
    const theirsList = (await theirs.messages())
      .slice(alicesBefore)
      .filter((m) => m.contentType?.typeId === "group_updated")
      .map((m) => normal(m.content as Update));
    expect(mine.length).toBeGreaterThanOrEqual(10);
    expect(mine).toEqual(theirsList);
    // Spot checks of what the fields say.
    expect(mine[0]).toMatchObject({ by: alice.inboxId, fields: ["group_name||first name"] });
    expect(mine.find((u) => u.added.length > 0)).toMatchObject({
      by: ours.client.inboxId,
      added: [carol.inboxId],
    });
    expect(mine.find((u) => u.admins[0]!.length > 0)?.admins).toEqual([[carol.inboxId], []]);
  });
});
