// ts↔ts scenarios: three installations create, add, send, remove, rename and self-update, and
// always agree on the epoch and its authenticator. (libxmtp↔ts interop lives in tooling/interop.)
import type { ClientState } from "ts-mls";
import { beforeAll, describe, expect, it } from "vitest";
import {
  fingerprint,
  joinViaWelcome,
  type Member,
  newIdentity,
  newMember,
  text,
  untext,
} from "../test-utils/identities.js";
import { EXTENSION_GROUP_MEMBERSHIP, EXTENSION_MUTABLE_METADATA } from "./constants.js";
import { diffGroupMembership } from "./diff.js";
import { readGroupExtensions } from "./extensions.js";
import {
  addMembers,
  createDm,
  createGroup,
  mergeStagedCommit,
  removeMembers,
  selfUpdate,
  updateAdminList,
  updateGroupMembership,
  updateMetadataField,
} from "./group.js";
import { groupMembers } from "./members.js";
import {
  encryptApplicationMessage,
  type ProcessedMessage,
  processGroupMessage,
} from "./messages.js";
import { dmId } from "./metadata.js";
import { ConversationType, encodePermissions } from "./payloads.js";
import { defaultPolicySet, dmPolicySet } from "./policies.js";
import { toHex } from "./tls.js";

function expectKind<K extends ProcessedMessage["kind"]>(
  m: ProcessedMessage,
  kind: K,
): Extract<ProcessedMessage, { kind: K }> {
  expect(m.kind).toBe(kind);
  return m as Extract<ProcessedMessage, { kind: K }>;
}

function expectSameEpoch(...states: ClientState[]) {
  const [first, ...rest] = states;
  for (const s of rest) {
    expect(s.groupContext.epoch).toBe(first?.groupContext.epoch);
    expect(toHex(s.keySchedule.epochAuthenticator)).toBe(
      toHex(first?.keySchedule.epochAuthenticator ?? new Uint8Array()),
    );
    expect(toHex(s.groupContext.treeHash)).toBe(
      toHex(first?.groupContext.treeHash ?? new Uint8Array()),
    );
  }
}

async function sendText(from: ClientState, body: string) {
  return encryptApplicationMessage(from, text(body));
}

