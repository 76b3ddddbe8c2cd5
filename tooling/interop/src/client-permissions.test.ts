// Our own commits obey the group's policies (libxmtp 1.9.1 checks its own the same way): in an
// admin-only group made by libxmtp, our plain member's add, remove, rename, permission and admin
// changes are refused before anything is published (CLIENT_NOT_PERMITTED, epoch unchanged),
// nobody forks, and once libxmtp promotes us the same actions go through and libxmtp follows them.
// Then admins, super admins, image, app data and permission policies, changed on either side.
import { type RunningNode, startNode } from "@x/node";
import type { Client as SdkClient } from "@xmtp/node-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peer191, type SdkConversation, TempDir, texts191 } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

/** node-bindings' const enum GroupPermissionsOptions.AdminOnly. */
const ADMIN_ONLY = 1;

describe("our commits against the group's permission policies (libxmtp 1.9.1)", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let ours: OurPeer;
  let alice: SdkClient;
  let carol: SdkClient;
  let dave: SdkClient;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    ours = await ourPeer(node.url, dir);
    [alice, carol, dave] = [
      await peer191(node.url, dir),
      await peer191(node.url, dir),
      await peer191(node.url, dir),
    ];
  });
  afterAll(async () => {
    await node?.stop();
    await ours?.db.close();
    dir.remove();
  });

  async function find(client: SdkClient, id: string): Promise<SdkConversation> {
    await client.conversations.sync();
    const c = await client.conversations.getConversationById(id);
    if (c === undefined) throw new Error(`no conversation ${id}`);
    await c.sync();
    return c;
  }
  const epochOf = async (c: SdkConversation) => (await c.debugInfo()).epoch;
  const nameOf = (c: SdkConversation) => (c as unknown as { name: string }).name;

  it("refuses a plain member's restricted actions before publishing; nobody forks; promotion lets them through", async () => {
    const theirs = (await alice.conversations.createGroup([ours.client.inboxId, carol.inboxId], {
      permissions: ADMIN_ONLY as never,
      groupName: "admins only",
    })) as SdkConversation;
    await theirs.sendText("from alice");
    await ours.client.conversations.sync();
    const group = (await ours.client.conversations.getConversationById(theirs.id))!;
    await group.sync();
    const epoch = await group.epoch();
    expect(epoch).toBe(await epochOf(theirs));

    const refused = [
      () => group.addMembers([dave.inboxId]),
      () => group.removeMembers([carol.inboxId]),
      () => group.updateName("renamed by a plain member"),
      () => group.updateDescription("described by a plain member"),
      () => group.updatePermission("addMember", "allow"),
      () => group.addAdmin(ours.client.inboxId),
    ];
    for (const action of refused) {
      await expect(action()).rejects.toMatchObject({ code: "CLIENT_NOT_PERMITTED" });
      expect(await group.epoch()).toBe(epoch);
    }
    // Nothing reached the node: libxmtp's group did not move, and everyone still reads everyone.
    await theirs.sync();
    expect(await epochOf(theirs)).toBe(epoch);
    expect(await group.name()).toBe("admins only");
    await group.sendText("from ours after the refusals");
    expect(await texts191(theirs)).toEqual(["from alice", "from ours after the refusals"]);
    const carols = await find(carol, theirs.id);
    expect(await texts191(carols)).toEqual(["from alice", "from ours after the refusals"]);
    await carols.sendText("from carol");
    await group.sync();
    expect(await ourTexts(group)).toEqual([
      "from alice",
      "from ours after the refusals",
      "from carol",
    ]);

    // Promoted, the same actions are ours to make, and libxmtp follows each one.
    await (theirs as unknown as { addAdmin(id: string): Promise<void> }).addAdmin(
      ours.client.inboxId,
    );
    await group.sync();
    await group.addMembers([dave.inboxId]);
    const daves = await find(dave, theirs.id);
    await group.updateName("renamed by an admin");
    await group.removeMembers([carol.inboxId]);
    await group.sendText("from ours as an admin");
    await theirs.sync();
    expect(nameOf(theirs)).toBe("renamed by an admin");
    expect((await theirs.members()).map((m) => m.inboxId).sort()).toEqual(
      [alice.inboxId, ours.client.inboxId, dave.inboxId].sort(),
    );
    expect((await texts191(theirs)).at(-1)).toBe("from ours as an admin");
    expect((await texts191(daves)).at(-1)).toBe("from ours as an admin");
    await carols.sync();
    expect(carols.isActive).toBe(false);
    const epochs = [await group.epoch(), await epochOf(theirs), await epochOf(daves)];
    expect(new Set(epochs).size).toBe(1);
    // A libxmtp member's key update that lost its epoch to one of our commits comes back as a
    // stale commit (libxmtp republishes it); skipping it is right. Nothing else was skipped.
    const codes = ours.skipped.map((e) => (e as { code?: string }).code);
    expect(codes.filter((c) => c !== "MLS_STALE_COMMIT")).toEqual([]);
  });
  it("manages admins, super admins, image and app data both ways with libxmtp", async () => {
    type SdkAdmin = SdkConversation & {
      addAdmin(id: string): Promise<void>;
      removeAdmin(id: string): Promise<void>;
      removeSuperAdmin(id: string): Promise<void>;
      isAdmin(id: string): boolean;
      isSuperAdmin(id: string): boolean;
      listSuperAdmins(): string[];
      updateAppData(data: string): Promise<void>;
      imageUrl: string;
      appData: string;
    };
    const me = ours.client.inboxId;
    const group = await ours.client.conversations.createGroup([alice.inboxId, carol.inboxId]);
    const theirs = (await find(alice, group.id)) as SdkAdmin;
    expect(theirs.isSuperAdmin(me)).toBe(true);

    // ours -> libxmtp: promote, set image and app data; libxmtp sees each and acts on them.
    await group.addAdmin(alice.inboxId);
    await group.updateImageUrl("https://example.com/square.png");
    await group.updateAppData(JSON.stringify({ theme: "dark" }));
    await theirs.sync();
    expect(theirs.isAdmin(alice.inboxId)).toBe(true);
    expect(theirs.imageUrl).toBe("https://example.com/square.png");
    expect(theirs.appData).toBe(JSON.stringify({ theme: "dark" }));
    await expect(group.addAdmin(alice.inboxId)).rejects.toThrow(/already on that list/);
    await expect(group.removeSuperAdmin(me)).rejects.toThrow(/last super admin/);
    await expect(group.updateAppData("x".repeat(8193))).rejects.toThrow(
      /longer than libxmtp allows/,
    );

    // libxmtp -> ours: as an admin alice sets app data; she then gets super admin and demotes us.
    await theirs.updateAppData("from alice");
    await group.sync();
    expect(await group.appData()).toBe("from alice");
    await group.addSuperAdmin(alice.inboxId);
    await theirs.sync();
    await theirs.removeSuperAdmin(me);
    await group.sync();
    expect(await group.isSuperAdmin(me)).toBe(false);
    expect(await group.listSuperAdmins()).toEqual([alice.inboxId]);
    expect(await group.isAdmin(alice.inboxId)).toBe(true);
    // Demoted, we may no longer promote (only super admins may, by default).
    await expect(group.addAdmin(carol.inboxId)).rejects.toMatchObject({
      code: "CLIENT_NOT_PERMITTED",
    });
    await group.sendText("still in step");
    expect((await texts191(theirs)).at(-1)).toBe("still in step");
    expect(await group.epoch()).toBe(await epochOf(theirs));
    const codes = ours.skipped.map((e) => (e as { code?: string }).code);
    expect(codes.filter((c) => c !== "MLS_STALE_COMMIT")).toEqual([]);
  });
  it("changes permission policies both ways: presets at creation, updatePermission on each side", async () => {
    type SdkPolicies = SdkConversation & {
      permissions(): { policyType: number; policySet: Record<string, number> };
      updatePermission(type: number, policy: number, field?: number): Promise<void>;
      addMembers(ids: string[]): Promise<void>;
      updateDescription(d: string): Promise<void>;
      removeSuperAdmin(id: string): Promise<void>;
    };
    // node-bindings' const enums: PermissionPolicy, PermissionUpdateType, MetadataField.
    const [ALLOW, , , SUPER_ADMIN] = [0, 1, 2, 3];
    const [UPDATE_METADATA, DESCRIPTION] = [4, 1];
    const erin = await peer191(node.url, dir);
    const group = await ours.client.conversations.createGroup([alice.inboxId], {
      permissions: "admin_only",
    });
    const theirs = (await find(alice, group.id)) as SdkPolicies;
    expect((await group.permissions()).policyType).toBe("admin_only");
    expect(theirs.permissions().policyType).toBe(ADMIN_ONLY);
    // A plain member of an admin-only group: libxmtp refuses her own add, as we refuse ours.
    await expect(theirs.addMembers([erin.inboxId])).rejects.toThrow();

    // ours -> libxmtp: anyone may add; she then adds, and we follow her commit.
    await group.updatePermission("addMember", "allow");
    expect((await group.permissions()).policyType).toBe("custom_policy");
    await theirs.sync();
    expect(theirs.permissions().policySet.addMemberPolicy).toBe(ALLOW);
    await theirs.addMembers([erin.inboxId]);
    await group.sync();
    expect((await group.members()).map((m) => m.inboxId).sort()).toEqual(
      [ours.client.inboxId, alice.inboxId, erin.inboxId].sort(),
    );
    await expect(group.updatePermission("addAdmin", "allow")).rejects.toMatchObject({
      code: "CLIENT_INVALID_ARGUMENT",
    });
    await expect(group.updatePermission("updateMetadata", "admin")).rejects.toMatchObject({
      code: "CLIENT_INVALID_ARGUMENT",
    });

    // libxmtp -> ours: a super admin's policy change, which we enforce from then on.
    await group.addSuperAdmin(alice.inboxId);
    await theirs.sync();
    await theirs.updatePermission(UPDATE_METADATA, SUPER_ADMIN, DESCRIPTION);
    await group.sync();
    expect((await group.permissions()).policySet.updateGroupDescriptionPolicy).toBe("superAdmin");
    await group.updateDescription("by a super admin");
    await theirs.sync();
    expect((theirs as unknown as { description: string }).description).toBe("by a super admin");
    // We give up super admin; the description is now out of our reach.
    await theirs.removeSuperAdmin(ours.client.inboxId);
    await group.sync();
    await expect(group.updateDescription("by a demoted member")).rejects.toMatchObject({
      code: "CLIENT_NOT_PERMITTED",
    });
    await group.sendText("in step after every change");
    expect((await texts191(theirs)).at(-1)).toBe("in step after every change");
    expect(await group.epoch()).toBe(await epochOf(theirs));
  });
});
