// The node with @x/id's rules: identity updates are verified and applied before they are stored.
import { create, fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { PublishIdentityUpdateRequestSchema } from "@x/proto/identity/api/v1";
import {
  IdentifierKind,
  type IdentityUpdate,
  IdentityUpdateSchema,
} from "@x/proto/identity/associations";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, fixtureIndex } from "../test-utils/fixtures.js";
import { addWallet, createInbox, randomWallet, revokeWallet } from "../test-utils/identities.js";
import { startTestNode, type TestNode } from "../test-utils/node.js";
import { IdIdentityValidator } from "./id-validator.js";

const published = (file: string) =>
  fromBinary(PublishIdentityUpdateRequestSchema, fixture(file)).identityUpdate!;

describe("identity updates verified with @x/id", () => {
  let t: TestNode;
  beforeEach(async () => {
    t = await startTestNode({ identityValidator: new IdIdentityValidator() });
  });
  afterEach(async () => {
    await t.stop();
  });

  const publish = (update: IdentityUpdate) =>
    t.identity.publishIdentityUpdate({ identityUpdate: update });
  const refusal = async (update: IdentityUpdate) => {
    const e = await publish(update).then(
      () => undefined,
      (err) => ConnectError.from(err),
    );
    expect(e, "the update should have been refused").toBeDefined();
    return e!;
  };
  const lookup = async (addresses: string[]) =>
    (
      await t.identity.getInboxIds({
        requests: addresses.map((identifier) => ({
          identifier,
          identifierKind: IdentifierKind.ETHEREUM,
        })),
      })
    ).responses.map((r) => r.inboxId);
  const logLength = async (inboxId: string) =>
    (await t.identity.getIdentityUpdates({ requests: [{ inboxId }] })).responses[0]!.updates.length;

  it("accepts the real libxmtp 1.5.4 registrations and indexes their wallets", async () => {
    const { alice, bob } = fixtureIndex().clients;
    expect(await lookup([alice.identifier, bob.identifier])).toEqual([undefined, undefined]);
    await publish(published("004-PublishIdentityUpdate.bin"));
    await publish(published("009-PublishIdentityUpdate.bin"));
    expect(await lookup([alice.identifier, bob.identifier])).toEqual([alice.inboxId, bob.inboxId]);
  });

  it("refuses a forged wallet signature and stores nothing", async () => {
    const update = published("004-PublishIdentityUpdate.bin");
    const forged = create(IdentityUpdateSchema, update);
    const action = forged.actions[0]!.kind;
    if (action.case !== "createInbox") throw new Error("fixture changed");
    const sig = action.value.initialIdentifierSignature!.signature;
    if (sig.case !== "erc191") throw new Error("fixture changed");
    sig.value.bytes = sig.value.bytes.slice();
    sig.value.bytes[10]! ^= 1;
    const e = await refusal(forged);
    expect(e.code).toBe(Code.InvalidArgument);
    expect(await logLength(update.inboxId)).toBe(0);
    expect(await lookup([fixtureIndex().clients.alice.identifier])).toEqual([undefined]);
  });

  it("refuses an update whose signed text no longer matches (changed timestamp)", async () => {
    const update = create(IdentityUpdateSchema, published("004-PublishIdentityUpdate.bin"));
    update.clientTimestampNs += 1_000_000_000n;
    expect((await refusal(update)).code).toBe(Code.InvalidArgument);
  });

  it("refuses alice's update replayed under bob's inbox id", async () => {
    const update = create(IdentityUpdateSchema, published("004-PublishIdentityUpdate.bin"));
    update.inboxId = fixtureIndex().clients.bob.inboxId;
    expect((await refusal(update)).code).toBe(Code.InvalidArgument);
    expect(await logLength(update.inboxId)).toBe(0);
  });

  it("refuses the same update twice (replay) and keeps one", async () => {
    const update = published("004-PublishIdentityUpdate.bin");
    await publish(update);
    expect((await refusal(update)).code).toBe(Code.InvalidArgument);
    expect(await logLength(update.inboxId)).toBe(1);
  });

  it("follows associations and revocations of wallets into GetInboxIds", async () => {
    const owner = randomWallet();
    const second = randomWallet();
    const { inboxId, update } = await createInbox(owner);
    await publish(update);
    await publish(await addWallet(inboxId, owner, second));
    expect(await lookup([owner.identifier.address, second.identifier.address])).toEqual([
      inboxId,
      inboxId,
    ]);
    // Only the recovery wallet may revoke: `second` trying is refused.
    expect((await refusal(await revokeWallet(inboxId, second, owner))).code).toBe(
      Code.InvalidArgument,
    );
    await publish(await revokeWallet(inboxId, owner, second));
    expect(await lookup([owner.identifier.address, second.identifier.address])).toEqual([
      inboxId,
      undefined,
    ]);
    expect(await logLength(inboxId)).toBe(3);
  });

  it("verifies against the stored history after a restart (no cached state)", async () => {
    const owner = randomWallet();
    const second = randomWallet();
    const { inboxId, update } = await createInbox(owner);
    await publish(update);
    const fresh = await startTestNode({
      store: t.node.store,
      identityValidator: new IdIdentityValidator(),
    });
    try {
      await fresh.identity.publishIdentityUpdate({
        identityUpdate: await addWallet(inboxId, owner, second),
      });
      const res = await fresh.identity.getInboxIds({
        requests: [
          { identifier: second.identifier.address, identifierKind: IdentifierKind.ETHEREUM },
        ],
      });
      expect(res.responses[0]!.inboxId).toBe(inboxId);
    } finally {
      await fresh.stop(); // leaves t's store open
    }
  });
});