describe("a three-member group", () => {
  let alice: Member;
  let bob: Member;
  let carol: Member;
  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([newMember(), newMember(), newMember()]);
  });

  it("goes through create, add, send, add, rename, admin, self-update and remove in lockstep", async () => {
    // create
    let a = await createGroup(alice.identity, { name: "first name" });
    expect(a.groupContext.epoch).toBe(0n);
    expect(a.groupContext.groupId.length).toBe(16);
    const created = readGroupExtensions(a.groupContext.extensions);
    expect(created.metadata).toEqual({
      conversationType: ConversationType.GROUP,
      creatorInboxId: alice.identity.inboxId,
    });
    expect(created.mutableMetadata.superAdminList).toEqual([alice.identity.inboxId]);
    expect(created.mutableMetadata.attributes.group_name).toBe("first name");
    expect(created.membership.members).toEqual({ [alice.identity.inboxId]: 0n });
    expect(encodePermissions(created.permissions)).toEqual(encodePermissions(defaultPolicySet()));

    // alice adds bob: one commit with Add + GCE(membership), a welcome for bob
    const addBob = await addMembers(a, [bob.verified], {
      [alice.identity.inboxId]: 1n,
      [bob.identity.inboxId]: 1n,
    });
    expect(addBob.epoch).toBe(0n);
    expect(addBob.previousState).toBe(a);
    expect(addBob.welcome?.recipients.map((r) => toHex(r.installationId))).toEqual([
      toHex(bob.identity.installationKey.publicKey),
    ]);
    a = mergeStagedCommit(addBob);
    let b = await joinViaWelcome(addBob, bob);
    expectSameEpoch(a, b);
    expect(a.groupContext.epoch).toBe(1n);
    expect(readGroupExtensions(b.groupContext.extensions).membership.members).toEqual({
      [alice.identity.inboxId]: 1n,
      [bob.identity.inboxId]: 1n,
    });

    // bob sends, alice reads
    const hi = await sendText(b, "hi from bob");
    b = hi.newState;
    const read = expectKind(await processGroupMessage(a, hi.message), "application");
    a = read.newState;
    expect(read.sender.inboxId).toBe(bob.identity.inboxId);
    expect(toHex(read.sender.installationId)).toBe(toHex(bob.identity.installationKey.publicKey));
    expect(read.envelope?.kind).toBe("v1");
    if (read.envelope?.kind !== "v1") throw new Error("v1 expected");
    expect(untext(read.envelope.content)).toBe("hi from bob");
    expect(read.envelope.idempotencyKey).toBe(hi.idempotencyKey);
    expect(toHex(read.messageId ?? new Uint8Array())).toBe(toHex(hi.messageId));

    // alice adds carol; bob processes the commit
    const addCarol = await addMembers(a, [carol.verified], { [carol.identity.inboxId]: 1n });
    const bobSees = expectKind(await processGroupMessage(b, addCarol.commit), "commit");
    expect(bobSees.previousState).toBe(b);
    expect(bobSees.diff.committer?.inboxId).toBe(alice.identity.inboxId);
    expect(bobSees.diff.addedInstallations.map((m) => m.inboxId)).toEqual([carol.identity.inboxId]);
    expect(bobSees.diff.removedInstallations).toEqual([]);
    expect(bobSees.diff.changedExtensionTypes).toEqual([EXTENSION_GROUP_MEMBERSHIP]);
    expect(bobSees.diff.proposals.map((p) => p.proposal.proposalType)).toEqual([
      "add",
      "group_context_extensions",
    ]);
    expect(
      diffGroupMembership(
        readGroupExtensions(bobSees.diff.extensionsBefore).membership,
        readGroupExtensions(bobSees.diff.extensionsAfter).membership,
      ),
    ).toEqual({ addedInboxes: [carol.identity.inboxId], removedInboxes: [], updatedInboxes: [] });
    b = bobSees.newState;
    a = mergeStagedCommit(addCarol);
    let c = await joinViaWelcome(addCarol, carol);
    expectSameEpoch(a, b, c);
    expect(
      groupMembers(c)
        .map((m) => m.inboxId)
        .sort(),
    ).toEqual([alice.identity.inboxId, bob.identity.inboxId, carol.identity.inboxId].sort());

    // carol sends, both read
    const fromCarol = await sendText(c, "carol here");
    c = fromCarol.newState;
    for (const who of ["a", "b"] as const) {
      const got = expectKind(
        await processGroupMessage(who === "a" ? a : b, fromCarol.message),
        "application",
      );
      if (who === "a") a = got.newState;
      else b = got.newState;
      expect(got.envelope?.kind === "v1" && untext(got.envelope.content)).toBe("carol here");
      expect(got.sender.inboxId).toBe(carol.identity.inboxId);
    }

    // bob renames the group (GCE-only commit)
    const rename = await updateMetadataField(b, "group_name", "renamed by bob");
    for (const who of ["a", "c"] as const) {
      const seen = expectKind(
        await processGroupMessage(who === "a" ? a : c, rename.commit),
        "commit",
      );
      expect(seen.diff.changedExtensionTypes).toEqual([EXTENSION_MUTABLE_METADATA]);
      expect(seen.diff.committer?.inboxId).toBe(bob.identity.inboxId);
      expect(
        readGroupExtensions(seen.newState.groupContext.extensions).mutableMetadata.attributes
          .group_name,
      ).toBe("renamed by bob");
      if (who === "a") a = seen.newState;
      else c = seen.newState;
    }
    b = mergeStagedCommit(rename);
    expectSameEpoch(a, b, c);

    // alice makes carol an admin
    const admin = await updateAdminList(a, "add_admin", carol.identity.inboxId);
    b = expectKind(await processGroupMessage(b, admin.commit), "commit").newState;
    c = expectKind(await processGroupMessage(c, admin.commit), "commit").newState;
    a = mergeStagedCommit(admin);
    expect(readGroupExtensions(c.groupContext.extensions).mutableMetadata.adminList).toEqual([
      carol.identity.inboxId,
    ]);

    // carol rotates her leaf (empty commit with a path)
    const carolLeafBefore = groupMembers(c).find((m) => m.inboxId === carol.identity.inboxId)?.leaf
      .hpkePublicKey;
    const update = await selfUpdate(c);
    const aliceSeesUpdate = expectKind(await processGroupMessage(a, update.commit), "commit");
    expect(aliceSeesUpdate.diff.proposals).toEqual([]);
    expect(aliceSeesUpdate.diff.changedExtensionTypes).toEqual([]);
    expect(aliceSeesUpdate.diff.committerAfter?.leaf.leafNodeSource).toBe("commit");
    expect(
      toHex(aliceSeesUpdate.diff.committerAfter?.leaf.hpkePublicKey ?? new Uint8Array()),
    ).not.toBe(toHex(carolLeafBefore ?? new Uint8Array()));
    a = aliceSeesUpdate.newState;
    b = expectKind(await processGroupMessage(b, update.commit), "commit").newState;
    c = mergeStagedCommit(update);
    expectSameEpoch(a, b, c);

    // alice removes bob
    const remove = await removeMembers(a, [bob.identity.inboxId]);
    const carolSeesRemove = expectKind(await processGroupMessage(c, remove.commit), "commit");
    expect(carolSeesRemove.diff.removedInstallations.map((m) => m.inboxId)).toEqual([
      bob.identity.inboxId,
    ]);
    expect(carolSeesRemove.diff.addedInstallations).toEqual([]);
    expect(carolSeesRemove.diff.removedSelf).toBe(false);
    c = carolSeesRemove.newState;
    const bobSeesRemove = expectKind(await processGroupMessage(b, remove.commit), "commit");
    expect(bobSeesRemove.diff.removedSelf).toBe(true);
    a = mergeStagedCommit(remove);
    expectSameEpoch(a, c);
    expect(readGroupExtensions(a.groupContext.extensions).membership.members).toEqual({
      [alice.identity.inboxId]: 1n,
      [carol.identity.inboxId]: 1n,
    });
    expect(a.groupContext.epoch).toBe(6n);

    // after the removal alice and carol still talk; bob cannot send
    const last = await sendText(a, "bob is gone");
    const carolReads = expectKind(await processGroupMessage(c, last.message), "application");
    expect(carolReads.envelope?.kind === "v1" && untext(carolReads.envelope.content)).toBe(
      "bob is gone",
    );
    await expect(sendText(bobSeesRemove.newState, "still here?")).rejects.toMatchObject({
      code: "MLS_GROUP_INACTIVE",
    });
  });

  it("keeps the pre-commit state usable when another member's commit wins the epoch", async () => {
    let a = await createGroup(alice.identity);
    const add = await addMembers(a, [bob.verified], { [bob.identity.inboxId]: 2n });
    a = mergeStagedCommit(add);
    let b = await joinViaWelcome(add, bob);

    const aliceBefore = fingerprint(a);
    const aliceStaged = await updateMetadataField(a, "description", "alice's version");
    expect(fingerprint(a)).toBe(aliceBefore);
    const bobWins = await updateMetadataField(b, "description", "bob's version");
    b = mergeStagedCommit(bobWins);
    // alice reads bob's commit first: she drops her staged commit and follows bob's.
    const followed = expectKind(
      await processGroupMessage(aliceStaged.previousState, bobWins.commit),
      "commit",
    );
    a = followed.newState;
    expectSameEpoch(a, b);
    expect(
      readGroupExtensions(a.groupContext.extensions).mutableMetadata.attributes.description,
    ).toBe("bob's version");
    // alice's losing commit, read back after the epoch moved on, is a stale commit for both.
    await expect(processGroupMessage(b, aliceStaged.commit)).rejects.toMatchObject({
      code: "MLS_STALE_COMMIT",
    });
  });

  it("removes and re-adds an installation in one commit (libxmtp's readd) and reports both", async () => {
    let a = await createGroup(alice.identity);
    const add = await addMembers(a, [bob.verified, carol.verified], {
      [bob.identity.inboxId]: 1n,
      [carol.identity.inboxId]: 1n,
    });
    a = mergeStagedCommit(add);
    let c = await joinViaWelcome(add, carol);
    const bobLeaf = groupMembers(a).find((m) => m.inboxId === bob.identity.inboxId)!;
    const bobAgain = await newMember(bob.identity);
    const readd = await updateGroupMembership(a, {
      removeInstallations: [bob.identity.installationKey.publicKey],
      add: [bobAgain.verified],
    });
    const seen = expectKind(await processGroupMessage(c, readd.commit), "commit");
    expect(seen.diff.removedInstallations.map((m) => [m.leafIndex, m.inboxId])).toEqual([
      [bobLeaf.leafIndex, bob.identity.inboxId],
    ]);
    expect(seen.diff.addedInstallations.map((m) => [m.leafIndex, m.inboxId])).toEqual([
      [bobLeaf.leafIndex, bob.identity.inboxId],
    ]);
    expect(seen.diff.changedExtensionTypes).toEqual([]);
    c = seen.newState;
    a = mergeStagedCommit(readd);
    const b = await joinViaWelcome(readd, bobAgain);
    expectSameEpoch(a, b, c);
  });

  it("reads messages from a previous epoch and out of order", async () => {
    let a = await createGroup(alice.identity);
    const add = await addMembers(a, [bob.verified], { [bob.identity.inboxId]: 1n });
    a = mergeStagedCommit(add);
    let b = await joinViaWelcome(add, bob);
    const m1 = await sendText(b, "one");
    const m2 = await sendText(m1.newState, "two");
    b = m2.newState;
    const rotate = await selfUpdate(a);
    a = mergeStagedCommit(rotate);
    b = expectKind(await processGroupMessage(b, rotate.commit), "commit").newState;
    // both messages were sent at the previous epoch; alice reads them out of order
    const second = expectKind(await processGroupMessage(a, m2.message), "application");
    const first = expectKind(await processGroupMessage(second.newState, m1.message), "application");
    expect(second.epoch).toBe(1n);
    expect(
      [second, first].map((m) => (m.envelope?.kind === "v1" ? untext(m.envelope.content) : "")),
    ).toEqual(["two", "one"]);
  });
});

