// Verified association states are persisted (@x/db's AssociationStateCache, AssociationState
// proto bytes): a reopened client reads a known inbox's state from its database instead of
// verifying the inbox's signature log again. Proved by breaking the stored log after the first
// verification: the reopened client still answers from the stored state, and once that state is
// gone the broken log is verified and rejected.
import { associationStateFromProto } from "@x/id";
import { type RunningNode, startNode } from "@x/node";
import { fromBinary, toBinary } from "@x/proto";
import { AssociationStateSchema, IdentityUpdateSchema } from "@x/proto/identity/associations";
import Database from "better-sqlite3-multiple-ciphers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer } from "./test-utils/our-client.js";

// The raw SQLite file (opened with the driver @x/db uses), to break what the client stored.

describe("persisted association states", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let bob: OurPeer;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    bob = await ourPeer(node.url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    await bob?.db.close();
    dir.remove();
  });

  it("a reopened client uses the stored state and does not verify the log again", async () => {
    const path = dir.file("alice.sqlite");
    const alice = await ourPeer(node.url, dir, undefined, path);
    const first = await alice.client.inboxState(bob.client.inboxId);
    expect(first.installations).toHaveLength(1);

    // The state was stored under (inbox, last sequence id) and decodes to the same state.
    const bytes = await alice.db.associationStates.get(bob.client.inboxId, first.sequenceId);
    expect(bytes).toBeDefined();
    const stored = associationStateFromProto(fromBinary(AssociationStateSchema, bytes!));
    expect(stored.inboxId).toBe(bob.client.inboxId);
    expect(stored.installationIds().map((k) => Buffer.from(k).toString("hex"))).toEqual(
      first.installations.map((i) => i.id),
    );
    await alice.db.close();

    // Break bob's stored identity update: a client timestamp an hour later, so its signatures no
    // longer match the signature text (which shows the time to the second).
    const raw = new Database(path);
    const row = raw
      .prepare("SELECT sequence_id, payload FROM identity_updates WHERE inbox_id = ?")
      .get(bob.client.inboxId) as { sequence_id: number | bigint; payload: Uint8Array };
    const update = fromBinary(IdentityUpdateSchema, row.payload);
    update.clientTimestampNs += 3_600_000_000_000n;
    raw
      .prepare("UPDATE identity_updates SET payload = ? WHERE inbox_id = ?")
      .run(Buffer.from(toBinary(IdentityUpdateSchema, update)), bob.client.inboxId);
    raw.close();

    // Reopened: the stored state answers, the broken log is not verified.
    const reopened = await ourPeer(node.url, dir, alice.wallet, path);
    try {
      const again = await reopened.client.inboxState(false, bob.client.inboxId);
      expect(again).toEqual(first);
    } finally {
      await reopened.db.close();
    }

    // Without the stored state, the broken log is verified and rejected.
    const wipe = new Database(path);
    wipe.prepare("DELETE FROM association_state WHERE inbox_id = ?").run(bob.client.inboxId);
    wipe.close();
    const fresh = await ourPeer(node.url, dir, alice.wallet, path);
    try {
      await expect(fresh.client.inboxState(false, bob.client.inboxId)).rejects.toMatchObject({
        code: "CLIENT_IDENTITY_INVALID",
      });
      // Nothing was stored for the log that failed.
      expect(await fresh.db.associationStates.get(bob.client.inboxId, first.sequenceId)).toBe(
        undefined,
      );
    } finally {
      await fresh.db.close();
    }
  });

  it("an unreadable stored state is ignored and the log verified again", async () => {
    const path = dir.file("carol.sqlite");
    const carol = await ourPeer(node.url, dir, undefined, path);
    const first = await carol.client.inboxState(bob.client.inboxId);
    await carol.db.associationStates.put(bob.client.inboxId, first.sequenceId, Uint8Array.of(0xff));
    await carol.db.close();
    const reopened = await ourPeer(node.url, dir, carol.wallet, path);
    try {
      expect(await reopened.client.inboxState(false, bob.client.inboxId)).toEqual(first);
      // Verified again and stored again, readable this time.
      const bytes = await reopened.db.associationStates.get(bob.client.inboxId, first.sequenceId);
      expect(associationStateFromProto(fromBinary(AssociationStateSchema, bytes!)).inboxId).toBe(
        bob.client.inboxId,
      );
    } finally {
      await reopened.db.close();
    }
  });
});
