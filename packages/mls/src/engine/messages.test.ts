// Bad input to the group-message path: each case gets a typed error and leaves the state as it was.
import {
  type ClientState,
  createCommit,
  createProposal,
  decodeMlsMessage,
  encodeMlsMessage,
} from "ts-mls";
import { beforeAll, describe, expect, it } from "vitest";
import {
  fingerprint,
  joinViaWelcome,
  type Member,
  newMember,
  text,
} from "../test-utils/identities.js";
import { xmtpCiphersuite } from "./ciphersuite.js";
import { MessageProcessingError } from "./errors.js";
import { mutableMetadataExtension, readGroupExtensions, replaceExtension } from "./extensions.js";
import {
  addMembers,
  commitPendingProposals,
  createGroup,
  mergeStagedCommit,
  selfUpdate,
  updateMetadataField,
} from "./group.js";
import { encryptApplicationMessage, processGroupMessage } from "./messages.js";

async function expectRejected(state: ClientState, bytes: Uint8Array, code: string) {
  const before = fingerprint(state);
  const error = await processGroupMessage(state, bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MessageProcessingError);
  expect((error as MessageProcessingError).code).toBe(code);
  expect(fingerprint(state)).toBe(before);
  return error as MessageProcessingError;
}

describe("processGroupMessage with bad input", () => {
  let alice: Member;
  let bob: Member;
  let eve: Member;
  let a: ClientState;
  let b: ClientState;
  beforeAll(async () => {
    [alice, bob, eve] = await Promise.all([newMember(), newMember(), newMember()]);
    a = await createGroup(alice.identity);
    const add = await addMembers(a, [bob.verified], { [bob.identity.inboxId]: 1n });
    a = mergeStagedCommit(add);
    b = await joinViaWelcome(add, bob);
  });

  it("rejects garbage and truncated bytes as malformed", async () => {
    await expectRejected(a, crypto.getRandomValues(new Uint8Array(64)), "MLS_MESSAGE_MALFORMED");
    await expectRejected(a, new Uint8Array(), "MLS_MESSAGE_MALFORMED");
    const good = await encryptApplicationMessage(b, text("hello"));
    await expectRejected(
      a,
      good.message.slice(0, good.message.length - 3),
      "MLS_MESSAGE_MALFORMED",
    );
    const padded = new Uint8Array(good.message.length + 1);
    padded.set(good.message);
    await expectRejected(a, padded, "MLS_MESSAGE_MALFORMED");
  });

  it("rejects a welcome sent to the group topic", async () => {
    const other = await createGroup(eve.identity);
    const add = await addMembers(other, [(await newMember()).verified], { x: 1n });
    await expectRejected(a, add.welcome?.message ?? new Uint8Array(), "MLS_MESSAGE_MALFORMED");
  });

  it("rejects a message for another group", async () => {
    const other = await createGroup(eve.identity);
    const msg = await encryptApplicationMessage(other, text("wrong group"));
    await expectRejected(a, msg.message, "MLS_WRONG_GROUP");
  });

  it("rejects a commit from a non-member, even with the right group id and epoch", async () => {
    // eve builds her own group under alice's group id and moves it to alice's epoch
    let e = await createGroup(eve.identity, { groupId: a.groupContext.groupId });
    e = mergeStagedCommit(await selfUpdate(e));
    expect(e.groupContext.epoch).toBe(a.groupContext.epoch);
    const forged = await updateMetadataField(e, "group_name", "pwned");
    await expectRejected(a, forged.commit, "MLS_MESSAGE_REJECTED");
    const forgedText = await encryptApplicationMessage(e, text("pwned"));
    await expectRejected(a, forgedText.message, "MLS_MESSAGE_REJECTED");
  });

  it("rejects a message from a future epoch as retryable, and one from a forgotten epoch", async () => {
    const ahead = mergeStagedCommit(await selfUpdate(b));
    const future = await encryptApplicationMessage(ahead, text("from the future"));
    const err = await expectRejected(a, future.message, "MLS_EPOCH_IN_FUTURE");
    expect(err.retryable).toBe(true);

    // a message from epoch 1, read by a member that has since moved 4 epochs on (3 are kept)
    const old = await encryptApplicationMessage(b, text("old"));
    let later = a;
    for (let i = 0; i < 4; i++) later = mergeStagedCommit(await selfUpdate(later));
    const tooOld = await expectRejected(later, old.message, "MLS_EPOCH_TOO_OLD");
    expect(tooOld.retryable).toBe(false);
  });

  it("rejects a tampered ciphertext and our own message read back", async () => {
    const msg = await encryptApplicationMessage(b, text("hello"));
    const tampered = msg.message.slice();
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 0x01;
    await expectRejected(a, tampered, "MLS_MESSAGE_REJECTED");
    // the sender cannot decrypt what it sent (its ratchet has moved on); the client must skip it
    await expectRejected(msg.newState, msg.message, "MLS_MESSAGE_REJECTED");
    // the untampered message still reads fine afterwards
    const ok = await processGroupMessage(a, msg.message);
    expect(ok.kind).toBe("application");
  });

  it("rejects a PublicMessage, which libxmtp's wire format policy forbids", async () => {
    const cs = await xmtpCiphersuite();
    const pub = await createCommit({ state: b, cipherSuite: cs }, { wireAsPublicMessage: true });
    await expectRejected(a, encodeMlsMessage(pub.commit), "MLS_MESSAGE_REJECTED");
  });

  it("rejects a handshake message from a past epoch as stale", async () => {
    const staleCommit = await updateMetadataField(b, "description", "late");
    const moved = mergeStagedCommit(await selfUpdate(a));
    await expectRejected(moved, staleCommit.commit, "MLS_STALE_COMMIT");
    // sanity: the message is a well-formed commit
    const decoded = decodeMlsMessage(staleCommit.commit, 0)?.[0];
    expect(decoded?.wireformat).toBe("mls_private_message");
  });
});