describe("a DM", () => {
  it("carries dm_members, the DM policies and no admins, and the peer joins it", async () => {
    const [alice, bob] = await Promise.all([newMember(), newMember()]);
    let a = await createDm(alice.identity, bob.identity.inboxId);
    const ext = readGroupExtensions(a.groupContext.extensions);
    expect(ext.metadata).toEqual({
      conversationType: ConversationType.DM,
      creatorInboxId: alice.identity.inboxId,
      dmMembers: {
        memberOneInboxId: alice.identity.inboxId,
        memberTwoInboxId: bob.identity.inboxId,
      },
    });
    expect(ext.mutableMetadata.superAdminList).toEqual([]);
    expect(ext.mutableMetadata.adminList).toEqual([]);
    expect(ext.mutableMetadata.attributes.app_data).toBeUndefined();
    expect(encodePermissions(ext.permissions)).toEqual(encodePermissions(dmPolicySet()));
    const add = await addMembers(a, [bob.verified], { [bob.identity.inboxId]: 1n });
    a = mergeStagedCommit(add);
    const b = await joinViaWelcome(add, bob);
    expectSameEpoch(a, b);
    expect(dmId(alice.identity.inboxId, bob.identity.inboxId)).toBe(
      dmId(bob.identity.inboxId, alice.identity.inboxId),
    );
  });

  it("refuses a DM with ourselves", async () => {
    const me = newIdentity();
    await expect(createDm(me, me.inboxId.toUpperCase())).rejects.toMatchObject({
      code: "MLS_INVALID_ARGUMENT",
    });
  });
});

