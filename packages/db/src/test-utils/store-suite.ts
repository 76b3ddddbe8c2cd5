// The store conformance suite: written once, run against every dialect and driver (see
// stores.test.ts). Each test gets a fresh, migrated database from `open`.
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { XmtpDatabase } from "../db.js";
import {
  DbClosedError,
  DbConflictError,
  DbInputError,
  DbNotFoundError,
  DbReleasedError,
  MlsStateVersionError,
} from "../errors.js";
import { appliedMigrations, MIGRATION_NAMES, migrateToLatest } from "../migrations/index.js";
import { MLS_STATE_FORMAT_VERSION } from "../stores/index.js";
import {
  ConsentEntityType,
  ConsentState,
  ContentType,
  ConversationType,
  CursorKind,
  DeliveryStatus,
  GroupMembershipState,
  IdentifierKind,
  IntentKind,
  IntentState,
  MessageKind,
  RegistrationState,
  type StoredIdentity,
} from "../types.js";
import { bytes, makeGroup, makeMessage, T0 } from "./fixtures.js";

const INT64_MAX = 2n ** 63n - 1n;
const enc = (s: string) => new TextEncoder().encode(s);

export function storeSuite(name: string, open: () => Promise<XmtpDatabase>) {
  describe(name, () => {
    let db: XmtpDatabase;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    describe("releasing the connection", () => {
      it("fails calls in between with DbReleasedError and keeps everything across reconnect", async () => {
        await db.groups.insert(makeGroup(1));
        if (!db.releasable) {
          // An in-memory database cannot be reopened: refused, and it keeps working.
          await expect(db.releaseConnection()).rejects.toThrow(DbInputError);
          expect(await db.groups.get(bytes(0x47, 1))).toBeDefined();
          return;
        }
        // A transaction already running finishes before the connection goes.
        let finish!: () => void;
        const gate = new Promise<void>((r) => {
          finish = r;
        });
        const running = db.transaction(async (tx) => {
          await gate;
          await tx.groups.insert(makeGroup(2));
        });
        const releasing = db.releaseConnection();
        await expect(db.groups.get(bytes(0x47, 1))).rejects.toThrow(DbReleasedError);
        await expect(db.transaction(async () => {})).rejects.toMatchObject({
          code: "db.released",
          retryable: true,
        });
        finish();
        await running;
        await releasing;
        expect(db.released).toBe(true);
        await db.releaseConnection(); // twice is fine
        await db.reconnect();
        expect(db.released).toBe(false);
        expect(await db.groups.get(bytes(0x47, 1))).toBeDefined();
        expect(await db.groups.get(bytes(0x47, 2))).toBeDefined();
        await db.reconnect(); // no-op when open
        await db.releaseConnection();
        await db.close();
        await expect(db.reconnect()).rejects.toThrow(DbClosedError);
        await expect(db.groups.get(bytes(0x47, 1))).rejects.toThrow(DbClosedError);
      });
    });

    describe("migrations", () => {
      it("are all applied on open, and running them again does nothing", async () => {
        expect(await appliedMigrations(db.kysely, db.dialect)).toEqual([...MIGRATION_NAMES]);
        expect(await migrateToLatest(db.kysely, db.dialect)).toEqual([]);
      });
    });

    describe("identity", () => {
      const identity: StoredIdentity = {
        inboxId: "c".repeat(64),
        installationKeys: bytes(1, 1, 64),
        credentialBytes: bytes(2, 2, 66),
        registrationState: RegistrationState.Pending,
        registrationCursor: null,
        nextKeyPackageRotationNs: null,
      };

      it("stores one identity and marks it registered", async () => {
        expect(await db.identity.get()).toBeUndefined();
        await db.identity.create(identity);
        expect(await db.identity.get()).toEqual(identity);
        await db.identity.setRegistered({ originatorId: 1, sequenceId: 77n });
        await db.identity.setNextKeyPackageRotationNs(T0);
        expect(await db.identity.get()).toEqual({
          ...identity,
          registrationState: RegistrationState.Registered,
          registrationCursor: { originatorId: 1, sequenceId: 77n },
          nextKeyPackageRotationNs: T0,
        });
      });

      it("refuses a second identity and bad input, changing nothing", async () => {
        await expect(
          db.identity.setRegistered({ originatorId: 0, sequenceId: 1n }),
        ).rejects.toThrow(DbNotFoundError);
        await expect(db.identity.create({ ...identity, inboxId: "" })).rejects.toThrow(
          DbInputError,
        );
        await expect(
          db.identity.create({ ...identity, registrationState: 9 as RegistrationState }),
        ).rejects.toThrow(DbInputError);
        expect(await db.identity.get()).toBeUndefined();
        await db.identity.create(identity);
        const err = await db.identity
          .create({ ...identity, inboxId: "d".repeat(64) })
          .catch((e) => e);
        expect(err).toBeInstanceOf(DbConflictError);
        expect(err.code).toBe("db.conflict");
        expect((await db.identity.get())?.inboxId).toBe(identity.inboxId);
      });
    });

    describe("groups", () => {
      it("round-trips every field", async () => {
        const g = makeGroup(1, {
          conversationType: ConversationType.Dm,
          membershipState: GroupMembershipState.Pending,
          dmId: "dm:aaa:bbb",
          welcomeCursor: { originatorId: 11, sequenceId: INT64_MAX },
          installationsLastCheckedNs: T0 + 5n,
          rotatedAtNs: T0 + 6n,
          lastMessageNs: T0 + 7n,
          messageDisappearFromNs: T0,
          messageDisappearInNs: 86_400_000_000_000n,
          pausedForVersion: "1.12.0",
          maybeForked: true,
          forkDetails: "epoch mismatch",
          shouldPublishCommitLog: true,
          commitLogPublicKey: bytes(9, 9, 32),
          isCommitLogForked: false,
          hasPendingLeaveRequest: true,
        });
        await db.groups.insert(g);
        expect(await db.groups.get(g.id)).toEqual(g);
        expect(await db.groups.get(bytes(0x47, 999))).toBeUndefined();
      });

      it("rejects a duplicate id; insertOrIgnore reports whether it inserted", async () => {
        const g = makeGroup(1);
        await db.groups.insert(g);
        await expect(db.groups.insert(g)).rejects.toThrow(DbConflictError);
        expect(await db.groups.insertOrIgnore({ ...g, addedByInboxId: "x" })).toBe(false);
        expect((await db.groups.get(g.id))?.addedByInboxId).toBe(g.addedByInboxId);
        expect(await db.groups.insertOrIgnore(makeGroup(2))).toBe(true);
      });

      it("updates only the fields given; unknown ids and bad values change nothing", async () => {
        const g = makeGroup(1);
        await db.groups.insert(g);
        await db.groups.update(g.id, {
          membershipState: GroupMembershipState.Rejected,
          pausedForVersion: "2.0.0",
          isCommitLogForked: true,
          welcomeCursor: { originatorId: 0, sequenceId: 5n },
        });
        const updated = await db.groups.get(g.id);
        expect(updated).toEqual({
          ...g,
          membershipState: GroupMembershipState.Rejected,
          pausedForVersion: "2.0.0",
          isCommitLogForked: true,
          welcomeCursor: { originatorId: 0, sequenceId: 5n },
        });
        await expect(
          db.groups.update(g.id, { membershipState: 42 as GroupMembershipState, rotatedAtNs: 1n }),
        ).rejects.toThrow(DbInputError);
        await expect(
          db.groups.update(g.id, { rotatedAtNs: 5 as unknown as bigint }),
        ).rejects.toThrow(DbInputError);
        expect(await db.groups.get(g.id)).toEqual(updated);
        await expect(db.groups.update(bytes(0x47, 2), { rotatedAtNs: 1n })).rejects.toThrow(
          DbNotFoundError,
        );
        await db.groups.update(g.id, { pausedForVersion: null });
        expect((await db.groups.get(g.id))?.pausedForVersion).toBeNull();
      });

      it("lists by last message, newest first, groups without messages last", async () => {
        await db.groups.insert(makeGroup(1, { lastMessageNs: T0 + 100n }));
        await db.groups.insert(makeGroup(2, { lastMessageNs: null }));
        await db.groups.insert(makeGroup(3, { lastMessageNs: T0 + 300n }));
        await db.groups.insert(makeGroup(4, { lastMessageNs: null }));
        await db.groups.insert(
          makeGroup(5, { lastMessageNs: T0 + 200n, conversationType: ConversationType.Dm }),
        );
        await db.groups.insert(
          makeGroup(6, {
            lastMessageNs: T0 + 400n,
            conversationType: ConversationType.Sync,
            membershipState: GroupMembershipState.Pending,
          }),
        );
        const ids = (gs: { id: Uint8Array }[]) => gs.map((g) => g.id[15]);
        expect(ids(await db.groups.list())).toEqual([6, 3, 5, 1, 4, 2]);
        expect(ids(await db.groups.list({ limit: 2 }))).toEqual([6, 3]);
        expect(
          ids(
            await db.groups.list({
              conversationTypes: [ConversationType.Group, ConversationType.Dm],
            }),
          ),
        ).toEqual([3, 5, 1, 4, 2]);
        expect(
          ids(await db.groups.list({ membershipStates: [GroupMembershipState.Pending] })),
        ).toEqual([6]);
        expect(ids(await db.groups.list({ activeSinceNs: T0 + 200n }))).toEqual([6, 3, 5]);
        expect(await db.groups.list({ conversationTypes: [] })).toEqual([]);
        await expect(db.groups.list({ limit: -1 })).rejects.toThrow(DbInputError);
      });

      it("finds every group of a stitched DM, the active one first", async () => {
        const dmId = "dm:aaa:bbb";
        await db.groups.insert(makeGroup(1, { dmId, lastMessageNs: T0 + 1n }));
        await db.groups.insert(makeGroup(2, { dmId, lastMessageNs: T0 + 9n }));
        await db.groups.insert(makeGroup(3, { dmId: "dm:aaa:ccc" }));
        expect((await db.groups.findDms(dmId)).map((g) => g.id[15])).toEqual([2, 1]);
        await db.groups.delete(bytes(0x47, 2));
        expect((await db.groups.findDms(dmId)).map((g) => g.id[15])).toEqual([1]);
      });
    });

    describe("messages", () => {
      const gid = bytes(0x47, 1);
      beforeEach(async () => {
        await db.groups.insert(makeGroup(1));
      });

      it("round-trips every field, including 64-bit values", async () => {
        const m = makeMessage(gid, 1, {
          referenceId: bytes(0x4d, 0, 32),
          expireAtNs: INT64_MAX,
          sequenceId: INT64_MAX,
          originatorId: 100,
          contentType: ContentType.Reaction,
          shouldPush: false,
          kind: MessageKind.MembershipChange,
          deliveryStatus: DeliveryStatus.Unpublished,
        });
        await db.messages.insert(m);
        const got = await db.messages.get(m.id);
        expect(got).toEqual(m);
        expect(got?.id.constructor).toBe(Uint8Array);
      });

      it("moves the group's last message time forward on application messages only", async () => {
        await db.messages.insert(makeMessage(gid, 5));
        expect((await db.groups.get(gid))?.lastMessageNs).toBe(T0 + 5000n);
        await db.messages.insert(makeMessage(gid, 3)); // older: no change
        await db.messages.insert(makeMessage(gid, 9, { kind: MessageKind.MembershipChange }));
        expect((await db.groups.get(gid))?.lastMessageNs).toBe(T0 + 5000n);
        expect(await db.messages.insertOrIgnore(makeMessage(gid, 7))).toBe(true);
        expect((await db.groups.get(gid))?.lastMessageNs).toBe(T0 + 7000n);
      });

      it("rejects duplicates; insertOrIgnore keeps the first copy", async () => {
        const m = makeMessage(gid, 1);
        await db.messages.insert(m);
        await expect(db.messages.insert(m)).rejects.toThrow(DbConflictError);
        expect(
          await db.messages.insertOrIgnore({ ...m, decryptedMessageBytes: enc("other") }),
        ).toBe(false);
        expect((await db.messages.get(m.id))?.decryptedMessageBytes).toEqual(
          m.decryptedMessageBytes,
        );
        expect(await db.messages.count(gid)).toBe(1);
      });

      it("lists messages with the same timestamp in the node's order, inserted in any order", async () => {
        // A v3 node stamps in milliseconds: two members' messages can share sent_at_ns, and each
        // member inserts its own first. Listing by sequence id as well keeps every member alike.
        const at = T0 + 7_000n;
        await db.messages.insert(makeMessage(gid, 2, { sentAtNs: at, sequenceId: 9n }));
        await db.messages.insert(makeMessage(gid, 1, { sentAtNs: at, sequenceId: 8n }));
        const seq = (ms: { sequenceId: bigint }[]) => ms.map((m) => m.sequenceId);
        expect(seq(await db.messages.list(gid))).toEqual([8n, 9n]);
        expect(seq(await db.messages.latest(gid, 2))).toEqual([9n, 8n]);
      });

      it("lists the latest messages newest first, and filters", async () => {
        const other = bytes(0x47, 2);
        await db.groups.insert(makeGroup(2));
        for (let i = 0; i < 30; i++) {
          await db.messages.insert(
            makeMessage(gid, i, {
              kind: i % 10 === 0 ? MessageKind.MembershipChange : MessageKind.Application,
              contentType: i % 3 === 0 ? ContentType.Reaction : ContentType.Text,
              deliveryStatus: i >= 28 ? DeliveryStatus.Unpublished : DeliveryStatus.Published,
            }),
          );
          await db.messages.insert(makeMessage(other, 100 + i));
        }
        const seq = (ms: { idempotencyKey: string }[]) => ms.map((m) => Number(m.idempotencyKey));
        expect(seq(await db.messages.latest(gid, 5))).toEqual([29, 28, 27, 26, 25]);
        expect(seq(await db.messages.list(gid, { limit: 3 }))).toEqual([0, 1, 2]);
        expect(
          seq(
            await db.messages.list(gid, { sentAfterNs: T0 + 20_000n, sentBeforeNs: T0 + 24_000n }),
          ),
        ).toEqual([21, 22, 23]);
        expect(seq(await db.messages.list(gid, { kinds: [MessageKind.MembershipChange] }))).toEqual(
          [0, 10, 20],
        );
        expect(
          seq(
            await db.messages.list(gid, {
              contentTypes: [ContentType.Reaction],
              direction: "desc",
              limit: 2,
            }),
          ),
        ).toEqual([27, 24]);
        expect(
          seq(await db.messages.list(gid, { deliveryStatus: DeliveryStatus.Unpublished })),
        ).toEqual([28, 29]);
        expect(await db.messages.count(gid)).toBe(30);
        expect(await db.messages.count(other)).toBe(30);
        await expect(db.messages.list(gid, { direction: "sideways" as "asc" })).rejects.toThrow(
          DbInputError,
        );
      });

      it("finds messages by reference, publishes and deletes them", async () => {
        const parent = makeMessage(gid, 1);
        await db.messages.insert(parent);
        await db.messages.insert(makeMessage(gid, 2, { referenceId: parent.id }));
        await db.messages.insert(makeMessage(gid, 3, { referenceId: parent.id }));
        await db.messages.insert(makeMessage(gid, 4, { referenceId: bytes(1, 1) }));
        expect(
          (await db.messages.findByReference([parent.id])).map((m) => m.idempotencyKey),
        ).toEqual(["2", "3"]);
        expect(await db.messages.findByReference([])).toEqual([]);

        const pending = makeMessage(gid, 5, {
          deliveryStatus: DeliveryStatus.Unpublished,
          sequenceId: 0n,
        });
        await db.messages.insert(pending);
        await db.messages.setPublished(
          pending.id,
          { originatorId: 10, sequenceId: 1234n },
          T0 + 42n,
          T0 + 99n,
        );
        expect(await db.messages.get(pending.id)).toMatchObject({
          deliveryStatus: DeliveryStatus.Published,
          originatorId: 10,
          sequenceId: 1234n,
          sentAtNs: T0 + 42n,
          expireAtNs: T0 + 99n,
        });
        await db.messages.setDeliveryStatus(pending.id, DeliveryStatus.Failed);
        expect((await db.messages.get(pending.id))?.deliveryStatus).toBe(DeliveryStatus.Failed);
        await expect(
          db.messages.setPublished(bytes(0, 0), { originatorId: 0, sequenceId: 1n }),
        ).rejects.toThrow(DbNotFoundError);
        await expect(
          db.messages.setDeliveryStatus(pending.id, 7 as DeliveryStatus),
        ).rejects.toThrow(DbInputError);

        expect(await db.messages.delete(pending.id)).toBe(true);
        expect(await db.messages.delete(pending.id)).toBe(false);
        expect(await db.messages.get(pending.id)).toBeUndefined();
      });

      it("deletes expired messages only", async () => {
        await db.messages.insert(makeMessage(gid, 1, { expireAtNs: T0 + 10n }));
        await db.messages.insert(makeMessage(gid, 2, { expireAtNs: T0 + 20n }));
        await db.messages.insert(makeMessage(gid, 3, { expireAtNs: null }));
        // Hidden from lists once expired, even before they are deleted.
        const shown = async (at: bigint) =>
          (await db.messages.list(gid, { unexpiredAt: at })).map((m) => m.idempotencyKey);
        expect(await shown(T0 + 9n)).toEqual(["1", "2", "3"]);
        expect(await shown(T0 + 10n)).toEqual(["2", "3"]);
        expect(await shown(T0 + 20n)).toEqual(["3"]);
        expect(await db.messages.deleteExpired(T0 + 10n)).toBe(1);
        expect(await db.messages.deleteExpired(T0 + 15n)).toBe(0);
        expect((await db.messages.list(gid)).map((m) => m.idempotencyKey)).toEqual(["2", "3"]);
      });

      it("rejects malformed messages without writing anything", async () => {
        const good = makeMessage(gid, 1);
        const bad = [
          { ...good, id: new Uint8Array() },
          { ...good, sentAtNs: 5 as unknown as bigint },
          { ...good, kind: 3 as MessageKind },
          { ...good, contentType: 99 as ContentType },
          { ...good, sequenceId: -1n },
          { ...good, sequenceId: 2n ** 63n },
          { ...good, groupId: "abc" as unknown as Uint8Array },
          { ...good, versionMajor: 1.5 },
        ];
        for (const m of bad) await expect(db.messages.insert(m)).rejects.toThrow(DbInputError);
        expect(await db.messages.count(gid)).toBe(0);
        expect((await db.groups.get(gid))?.lastMessageNs).toBeNull();
      });
    });

    describe("intents", () => {
      const gid = bytes(0x47, 1);

      it("walks an intent through publish, commit and processing", async () => {
        const intent = await db.intents.insert({
          kind: IntentKind.SendMessage,
          groupId: gid,
          data: enc("hello"),
          shouldPush: true,
        });
        expect(intent).toEqual({
          id: intent.id,
          kind: IntentKind.SendMessage,
          groupId: gid,
          data: enc("hello"),
          state: IntentState.ToPublish,
          payloadHash: null,
          postCommitData: null,
          stagedCommit: null,
          publishedInEpoch: null,
          publishAttempts: 0,
          shouldPush: true,
          cursor: null,
        });
        const second = await db.intents.insert({
          kind: IntentKind.KeyUpdate,
          groupId: gid,
          data: enc("k"),
          shouldPush: false,
        });
        expect(second.id).toBeGreaterThan(intent.id);

        expect(await db.intents.incrementPublishAttempts(intent.id)).toBe(1);
        await db.intents.setPublished(intent.id, {
          payloadHash: bytes(0x48, 1, 32),
          postCommitData: enc("welcomes"),
          stagedCommit: enc("staged"),
          publishedInEpoch: 12n,
        });
        expect(await db.intents.findByPayloadHash(bytes(0x48, 1, 32))).toMatchObject({
          id: intent.id,
          state: IntentState.Published,
          postCommitData: enc("welcomes"),
          stagedCommit: enc("staged"),
          publishedInEpoch: 12n,
          publishAttempts: 1,
        });
        expect(
          (await db.intents.find(gid, [IntentState.ToPublish, IntentState.Published])).map(
            (i) => i.id,
          ),
        ).toEqual([intent.id, second.id]);
        expect((await db.intents.find(gid, [IntentState.ToPublish])).map((i) => i.id)).toEqual([
          second.id,
        ]);
        const withPublished = await db.intents.groupsWithIntents([IntentState.Published]);
        expect(withPublished.map((g) => [...g])).toContainEqual([...gid]);
        expect(await db.intents.groupsWithIntents([IntentState.Processed])).toEqual([]);
        expect(await db.intents.groupsWithIntents([])).toEqual([]);

        await db.intents.setToPublish(intent.id);
        expect(await db.intents.get(intent.id)).toMatchObject({
          state: IntentState.ToPublish,
          payloadHash: null,
          stagedCommit: null,
          publishedInEpoch: null,
          publishAttempts: 1,
        });
        await db.intents.setCommitted(intent.id, { originatorId: 0, sequenceId: 99n });
        await db.intents.setState(intent.id, IntentState.Processed);
        expect(await db.intents.get(intent.id)).toMatchObject({
          state: IntentState.Processed,
          cursor: { originatorId: 0, sequenceId: 99n },
        });
        await db.intents.delete(intent.id);
        expect(await db.intents.get(intent.id)).toBeUndefined();
      });

      it("reports missing intents and rejects bad input", async () => {
        await expect(db.intents.setState(12345, IntentState.Error)).rejects.toThrow(
          DbNotFoundError,
        );
        await expect(db.intents.incrementPublishAttempts(12345)).rejects.toThrow(DbNotFoundError);
        await expect(
          db.intents.insert({
            kind: 99 as IntentKind,
            groupId: gid,
            data: enc(""),
            shouldPush: true,
          }),
        ).rejects.toThrow(DbInputError);
        await expect(db.intents.get(0)).rejects.toThrow(DbInputError);
        expect(await db.intents.find(gid, [IntentState.ToPublish])).toEqual([]);
      });
    });

    describe("cursors", () => {
      const gid = bytes(0x47, 1);

      it("keeps one cursor per entity, kind and originator", async () => {
        expect(await db.cursors.get(gid, CursorKind.ApplicationMessage, 0)).toBe(0n);
        await db.cursors.set(gid, CursorKind.ApplicationMessage, 0, 10n);
        await db.cursors.set(gid, CursorKind.ApplicationMessage, 100, INT64_MAX);
        await db.cursors.set(gid, CursorKind.CommitMessage, 0, 3n);
        expect(await db.cursors.get(gid, CursorKind.ApplicationMessage, 0)).toBe(10n);
        expect(await db.cursors.getAll(gid, CursorKind.ApplicationMessage)).toEqual(
          new Map([
            [0, 10n],
            [100, INT64_MAX],
          ]),
        );
        // getMany: in the order asked, 0n for unknown entities, one kind and originator only.
        const other = bytes(0x47, 2);
        const unknown = bytes(0x47, 3);
        await db.cursors.set(other, CursorKind.ApplicationMessage, 0, 7n);
        expect(
          await db.cursors.getMany([unknown, other, gid], CursorKind.ApplicationMessage, 0),
        ).toEqual([0n, 7n, 10n]);
        expect(await db.cursors.getMany([gid], CursorKind.ApplicationMessage, 100)).toEqual([
          INT64_MAX,
        ]);
        expect(await db.cursors.getMany([], CursorKind.ApplicationMessage, 0)).toEqual([]);
        // getAllMany: every originator per entity, in the order asked, empty for unknown ones.
        expect(
          await db.cursors.getAllMany([unknown, other, gid], CursorKind.ApplicationMessage),
        ).toEqual([
          new Map(),
          new Map([[0, 7n]]),
          new Map([
            [0, 10n],
            [100, INT64_MAX],
          ]),
        ]);
        expect(await db.cursors.getAllMany([gid], CursorKind.Welcome)).toEqual([new Map()]);
        const many = Array.from({ length: 1200 }, (_, i) => bytes(0x49, i));
        const got = await db.cursors.getMany([...many, gid], CursorKind.ApplicationMessage, 0);
        expect(got.length).toBe(1201);
        expect(got[1200]).toBe(10n);
        await db.cursors.set(gid, CursorKind.ApplicationMessage, 0, 4n); // set may go back
        expect(await db.cursors.get(gid, CursorKind.ApplicationMessage, 0)).toBe(4n);
      });

      it("advance only moves forward", async () => {
        expect(await db.cursors.advance(gid, CursorKind.Welcome, 11, 5n)).toBe(true);
        expect(await db.cursors.advance(gid, CursorKind.Welcome, 11, 5n)).toBe(false);
        expect(await db.cursors.advance(gid, CursorKind.Welcome, 11, 3n)).toBe(false);
        expect(await db.cursors.get(gid, CursorKind.Welcome, 11)).toBe(5n);
        expect(await db.cursors.advance(gid, CursorKind.Welcome, 11, 6n)).toBe(true);
        expect(await db.cursors.get(gid, CursorKind.Welcome, 11)).toBe(6n);
      });

      it("rejects bad keys and values", async () => {
        await expect(db.cursors.set(gid, 0 as CursorKind, 0, 1n)).rejects.toThrow(DbInputError);
        await expect(db.cursors.set(gid, CursorKind.Welcome, -1, 1n)).rejects.toThrow(DbInputError);
        await expect(db.cursors.set(gid, CursorKind.Welcome, 0, -1n)).rejects.toThrow(DbInputError);
        await expect(db.cursors.set(new Uint8Array(), CursorKind.Welcome, 0, 1n)).rejects.toThrow(
          DbInputError,
        );
        expect(await db.cursors.getAll(gid, CursorKind.Welcome)).toEqual(new Map());
      });
    });

    describe("identity updates and caches", () => {
      const inbox = "e".repeat(64);
      const update = (seq: bigint, inboxId = inbox) => ({
        inboxId,
        sequenceId: seq,
        originatorId: 1,
        serverTimestampNs: T0 + seq,
        payload: enc(`update ${seq}`),
      });

      it("stores updates once and lists ranges in order", async () => {
        expect(await db.identityUpdates.insert([update(3n), update(1n), update(2n)])).toBe(3);
        expect(await db.identityUpdates.insert([update(2n), update(4n)])).toBe(1);
        await db.identityUpdates.insert([update(7n, "f".repeat(64))]);
        expect((await db.identityUpdates.list(inbox)).map((u) => u.sequenceId)).toEqual([
          1n,
          2n,
          3n,
          4n,
        ]);
        expect(
          await db.identityUpdates.list(inbox, { afterSequenceId: 1n, upToSequenceId: 3n }),
        ).toEqual([update(2n), update(3n)]);
        expect(
          await db.identityUpdates.latestSequenceIds([inbox, "f".repeat(64), "0".repeat(64)]),
        ).toEqual(
          new Map([
            [inbox, 4n],
            ["f".repeat(64), 7n],
          ]),
        );
        await expect(db.identityUpdates.insert([update(5n), update(-1n)])).rejects.toThrow(
          DbInputError,
        );
        expect(await db.identityUpdates.list(inbox, { afterSequenceId: 4n })).toEqual([]);
      });

      it("caches association states and inbox ids", async () => {
        expect(await db.associationStates.get(inbox, 1n)).toBeUndefined();
        await db.associationStates.put(inbox, 1n, enc("state 1"));
        await db.associationStates.put(inbox, 2n, enc("state 2"));
        await db.associationStates.put(inbox, 1n, enc("state 1b"));
        expect(await db.associationStates.get(inbox, 1n)).toEqual(enc("state 1b"));
        expect(await db.associationStates.get(inbox, 2n)).toEqual(enc("state 2"));

        const addr = "0x1234567890abcdef1234567890abcdef12345678";
        expect(await db.inboxIds.get(addr, IdentifierKind.Ethereum)).toBeUndefined();
        await db.inboxIds.put(addr, IdentifierKind.Ethereum, inbox);
        expect(await db.inboxIds.get(addr, IdentifierKind.Ethereum)).toBe(inbox);
        expect(await db.inboxIds.get(addr, IdentifierKind.Passkey)).toBeUndefined();
        await expect(db.inboxIds.put(addr, 7 as IdentifierKind, inbox)).rejects.toThrow(
          DbInputError,
        );
      });
    });

    describe("key package history", () => {
      it("records key packages and schedules old ones for deletion", async () => {
        const a = await db.keyPackageHistory.insert({
          keyPackageHashRef: bytes(0x4b, 1, 32),
          createdAtNs: T0,
          postQuantumPublicKey: bytes(0x50, 1, 1216),
        });
        const b = await db.keyPackageHistory.insert({
          keyPackageHashRef: bytes(0x4b, 2, 32),
          createdAtNs: T0 + 1n,
          postQuantumPublicKey: null,
        });
        expect(a.deleteAtNs).toBeNull();
        expect(b.id).toBeGreaterThan(a.id);
        expect(await db.keyPackageHistory.latest()).toEqual(b);
        expect(await db.keyPackageHistory.findByHashRef(bytes(0x4b, 1, 32))).toEqual(a);
        await expect(
          db.keyPackageHistory.insert({
            keyPackageHashRef: bytes(0x4b, 1, 32),
            createdAtNs: T0,
            postQuantumPublicKey: null,
          }),
        ).rejects.toThrow(DbConflictError);

        expect(await db.keyPackageHistory.nextDeletionAtNs()).toBeUndefined();
        expect(await db.keyPackageHistory.markForDeletion(b.id, T0 + 100n)).toBe(1);
        expect(await db.keyPackageHistory.markForDeletion(b.id, T0 + 500n)).toBe(0);
        expect(await db.keyPackageHistory.listDueForDeletion(T0 + 99n)).toEqual([]);
        expect(await db.keyPackageHistory.nextDeletionAtNs()).toBe(T0 + 100n);
        const due = await db.keyPackageHistory.listDueForDeletion(T0 + 100n);
        expect(due).toEqual([{ ...a, deleteAtNs: T0 + 100n }]);
        await db.keyPackageHistory.delete(due.map((e) => e.id));
        expect(await db.keyPackageHistory.findByHashRef(a.keyPackageHashRef)).toBeUndefined();
        expect(await db.keyPackageHistory.latest()).toEqual(b);
        expect(await db.keyPackageHistory.nextDeletionAtNs()).toBeUndefined();
      });
    });

    describe("consent", () => {
      const rec = (entity: string, state: ConsentState, at: bigint) => ({
        entityType: ConsentEntityType.InboxId,
        entity,
        state,
        consentedAtNs: at,
      });

      it("keeps the newest record per entity and reports what changed", async () => {
        expect(
          await db.consent.set([
            rec("alice", ConsentState.Allowed, T0),
            rec("bob", ConsentState.Denied, T0),
          ]),
        ).toHaveLength(2);
        // Older: ignored. Same state and time: no change. Newer: replaces.
        expect(await db.consent.set([rec("alice", ConsentState.Denied, T0 - 1n)])).toEqual([]);
        expect(await db.consent.set([rec("alice", ConsentState.Allowed, T0)])).toEqual([]);
        expect(await db.consent.set([rec("bob", ConsentState.Allowed, T0 + 1n)])).toEqual([
          rec("bob", ConsentState.Allowed, T0 + 1n),
        ]);
        await db.consent.set([
          {
            entityType: ConsentEntityType.ConversationId,
            entity: "00ff",
            state: ConsentState.Denied,
            consentedAtNs: T0,
          },
        ]);
        expect(await db.consent.get(ConsentEntityType.InboxId, "alice")).toEqual(
          rec("alice", ConsentState.Allowed, T0),
        );
        expect(
          (await db.consent.list({ states: [ConsentState.Allowed] })).map((r) => r.entity),
        ).toEqual(["alice", "bob"]);
        expect(
          (await db.consent.list({ entityType: ConsentEntityType.ConversationId })).map(
            (r) => r.entity,
          ),
        ).toEqual(["00ff"]);
        await expect(db.consent.set([rec("carol", 5 as ConsentState, T0)])).rejects.toThrow(
          DbInputError,
        );
        expect(await db.consent.get(ConsentEntityType.InboxId, "carol")).toBeUndefined();
      });
    });

    describe("preferences", () => {
      it("has defaults and keeps each setting", async () => {
        expect(await db.preferences.get()).toEqual({
          hmacKey: null,
          hmacKeyCycledAtNs: null,
          dmGroupUpdatesMigrated: false,
        });
        await db.preferences.setDmGroupUpdatesMigrated(true);
        await db.preferences.setHmacKey(bytes(0x48, 1, 42), T0);
        expect(await db.preferences.get()).toEqual({
          hmacKey: bytes(0x48, 1, 42),
          hmacKeyCycledAtNs: T0,
          dmGroupUpdatesMigrated: true,
        });
        await expect(db.preferences.setHmacKey(new Uint8Array(), T0)).rejects.toThrow(DbInputError);
      });
    });

    describe("commit log", () => {
      const gid = bytes(0x47, 1);
      const local = (seq: bigint) => ({
        groupId: gid,
        commitSequenceId: seq,
        lastEpochAuthenticator: bytes(0x41, Number(seq), 32),
        commitResult: 1,
        appliedEpochNumber: seq + 1n,
        appliedEpochAuthenticator: bytes(0x42, Number(seq), 32),
        errorMessage: null,
        senderInboxId: "a".repeat(64),
        senderInstallationId: bytes(0x49, 1, 32),
        commitType: "UpdateGroupMembership",
      });
      const remote = (logSeq: bigint) => ({
        logSequenceId: logSeq,
        groupId: gid,
        commitSequenceId: logSeq * 10n,
        commitResult: 1,
        appliedEpochNumber: logSeq,
        appliedEpochAuthenticator: bytes(0x43, Number(logSeq), 32),
      });

      it("appends and lists local and remote entries in order", async () => {
        const r1 = await db.commitLog.appendLocal(local(5n));
        const r2 = await db.commitLog.appendLocal({ ...local(6n), errorMessage: "wrong epoch" });
        expect(r2).toBeGreaterThan(r1);
        expect(await db.commitLog.listLocal(gid)).toEqual([
          { rowid: r1, ...local(5n) },
          { rowid: r2, ...local(6n), errorMessage: "wrong epoch" },
        ]);
        expect((await db.commitLog.listLocal(gid, { afterRowid: r1 })).map((e) => e.rowid)).toEqual(
          [r2],
        );
        expect((await db.commitLog.latestLocal(gid))?.rowid).toBe(r2);
        expect(await db.commitLog.latestLocal(bytes(0x47, 2))).toBeUndefined();

        expect(await db.commitLog.appendRemote([remote(1n), remote(2n)])).toBe(2);
        expect(await db.commitLog.appendRemote([remote(2n), remote(3n)])).toBe(1);
        const listed = await db.commitLog.listRemote(gid, { afterLogSequenceId: 1n, limit: 5 });
        expect(listed.map(({ rowid: _, ...e }) => e)).toEqual([remote(2n), remote(3n)]);
      });
    });

    describe("tasks", () => {
      const task = (n: number, next: bigint) => ({
        data: enc(`task ${n}`),
        dataHash: bytes(0x54, n, 32),
        originatingMessage: n % 2 ? { originatorId: 0, sequenceId: BigInt(n) } : null,
        createdAtNs: T0,
        expiresAtNs: T0 + 1_000n,
        maxAttempts: 3,
        initialBackoffNs: 300_000_000_000n,
        maxBackoffNs: 7_200_000_000_000n,
        backoffScalingFactor: 1.5,
        nextAttemptAtNs: next,
      });

      it("queues each task once and hands out due ones", async () => {
        const a = await db.tasks.create(task(1, T0 + 10n));
        const b = await db.tasks.create(task(2, T0 + 5n));
        expect(a).toEqual({ id: a.id, ...task(1, T0 + 10n), attempts: 0, lastAttemptedAtNs: 0n });
        const again = await db.tasks.create({ ...task(1, T0), data: enc("other") });
        expect(again).toEqual(a);
        expect((await db.tasks.listDue(T0 + 7n)).map((t) => t.id)).toEqual([b.id]);
        expect((await db.tasks.listDue(T0 + 10n)).map((t) => t.id)).toEqual([b.id, a.id]);
        await db.tasks.recordAttempt(b.id, T0 + 6n, T0 + 50n);
        expect(await db.tasks.get(b.id)).toMatchObject({
          attempts: 1,
          lastAttemptedAtNs: T0 + 6n,
          nextAttemptAtNs: T0 + 50n,
        });
        expect((await db.tasks.listDue(T0 + 10n)).map((t) => t.id)).toEqual([a.id]);
        await db.tasks.delete(a.id);
        expect(await db.tasks.get(a.id)).toBeUndefined();
        expect(await db.tasks.deleteExpired(T0 + 1_000n)).toBe(1);
        expect(await db.tasks.get(b.id)).toBeUndefined();
        await expect(
          db.tasks.create({ ...task(3, T0), backoffScalingFactor: 0.5 }),
        ).rejects.toThrow(DbInputError);
        await expect(db.tasks.recordAttempt(999, T0, T0)).rejects.toThrow(DbNotFoundError);
      });

      it("reschedules recurring tasks, pulls deadlines in and names the next one", async () => {
        expect(await db.tasks.next(T0)).toBeUndefined();
        const a = await db.tasks.create(task(4, T0 + 400n));
        const b = await db.tasks.create(task(6, T0 + 600n));
        expect((await db.tasks.next(T0))?.id).toBe(a.id);
        await db.tasks.recordAttempt(a.id, T0 + 1n, T0 + 700n);
        expect((await db.tasks.next(T0))?.id).toBe(b.id);
        await db.tasks.reschedule(a.id, T0 + 2n, T0 + 800n);
        expect(await db.tasks.get(a.id)).toMatchObject({
          attempts: 0,
          lastAttemptedAtNs: T0 + 2n,
          nextAttemptAtNs: T0 + 800n,
        });
        // Only ever earlier: a pull-in to a later time changes nothing.
        expect(await db.tasks.pullIn(a.dataHash, T0 + 900n)).toBe(true);
        expect((await db.tasks.get(a.id))?.nextAttemptAtNs).toBe(T0 + 800n);
        expect(await db.tasks.pullIn(a.dataHash, T0 + 100n)).toBe(true);
        expect((await db.tasks.get(a.id))?.nextAttemptAtNs).toBe(T0 + 100n);
        expect((await db.tasks.next(T0))?.id).toBe(a.id);
        expect(await db.tasks.pullIn(bytes(0x54, 99, 32), T0)).toBe(false);
        // Expired tasks are never next.
        expect(await db.tasks.next(T0 + 1_000n)).toBeUndefined();
        await expect(db.tasks.reschedule(999, T0, T0)).rejects.toThrow(DbNotFoundError);
      });
    });

    describe("pending removes and message deletions", () => {
      const gid = bytes(0x47, 9);
      it("record leave requests once per inbox and forget them", async () => {
        const entry = (inbox: string, n: number) => ({
          groupId: gid,
          inboxId: inbox,
          messageId: bytes(0x6d, n),
        });
        expect(await db.pendingRemoves.add(entry("b".repeat(64), 1))).toBe(true);
        expect(await db.pendingRemoves.add(entry("b".repeat(64), 2))).toBe(false);
        expect(await db.pendingRemoves.add(entry("a".repeat(64), 3))).toBe(true);
        expect(await db.pendingRemoves.list(gid)).toEqual(["a".repeat(64), "b".repeat(64)]);
        expect(await db.pendingRemoves.has(gid, "a".repeat(64))).toBe(true);
        expect(await db.pendingRemoves.list(bytes(0x47, 8))).toEqual([]);
        expect(await db.pendingRemoves.delete(gid, ["a".repeat(64), "c".repeat(64)])).toBe(1);
        expect(await db.pendingRemoves.list(gid)).toEqual(["b".repeat(64)]);
        expect(await db.pendingRemoves.delete(gid, [])).toBe(0);
        await expect(db.pendingRemoves.add({ ...entry("", 4) })).rejects.toThrow(DbInputError);
      });

      it("record deletions once and find them by target", async () => {
        const d = (n: number, target: number, at: bigint) => ({
          id: bytes(0x64, n),
          groupId: gid,
          deletedMessageId: bytes(0x6d, target),
          deletedByInboxId: "b".repeat(64),
          isSuperAdminDeletion: n % 2 === 0,
          deletedAtNs: at,
        });
        expect(await db.messageDeletions.insert(d(1, 1, T0 + 2n))).toBe(true);
        expect(await db.messageDeletions.insert(d(1, 1, T0 + 3n))).toBe(false);
        expect(await db.messageDeletions.insert(d(2, 1, T0 + 1n))).toBe(true);
        expect(await db.messageDeletions.insert(d(3, 2, T0))).toBe(true);
        expect(await db.messageDeletions.findByTargets([bytes(0x6d, 1)])).toEqual([
          d(2, 1, T0 + 1n),
          d(1, 1, T0 + 2n),
        ]);
        expect(await db.messageDeletions.findByTargets([])).toEqual([]);
        await expect(
          db.messageDeletions.insert({ ...d(4, 1, T0), isSuperAdminDeletion: 1 as never }),
        ).rejects.toThrow(DbInputError);
      });

      it("handle each device-sync message once", async () => {
        const ids = [1, 2, 3].map((n) => bytes(0x73, n));
        expect(await db.deviceSync.unprocessed(ids)).toEqual(ids);
        expect(await db.deviceSync.markProcessed(ids[1]!, T0)).toBe(true);
        expect(await db.deviceSync.markProcessed(ids[1]!, T0 + 1n)).toBe(false);
        expect(await db.deviceSync.unprocessed(ids)).toEqual([ids[0], ids[2]]);
        expect(await db.deviceSync.unprocessed([])).toEqual([]);
        // More ids than one statement binds.
        const many = Array.from({ length: 1_200 }, (_, i) => bytes(0x74, i + 1));
        await db.deviceSync.markProcessed(many[1_100]!, T0);
        expect((await db.deviceSync.unprocessed(many)).length).toBe(1_199);
        await expect(db.deviceSync.markProcessed(new Uint8Array(0), T0)).rejects.toThrow(
          DbInputError,
        );
      });
    });

    describe("MLS state", () => {
      const gid = bytes(0x47, 1);

      it("stores group state behind our version byte", async () => {
        expect(await db.mls.getGroupState(gid)).toBeUndefined();
        await db.mls.putGroupState(gid, 0n, enc("epoch 0 state"));
        await db.mls.putGroupState(gid, 1n, enc("epoch 1 state"));
        expect(await db.mls.getGroupState(gid)).toEqual({
          groupId: gid,
          epoch: 1n,
          state: enc("epoch 1 state"),
        });
        const raw = await db.kysely
          .selectFrom("mls_group_state")
          .select("state")
          .where("group_id", "=", gid)
          .executeTakeFirstOrThrow();
        expect(raw.state[0]).toBe(MLS_STATE_FORMAT_VERSION);
        expect(new Uint8Array(raw.state.subarray(1))).toEqual(enc("epoch 1 state"));
        await db.mls.deleteGroupState(gid);
        expect(await db.mls.getGroupState(gid)).toBeUndefined();
      });

      it("refuses state written in a format version it does not know", async () => {
        await db.mls.putGroupState(gid, 3n, enc("state"));
        await db.kysely
          .updateTable("mls_group_state")
          .set({ state: new Uint8Array([MLS_STATE_FORMAT_VERSION + 1, 1, 2, 3]) })
          .execute();
        const err = await db.mls.getGroupState(gid).catch((e) => e);
        expect(err).toBeInstanceOf(MlsStateVersionError);
        expect(err.code).toBe("db.mls_state_version");
        await expect(db.mls.putGroupState(gid, 4n, new Uint8Array())).rejects.toThrow(DbInputError);
      });

      it("stores key-package secrets, found by hash ref or either public key", async () => {
        const kp = {
          hashRef: bytes(0x4b, 1, 32),
          initPublicKey: bytes(0x58, 1, 32),
          postQuantumPublicKey: bytes(0x51, 1, 1216),
          secrets: enc("private keys"),
          createdAtNs: T0,
        };
        await db.mls.putKeyPackage(kp);
        await db.mls.putKeyPackage({
          ...kp,
          hashRef: bytes(0x4b, 2, 32),
          initPublicKey: bytes(0x58, 2, 32),
          postQuantumPublicKey: null,
        });
        await expect(db.mls.putKeyPackage(kp)).rejects.toThrow(DbConflictError);
        expect(await db.mls.getKeyPackage(kp.hashRef)).toEqual(kp);
        expect(await db.mls.findKeyPackageByPublicKey(kp.initPublicKey)).toEqual(kp);
        expect(await db.mls.findKeyPackageByPublicKey(kp.postQuantumPublicKey)).toEqual(kp);
        expect((await db.mls.findKeyPackageByPublicKey(bytes(0x58, 2, 32)))?.hashRef).toEqual(
          bytes(0x4b, 2, 32),
        );
        expect(await db.mls.findKeyPackageByPublicKey(bytes(0x58, 3, 32))).toBeUndefined();
        await db.mls.deleteKeyPackage(kp.hashRef);
        expect(await db.mls.getKeyPackage(kp.hashRef)).toBeUndefined();
      });
    });

    describe("transactions", () => {
      const gid = bytes(0x47, 1);
      beforeEach(async () => {
        await db.groups.insert(makeGroup(1));
      });

      it("commits MLS state, messages and cursor together", async () => {
        const result = await db.transaction(async (tx) => {
          await tx.mls.putGroupState(gid, 1n, enc("state 1"));
          await tx.messages.insert(makeMessage(gid, 1));
          await tx.cursors.set(gid, CursorKind.ApplicationMessage, 0, 1n);
          return "done";
        });
        expect(result).toBe("done");
        expect((await db.mls.getGroupState(gid))?.epoch).toBe(1n);
        expect(await db.messages.count(gid)).toBe(1);
        expect(await db.cursors.get(gid, CursorKind.ApplicationMessage, 0)).toBe(1n);
      });

      it("writes nothing when the function throws, whatever it wrote before", async () => {
        await db.mls.putGroupState(gid, 1n, enc("state 1"));
        const boom = new Error("boom");
        await expect(
          db.transaction(async (tx) => {
            await tx.mls.putGroupState(gid, 2n, enc("state 2"));
            await tx.messages.insert(makeMessage(gid, 2));
            await tx.cursors.set(gid, CursorKind.ApplicationMessage, 0, 2n);
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await db.mls.getGroupState(gid)).toMatchObject({ epoch: 1n, state: enc("state 1") });
        expect(await db.messages.count(gid)).toBe(0);
        expect(await db.cursors.get(gid, CursorKind.ApplicationMessage, 0)).toBe(0n);
      });

      it("rolls back when a store rejects input or a key conflicts midway", async () => {
        await db.messages.insert(makeMessage(gid, 1));
        await expect(
          db.transaction(async (tx) => {
            await tx.cursors.set(gid, CursorKind.ApplicationMessage, 0, 5n);
            await tx.messages.insert(makeMessage(gid, 1)); // duplicate id
          }),
        ).rejects.toThrow(DbConflictError);
        await expect(
          db.transaction(async (tx) => {
            await tx.cursors.set(gid, CursorKind.ApplicationMessage, 0, 6n);
            await tx.messages.insert({ ...makeMessage(gid, 2), kind: 0 as MessageKind });
          }),
        ).rejects.toThrow(DbInputError);
        expect(await db.cursors.get(gid, CursorKind.ApplicationMessage, 0)).toBe(0n);
        expect(await db.messages.count(gid)).toBe(1);
      });

      it("a transaction inside a transaction joins it", async () => {
        await expect(
          db.transaction(async (tx) => {
            await tx.cursors.set(gid, CursorKind.Welcome, 0, 1n);
            await tx.transaction(async (inner) => {
              await inner.cursors.set(gid, CursorKind.Welcome, 1, 1n);
            });
            throw new Error("outer fails");
          }),
        ).rejects.toThrow("outer fails");
        expect(await db.cursors.getAll(gid, CursorKind.Welcome)).toEqual(new Map());
      });

      it("reads inside a transaction see its own writes", async () => {
        await db.transaction(async (tx) => {
          await tx.messages.insert(makeMessage(gid, 1));
          expect(await tx.messages.count(gid)).toBe(1);
          expect((await tx.groups.get(gid))?.lastMessageNs).toBe(T0 + 1000n);
        });
      });
    });

    it("stores raw SQL values in the documented column types", async () => {
      // Bytes must come back byte-exact, including 0x00 and 0xff, on every dialect.
      const all = new Uint8Array(256).map((_, i) => i);
      await db.associationStates.put("x", 0n, all);
      expect(await db.associationStates.get("x", 0n)).toEqual(all);
      const r = await sql<{ n: unknown }>`select count(*) as n from groups`.execute(db.kysely);
      expect(Number(r.rows[0]?.n)).toBe(0);
    });
  });
}