describe("proposals by reference (sent by newer libxmtp versions)", () => {
  it("are reported with their sender, block sending, and are committed by commitPendingProposals", async () => {
    const [alice, bob] = await Promise.all([newMember(), newMember()]);
    let a = await createGroup(alice.identity);
    const add = await addMembers(a, [bob.verified], { [bob.identity.inboxId]: 1n });
    a = mergeStagedCommit(add);
    let b = await joinViaWelcome(add, bob);

    const cs = await xmtpCiphersuite();
    const metadata = readGroupExtensions(b.groupContext.extensions).mutableMetadata;
    const extensions = replaceExtension(
      b.groupContext.extensions,
      mutableMetadataExtension({
        ...metadata,
        attributes: { ...metadata.attributes, group_name: "proposed" },
      }),
    );
    const proposed = await createProposal(
      b,
      false,
      { proposalType: "group_context_extensions", groupContextExtensions: { extensions } },
      cs,
    );
    b = proposed.newState;

    const got = await processGroupMessage(a, encodeMlsMessage(proposed.message));
    expect(got.kind).toBe("proposal");
    if (got.kind !== "proposal") return;
    expect(got.sender?.inboxId).toBe(bob.identity.inboxId);
    expect(got.proposal.proposalType).toBe("group_context_extensions");
    a = got.newState;

    await expect(encryptApplicationMessage(a, text("blocked"))).rejects.toMatchObject({
      code: "MLS_OPERATION_FAILED",
    });
    const commit = await commitPendingProposals(a);
    const bobSees = await processGroupMessage(b, commit.commit);
    if (bobSees.kind !== "commit") throw new Error("expected a commit");
    expect(bobSees.diff.proposals.map((p) => p.senderLeafIndex)).toEqual([1]);
    a = mergeStagedCommit(commit);
    b = bobSees.newState;
    expect(a.keySchedule.epochAuthenticator).toEqual(b.keySchedule.epochAuthenticator);
    expect(
      readGroupExtensions(a.groupContext.extensions).mutableMetadata.attributes.group_name,
    ).toBe("proposed");
    await expect(encryptApplicationMessage(a, text("unblocked"))).resolves.toBeDefined();
    await expect(commitPendingProposals(a)).rejects.toMatchObject({ code: "MLS_INVALID_ARGUMENT" });
  });
});