describe("group operations with bad input", () => {
  let alice: Member;
  let bob: Member;
  let state: ClientState;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([newMember(), newMember()]);
    state = mergeStagedCommit(
      await addMembers(await createGroup(alice.identity), [bob.verified], {
        [bob.identity.inboxId]: 1n,
      }),
    );
  });

  async function expectRefused(p: Promise<unknown>, code: string) {
    const before = fingerprint(state);
    await expect(p).rejects.toMatchObject({ code });
    expect(fingerprint(state)).toBe(before);
  }

  it("refuses to add an installation that is already a member", async () => {
    await expectRefused(addMembers(state, [bob.verified], {}), "MLS_INVALID_ARGUMENT");
    await expectRefused(addMembers(state, [], {}), "MLS_INVALID_ARGUMENT");
  });

  it("refuses to remove an unknown installation, our own, or nothing", async () => {
    await expectRefused(
      updateGroupMembership(state, {
        removeInstallations: [crypto.getRandomValues(new Uint8Array(32))],
      }),
      "MLS_INVALID_ARGUMENT",
    );
    await expectRefused(removeMembers(state, [alice.identity.inboxId]), "MLS_INVALID_ARGUMENT");
    await expectRefused(removeMembers(state, []), "MLS_INVALID_ARGUMENT");
    await expectRefused(updateGroupMembership(state, {}), "MLS_INVALID_ARGUMENT");
    await expectRefused(
      updateGroupMembership(state, { membershipUpdates: { [bob.identity.inboxId]: 1n } }),
      "MLS_INVALID_ARGUMENT",
    );
  });

  it("commits a sequence-id change or a failed installation on its own", async () => {
    const bump = await updateGroupMembership(state, {
      membershipUpdates: { [bob.identity.inboxId]: 2n },
    });
    expect(
      readGroupExtensions(bump.newState.groupContext.extensions).membership.members[
        bob.identity.inboxId
      ],
    ).toBe(2n);
    const failed = await updateGroupMembership(state, {
      failedInstallations: [Uint8Array.of(1, 2, 3)],
    });
    expect(
      readGroupExtensions(failed.newState.groupContext.extensions).membership.failedInstallations,
    ).toEqual([Uint8Array.of(1, 2, 3)]);
  });

  it("refuses metadata over libxmtp's limits and admin-list changes that change nothing", async () => {
    await expectRefused(
      updateMetadataField(state, "group_name", "x".repeat(101)),
      "MLS_INVALID_ARGUMENT",
    );
    await expect(updateMetadataField(state, "group_name", "é".repeat(50))).resolves.toBeDefined();
    await expectRefused(
      updateMetadataField(state, "group_name", "é".repeat(51)),
      "MLS_INVALID_ARGUMENT",
    );
    await expectRefused(
      updateAdminList(state, "remove_admin", bob.identity.inboxId),
      "MLS_INVALID_ARGUMENT",
    );
    await expectRefused(
      updateAdminList(state, "add_super_admin", alice.identity.inboxId),
      "MLS_INVALID_ARGUMENT",
    );
    await expect(
      createGroup(alice.identity, { description: "d".repeat(1001) }),
    ).rejects.toMatchObject({
      code: "MLS_INVALID_ARGUMENT",
    });
  });

  it("refuses a message a removed member sends with the keys of an epoch before its removal", async () => {
    const carol = await newMember();
    const dave = await newMember();
    let a = state;
    const add = await addMembers(a, [carol.verified, dave.verified], {
      [carol.identity.inboxId]: 1n,
      [dave.identity.inboxId]: 1n,
    });
    a = mergeStagedCommit(add);
    const c = await joinViaWelcome(add, carol);
    let d = await joinViaWelcome(add, dave);
    // carol writes one message before her removal (it arrives after it) and keeps her old state.
    const before = await sendText(c, "sent before the removal");
    const removed = await removeMembers(a, [carol.identity.inboxId]);
    a = mergeStagedCommit(removed);
    d = expectKind(await processGroupMessage(d, removed.commit), "commit").newState;
    const after = await sendText(before.newState, "sent after the removal");
    for (const reader of [a, d]) {
      await expect(processGroupMessage(reader, after.message)).rejects.toMatchObject({
        code: "MLS_MESSAGE_REJECTED",
        message: expect.stringContaining("no longer a member"),
      });
    }
    // A member still in the group is read from the past epoch as before.
    const bobs = await sendText(c, "x"); // (carol's old state: same rule, refused)
    await expect(processGroupMessage(d, bobs.message)).rejects.toMatchObject({
      code: "MLS_MESSAGE_REJECTED",
    });
    const stillMember = await sendText(add.newState, "from alice at the old epoch");
    const read = expectKind(await processGroupMessage(d, stillMember.message), "application");
    expect(read.envelope?.kind === "v1" ? untext(read.envelope.content) : "").toBe(
      "from alice at the old epoch",
    );
  });

  it("refuses to commit in a group we were removed from", async () => {
    const carol = await newMember();
    let a = state;
    const add = await addMembers(a, [carol.verified], { [carol.identity.inboxId]: 1n });
    a = mergeStagedCommit(add);
    const c = await joinViaWelcome(add, carol);
    const removed = await removeMembers(a, [carol.identity.inboxId]);
    const carolRemoved = expectKind(
      await processGroupMessage(c, removed.commit),
      "commit",
    ).newState;
    await expect(selfUpdate(carolRemoved)).rejects.toMatchObject({ code: "MLS_GROUP_INACTIVE" });
    const later = await sendText(mergeStagedCommit(removed), "x");
    await expect(processGroupMessage(carolRemoved, later.message)).rejects.toMatchObject({
      code: "MLS_GROUP_INACTIVE",
      retryable: false,
    });
  });
});
