// Archives in libxmtp 1.9.1's format, on real SQLite databases: export, import, the rules of
// import (stubs, new ids, strictly newer consent), the typed errors (and that a failed import
// changes nothing), the nonce rules, and zstd: our raw-block frames read by the system `zstd`,
// and archives compressed by the real `zstd` read by us.
import { execFileSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { aes256GcmDecrypt, aes256GcmEncrypt, randomBytes, toHex } from "@x/crypto";
import {
  type ClientDatabase,
  ConsentEntityType,
  type ConsentRecord,
  ConsentState,
  ContentType,
  ConversationType,
  DeliveryStatus,
  GroupMembershipState,
  MessageKind,
  type StoredGroup,
  type StoredMessage,
} from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { create, toBinary } from "@x/proto";
import {
  type BackupElement,
  BackupElementSchema,
  BackupElementSelection,
} from "@x/proto/device_sync";
import { ConsentStateSave, ConsentTypeSave } from "@x/proto/device_sync/consent_backup";
import { ConversationTypeSave, GroupMembershipStateSave } from "@x/proto/device_sync/group_backup";
import { ContentTypeSave } from "@x/proto/device_sync/message_backup";
import { EncodedContentSchema } from "@x/proto/mls/message_contents";
import { decompress } from "fzstd";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createDm,
  createGroup,
  createSyncGroup,
  dmId,
  serializeGroupState,
} from "../../../engine/index.js";
import { newIdentity } from "../../../test-utils/identities.js";
import { ClientError } from "../../errors.js";
import { nextNonce, previousNonce } from "./format.js";
import {
  ArchiveError,
  type ArchiveErrorCode,
  archiveFileMetadata,
  archiveMetadata,
  createArchiveFile,
  exportArchive,
  exportArchiveBytes,
  importArchive,
  importArchiveFile,
} from "./index.js";
import { readArchive } from "./reader.js";
import { ZSTD_MAX_BLOCK, ZstdRawFrameWriter, zstdRawFrame } from "./zstd-frame.js";

const T0 = 1_750_000_000_000_000_000n;
const KEY = new Uint8Array(32).map((_, i) => i + 1);
const me = newIdentity();
const peer = newIdentity();

/**
 * The system zstd binary's tests. `pnpm test` installs it first (tooling/scripts/ensure-postgres.sh
 * installs Debian's zstd too); where it is missing they fail, saying so.
 */
const zstdIt = it;
function zstd(args: string[], input: Uint8Array): Uint8Array {
  try {
    execFileSync("zstd", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("the zstd binary is missing: apt-get install zstd (Debian), then run again");
  }
  return new Uint8Array(execFileSync("zstd", args, { input, maxBuffer: 1 << 28 }));
}

/** Random bytes of any length (@x/crypto's randomBytes stops at 64 KiB, as WebCrypto does). */
const bigRandom = (n: number) => randomFillSync(new Uint8Array(n));

/** Byte equality without vitest's element-by-element diff (slow on big arrays). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected)).toBe(0);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const text = (s: string) =>
  toBinary(
    EncodedContentSchema,
    create(EncodedContentSchema, {
      type: { authorityId: "xmtp.org", typeId: "text", versionMajor: 1, versionMinor: 0 },
      content: new TextEncoder().encode(s),
    }),
  );

function group(id: Uint8Array, overrides: Partial<StoredGroup> = {}): StoredGroup {
  return {
    id,
    createdAtNs: T0,
    conversationType: ConversationType.Group,
    membershipState: GroupMembershipState.Allowed,
    addedByInboxId: me.inboxId,
    dmId: null,
    welcomeCursor: null,
    installationsLastCheckedNs: 0n,
    rotatedAtNs: 0n,
    lastMessageNs: null,
    messageDisappearFromNs: null,
    messageDisappearInNs: null,
    pausedForVersion: null,
    maybeForked: false,
    forkDetails: "",
    shouldPublishCommitLog: false,
    commitLogPublicKey: null,
    isCommitLogForked: null,
    hasPendingLeaveRequest: false,
    ...overrides,
  };
}

let messageSeq = 0;
function message(groupId: Uint8Array, overrides: Partial<StoredMessage> = {}): StoredMessage {
  const n = ++messageSeq;
  return {
    id: randomBytes(32),
    groupId,
    decryptedMessageBytes: text(`message ${n}`),
    sentAtNs: T0 + BigInt(n) * 1000n,
    kind: MessageKind.Application,
    senderInstallationId: randomBytes(32),
    senderInboxId: me.inboxId,
    deliveryStatus: DeliveryStatus.Published,
    contentType: ContentType.Text,
    authorityId: "xmtp.org",
    versionMajor: 1,
    versionMinor: 0,
    referenceId: null,
    originatorId: 0,
    sequenceId: BigInt(n),
    insertedAtNs: T0 + BigInt(n) * 1000n + 1n,
    expireAtNs: null,
    shouldPush: true,
    idempotencyKey: `${n}`,
    ...overrides,
  };
}

/** Everything an import may touch, to prove a failed one touched nothing. */
async function snapshot(db: ClientDatabase) {
  return {
    groups: await db.groups.listPage({ limit: 1_000_000 }),
    messages: await db.messages.listForArchive({ limit: 1_000_000 }),
    consent: await db.consent.list(),
  };
}

/** The elements of an archive, decrypted (through the importer's reader). */
async function elementsOf(archive: Uint8Array, key = KEY): Promise<BackupElement[]> {
  const out: BackupElement[] = [];
  await readArchive(archive, key, { maxBytes: 1 << 28, maxElements: 1 << 20 }, (e) => {
    out.push(e);
  });
  return out;
}

/**
 * A hand-made archive: the given element bytes, encrypted with counting nonces (or all with
 * nonce_0: `legacy`), framed, and zstd-framed by `frame` (our raw frame by default).
 */
function handMade(
  plaintexts: readonly Uint8Array[],
  options: { legacy?: boolean; frame?: (framed: Uint8Array) => Uint8Array; key?: Uint8Array } = {},
): Uint8Array {
  const nonce0 = randomBytes(12);
  let nonce = nonce0;
  const records = plaintexts.map((p) => {
    const sealed = aes256GcmEncrypt(options.key ?? KEY, options.legacy ? nonce0 : nonce, p);
    nonce = nextNonce(nonce);
    const r = new Uint8Array(4 + sealed.length);
    new DataView(r.buffer).setUint32(0, sealed.length, true);
    r.set(sealed, 4);
    return r;
  });
  const framed = concat(records);
  return concat([Uint8Array.of(0, 0), nonce0, (options.frame ?? zstdRawFrame)(framed)]);
}

const element = (e: BackupElement["element"]) =>
  toBinary(BackupElementSchema, create(BackupElementSchema, { element: e }));
const metadataElement = (elements = [BackupElementSelection.MESSAGES]) =>
  element({ case: "metadata", value: { elements, exportedAtNs: T0 } as never });

async function expectArchiveError(p: Promise<unknown>, code: ArchiveErrorCode): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(ArchiveError);
  expect(e).toBeInstanceOf(ClientError);
  expect((e as ArchiveError).code).toBe(code);
}

describe("nonces", () => {
  it("count as 96-bit little-endian integers, wrapping both ways", () => {
    const zero = new Uint8Array(12);
    const max = new Uint8Array(12).fill(0xff);
    expect(nextNonce(max)).toEqual(zero);
    expect(previousNonce(zero)).toEqual(max);
    expect(nextNonce(Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toEqual(
      Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    );
    expect(previousNonce(Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7))).toEqual(
      Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7),
    );
    const n = randomBytes(12);
    expect(previousNonce(nextNonce(n))).toEqual(n);
  });
});

describe("the zstd frame writer", () => {
  const sizes = [0, 1, 1000, ZSTD_MAX_BLOCK - 1, ZSTD_MAX_BLOCK, ZSTD_MAX_BLOCK + 1, 300_000];

  it("writes RFC 8878 frames of raw blocks that fzstd decodes", () => {
    // Empty: magic, descriptor 0, window 128 KiB, one empty last raw block.
    expect(toHex(zstdRawFrame(new Uint8Array()))).toBe("28b52ffd0038010000");
    for (const size of sizes) {
      const content = bigRandom(size);
      const frame = zstdRawFrame(content);
      expect(frame.length).toBe(
        6 + content.length + 3 * Math.max(1, Math.ceil(size / ZSTD_MAX_BLOCK)),
      );
      expectSameBytes(decompress(frame), content);
    }
  });

  it("streams: any split of the writes gives the same frame", () => {
    const content = bigRandom(3 * ZSTD_MAX_BLOCK + 77);
    const whole = zstdRawFrame(content);
    for (const step of [1000, ZSTD_MAX_BLOCK, 50_001]) {
      const w = new ZstdRawFrameWriter();
      const parts: Uint8Array[] = [];
      for (let at = 0; at < content.length; at += step) {
        parts.push(...w.write(content.subarray(at, at + step)));
      }
      parts.push(...w.end());
      expectSameBytes(concat(parts), whole);
    }
    const w = new ZstdRawFrameWriter();
    w.end();
    expect(() => w.write(new Uint8Array(1))).toThrow();
  });

  /** A frame with early block ends (flush), as the exporter writes after the metadata. */
  function flushed(a: Uint8Array, b: Uint8Array): Uint8Array {
    const w = new ZstdRawFrameWriter();
    const parts = [
      ...w.flush(),
      ...w.write(a),
      ...w.flush(),
      ...w.flush(),
      ...w.write(b),
      ...w.end(),
    ];
    return concat(parts);
  }

  it("ends a block early on flush (and only when it holds something)", () => {
    const a = bigRandom(100);
    const b = bigRandom(ZSTD_MAX_BLOCK + 5);
    const frame = flushed(a, b);
    // header, [a] block, two blocks for b
    expect(frame.length).toBe(6 + 3 + 100 + 3 + ZSTD_MAX_BLOCK + 3 + 5);
    expectSameBytes(decompress(frame), concat([a, b]));
  });

  zstdIt("is decoded by the system zstd binary", () => {
    for (const size of sizes) {
      const content = bigRandom(size);
      const frame = zstdRawFrame(content);
      expectSameBytes(zstd(["-d", "-c", "-q"], frame), content);
      execFileSync("zstd", ["-t", "-q"], { input: frame });
    }
    const a = bigRandom(10);
    const b = bigRandom(2 * ZSTD_MAX_BLOCK);
    expectSameBytes(zstd(["-d", "-c", "-q"], flushed(a, b)), concat([a, b]));
  });
});

describe("archives", () => {
  let src: ClientDatabase;
  let dst: ClientDatabase;
  const opened: ClientDatabase[] = [];
  const open = async () => {
    const db = await openSqlite({ path: ":memory:" });
    opened.push(db);
    return db;
  };

  // The source: a group and a DM with MLS state, a sync group, a group without MLS state.
  let groupA: StoredGroup;
  let dm: StoredGroup;
  let syncGroup: StoredGroup;
  let stateless: StoredGroup;
  /** The messages the export must carry, by hex id. */
  let exported: Map<string, StoredMessage>;
  let consent: ConsentRecord[];

  beforeEach(async () => {
    src = await open();
    dst = await open();
    const a = await createGroup(me, {
      name: "Team",
      description: "the team",
      imageUrlSquare: "https://example.com/t.png",
      appData: "app-data",
    });
    groupA = group(a.groupContext.groupId, { createdAtNs: T0 + 1n });
    await src.groups.insert(groupA);
    await src.mls.putGroupState(groupA.id, 0n, serializeGroupState(a));

    const d = await createDm(me, peer.inboxId, {
      messageDisappearing: { fromNs: T0, inNs: 3_600_000_000_000n },
    });
    dm = group(d.groupContext.groupId, {
      createdAtNs: T0 + 2n,
      conversationType: ConversationType.Dm,
      dmId: dmId(me.inboxId, peer.inboxId),
      addedByInboxId: peer.inboxId,
      messageDisappearFromNs: T0,
      messageDisappearInNs: 3_600_000_000_000n,
      welcomeCursor: { originatorId: 0, sequenceId: 77n },
    });
    await src.groups.insert(dm);
    await src.mls.putGroupState(dm.id, 0n, serializeGroupState(d));

    const s = await createSyncGroup(me);
    syncGroup = group(s.groupContext.groupId, { conversationType: ConversationType.Sync });
    await src.groups.insert(syncGroup);
    await src.mls.putGroupState(syncGroup.id, 0n, serializeGroupState(s));

    stateless = group(randomBytes(16), { membershipState: GroupMembershipState.Restored });
    await src.groups.insert(stateless);

    exported = new Map();
    const keep = async (m: StoredMessage) => {
      await src.messages.insert(m);
      exported.set(toHex(m.id), m);
    };
    for (let i = 0; i < 3; i++) await keep(message(groupA.id));
    await keep(message(groupA.id, { expireAtNs: 2n ** 62n })); // expires, not yet
    await keep(message(dm.id, { senderInboxId: peer.inboxId, originatorId: 100 }));
    await keep(
      message(dm.id, {
        contentType: ContentType.Reaction,
        referenceId: randomBytes(32),
        deliveryStatus: DeliveryStatus.Unpublished,
        sequenceId: 0n,
      }),
    );
    // Not exported: a membership change, an expired message, one in the sync group.
    await src.messages.insert(message(groupA.id, { kind: MessageKind.MembershipChange }));
    await src.messages.insert(message(groupA.id, { expireAtNs: 5n }));
    await src.messages.insert(message(syncGroup.id));
    // Exported, but its group is not (no MLS state): an import without that group skips it.
    await src.messages.insert(message(stateless.id));

    consent = [
      {
        entityType: ConsentEntityType.ConversationId,
        entity: toHex(groupA.id),
        state: ConsentState.Denied,
        consentedAtNs: T0 + 10n,
      },
      {
        entityType: ConsentEntityType.InboxId,
        entity: peer.inboxId,
        state: ConsentState.Allowed,
        consentedAtNs: T0 + 11n,
      },
      {
        entityType: ConsentEntityType.InboxId,
        entity: newIdentity().inboxId,
        state: ConsentState.Unknown,
        consentedAtNs: T0 + 12n,
      },
    ];
    await src.consent.set(consent);
  });

  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
  });

  it("writes metadata, groups, messages (by id) and consent, as libxmtp does", async () => {
    const archive = await exportArchiveBytes(src, {}, KEY);
    expect(archive[0]).toBe(0);
    expect(archive[1]).toBe(0);
    const els = await elementsOf(archive);
    const cases = els.map((e) => e.element.case);
    expect(cases).toEqual([
      "metadata",
      "group",
      "group",
      ...Array(exported.size + 1).fill("groupMessage"),
      "consent",
      "consent",
      "consent",
    ]);
    const meta = els[0]?.element.value as { elements: number[]; exportedAtNs: bigint };
    expect(meta.elements).toEqual([
      BackupElementSelection.MESSAGES,
      BackupElementSelection.CONSENT,
    ]);
    expect(meta.exportedAtNs).toBeGreaterThan(T0);

    const groups = els.flatMap((e) => (e.element.case === "group" ? [e.element.value] : []));
    expect(groups.map((g) => toHex(g.id))).toEqual([toHex(groupA.id), toHex(dm.id)].sort());
    const ga = groups.find((g) => toHex(g.id) === toHex(groupA.id));
    expect(ga).toMatchObject({
      createdAtNs: T0 + 1n,
      membershipState: GroupMembershipStateSave.ALLOWED,
      conversationType: ConversationTypeSave.GROUP,
      addedByInboxId: me.inboxId,
      metadata: { creatorInboxId: me.inboxId },
    });
    expect(ga?.dmId).toBeUndefined();
    expect(ga?.mutableMetadata?.attributes).toMatchObject({
      group_name: "Team",
      description: "the team",
      group_image_url_square: "https://example.com/t.png",
      app_data: "app-data",
    });
    expect(ga?.mutableMetadata?.superAdminList).toEqual([me.inboxId]);
    expect(ga?.mutableMetadata?.adminList).toEqual([]);
    const gd = groups.find((g) => toHex(g.id) === toHex(dm.id));
    expect(gd).toMatchObject({
      conversationType: ConversationTypeSave.DM,
      dmId: dm.dmId,
      welcomeId: 77n,
      messageDisappearFromNs: T0,
      messageDisappearInNs: 3_600_000_000_000n,
    });

    const msgs = els.flatMap((e) => (e.element.case === "groupMessage" ? [e.element.value] : []));
    const ids = msgs.map((m) => toHex(m.id));
    expect(ids).toEqual([...ids].sort());
    const reaction = msgs.find((m) => m.contentType === "reaction");
    expect(reaction).toMatchObject({
      kind: 1,
      deliveryStatus: 1,
      contentTypeSave: ContentTypeSave.UNSPECIFIED,
      authorityId: "xmtp.org",
      versionMajor: 1,
      sequenceId: 0n,
      originatorId: 0n,
    });
    expect(reaction?.referenceId).toHaveLength(32);
    expect(msgs.filter((m) => m.contentType === "text")).toHaveLength(msgs.length - 1);
    expect(msgs.find((m) => m.originatorId === 100n)?.senderInboxId).toBe(peer.inboxId);

    const saves = els.flatMap((e) => (e.element.case === "consent" ? [e.element.value] : []));
    // (entity_type, entity) order, the +1 shifted state enum.
    expect(saves.map((c) => [c.entityType, c.state])).toEqual([
      [ConsentTypeSave.CONVERSATION_ID, ConsentStateSave.DENIED],
      ...[consent[1], consent[2]]
        .sort((x, y) => ((x?.entity ?? "") < (y?.entity ?? "") ? -1 : 1))
        .map((c) => [
          ConsentTypeSave.INBOX_ID,
          c?.state === ConsentState.Allowed ? ConsentStateSave.ALLOWED : ConsentStateSave.UNKNOWN,
        ]),
    ]);
    expect(saves[0]?.entity).toBe(toHex(groupA.id));
    expect(saves[0]?.consentedAtNs).toBe(T0 + 10n);
  });

  it("round-trips into a fresh database: Restored stubs, the same messages, the consent", async () => {
    const archive = await exportArchiveBytes(src, undefined, KEY);
    const summary = await importArchive(dst, me.inboxId, archive, KEY);
    expect(summary).toMatchObject({
      groups: { inserted: 2, existing: 0 },
      messages: { inserted: exported.size, existing: 0 },
      consent: { changed: 3 },
      skipped: 1, // the message of the group without MLS state
      metadata: { version: 0, elements: ["messages", "consent"] },
    });

    const stubA = await dst.groups.get(groupA.id);
    const srcA = await src.groups.get(groupA.id);
    expect(stubA).toEqual({
      ...group(groupA.id),
      createdAtNs: T0 + 1n,
      membershipState: GroupMembershipState.Restored,
      lastMessageNs: srcA?.lastMessageNs,
    });
    const stubDm = await dst.groups.get(dm.id);
    expect(stubDm).toMatchObject({
      conversationType: ConversationType.Dm,
      membershipState: GroupMembershipState.Restored,
      dmId: dm.dmId,
      addedByInboxId: peer.inboxId,
      messageDisappearFromNs: T0,
      messageDisappearInNs: 3_600_000_000_000n,
      welcomeCursor: null,
      lastMessageNs: (await src.groups.get(dm.id))?.lastMessageNs,
    });
    expect(await dst.mls.getGroupState(groupA.id)).toBeUndefined();
    expect(await dst.groups.get(syncGroup.id)).toBeUndefined();
    expect(await dst.groups.get(stateless.id)).toBeUndefined();

    const stored = await dst.messages.listForArchive({ limit: 1000 });
    expect(stored.map((m) => toHex(m.id)).sort()).toEqual([...exported.keys()].sort());
    for (const m of stored) {
      const original = exported.get(toHex(m.id)) as StoredMessage;
      expect(m).toEqual({
        ...original,
        insertedAtNs: m.insertedAtNs,
        expireAtNs: null,
        shouldPush: false,
        idempotencyKey: "",
      });
    }
    expect(await dst.consent.list()).toEqual(await src.consent.list());

    // Twice: nothing new, nothing changed.
    const before = await snapshot(dst);
    const again = await importArchive(dst, me.inboxId, archive, KEY);
    expect(again).toMatchObject({
      groups: { inserted: 0, existing: 2 },
      messages: { inserted: 0, existing: exported.size },
      consent: { changed: 0 },
    });
    expect(await snapshot(dst)).toEqual(before);

    // And what we import, we export again the same way (stubs have no MLS state: not groups).
    const reexported = await elementsOf(await exportArchiveBytes(dst, {}, KEY));
    expect(reexported.filter((e) => e.element.case === "groupMessage")).toHaveLength(exported.size);
    expect(reexported.filter((e) => e.element.case === "group")).toHaveLength(0);
  });

  it("keeps a group we have and only moves its last_message_ns forward", async () => {
    const archive = await exportArchiveBytes(src, {}, KEY);
    const savedLast = (await src.groups.get(groupA.id))?.lastMessageNs as bigint;
    const savedDmLast = (await src.groups.get(dm.id))?.lastMessageNs as bigint;
    const ours = group(groupA.id, { lastMessageNs: savedLast - 500n, addedByInboxId: "ours" });
    const oursDm = group(dm.id, {
      conversationType: ConversationType.Dm,
      dmId: dm.dmId,
      lastMessageNs: savedDmLast + 1_000_000n,
    });
    await dst.groups.insert(ours);
    await dst.groups.insert(oursDm);
    const summary = await importArchive(dst, me.inboxId, archive, KEY);
    expect(summary.groups).toEqual({ inserted: 0, existing: 2 });
    expect(await dst.groups.get(groupA.id)).toEqual({ ...ours, lastMessageNs: savedLast });
    expect(await dst.groups.get(dm.id)).toEqual(oursDm);
    expect(summary.messages.inserted).toBe(exported.size);
  });

  it("merges consent by the strictly-newer rule", async () => {
    const [conv, allowed, unknown] = consent as [ConsentRecord, ConsentRecord, ConsentRecord];
    await dst.consent.set([
      { ...conv, state: ConsentState.Allowed, consentedAtNs: conv.consentedAtNs - 1n }, // older
      { ...allowed, state: ConsentState.Denied }, // equal time
      { ...unknown, state: ConsentState.Denied, consentedAtNs: unknown.consentedAtNs + 1n }, // newer
    ]);
    const summary = await importArchive(
      dst,
      me.inboxId,
      await exportArchiveBytes(src, { elements: ["consent"] }, KEY),
      KEY,
    );
    expect(summary.consent.changed).toBe(1);
    expect(await dst.consent.get(conv.entityType, conv.entity)).toEqual(conv);
    expect(await dst.consent.get(allowed.entityType, allowed.entity)).toMatchObject({
      state: ConsentState.Denied,
    });
    expect(await dst.consent.get(unknown.entityType, unknown.entity)).toMatchObject({
      state: ConsentState.Denied,
      consentedAtNs: unknown.consentedAtNs + 1n,
    });
  });

  it("exports only the selected elements", async () => {
    const consentOnly = await exportArchiveBytes(src, { elements: ["consent"] }, KEY);
    expect((await elementsOf(consentOnly)).map((e) => e.element.case)).toEqual([
      "metadata",
      "consent",
      "consent",
      "consent",
    ]);
    expect(await archiveMetadata(consentOnly, KEY)).toMatchObject({ elements: ["consent"] });
    const r = await importArchive(dst, me.inboxId, consentOnly, KEY);
    expect(r.groups.inserted + r.messages.inserted).toBe(0);
    expect((await snapshot(dst)).groups).toEqual([]);

    const messagesOnly = await exportArchiveBytes(src, { elements: ["messages"] }, KEY);
    const cases = (await elementsOf(messagesOnly)).map((e) => e.element.case);
    expect(cases).not.toContain("consent");
    expect(cases.filter((c) => c === "group")).toHaveLength(2);
    const empty = await exportArchiveBytes(src, { elements: [] }, KEY);
    expect((await elementsOf(empty)).map((e) => e.element.case)).toEqual(["metadata"]);
    expect(await importArchive(dst, me.inboxId, empty, KEY)).toMatchObject({
      groups: { inserted: 0 },
      messages: { inserted: 0 },
      consent: { changed: 0 },
      skipped: 0,
    });
    await expect(
      exportArchiveBytes(src, { elements: ["events" as never] }, KEY),
    ).rejects.toMatchObject({ code: "CLIENT_INVALID_ARGUMENT" });
  });

  it("exports a time range (exclusive) and can leave out disappearing messages", async () => {
    const sorted = [...exported.values()].sort((a, b) => (a.sentAtNs < b.sentAtNs ? -1 : 1));
    const first = sorted[0] as StoredMessage;
    const last = sorted.at(-1) as StoredMessage;
    const archive = await exportArchiveBytes(
      src,
      { startNs: first.sentAtNs, endNs: last.sentAtNs, elements: ["messages"] },
      KEY,
    );
    const els = await elementsOf(archive);
    const msgs = els.flatMap((e) => (e.element.case === "groupMessage" ? [e.element.value] : []));
    expect(msgs.map((m) => toHex(m.id)).sort()).toEqual(
      sorted
        .slice(1, -1)
        .map((m) => toHex(m.id))
        .sort(),
    );
    // Groups by creation time: A (T0 + 1) and the DM (T0 + 2) are before the range.
    expect(els.filter((e) => e.element.case === "group")).toHaveLength(0);
    expect(await archiveMetadata(archive, KEY)).toMatchObject({
      startNs: first.sentAtNs,
      endNs: last.sentAtNs,
    });
    const groupsInRange = await elementsOf(
      await exportArchiveBytes(src, { startNs: T0 + 1n, endNs: T0 + 100n }, KEY),
    );
    expect(
      groupsInRange.flatMap((e) => (e.element.case === "group" ? [toHex(e.element.value.id)] : [])),
    ).toEqual([toHex(dm.id)]);

    const noDisappearing = await elementsOf(
      await exportArchiveBytes(src, { excludeDisappearingMessages: true }, KEY),
    );
    expect(noDisappearing.filter((e) => e.element.case === "groupMessage")).toHaveLength(
      exported.size, // the expiring one is out, the stateless group's message is in
    );
    const all = await elementsOf(await exportArchiveBytes(src, {}, KEY));
    expect(all.filter((e) => e.element.case === "groupMessage")).toHaveLength(exported.size + 1);
  });

  it("pages through more than 100 groups and messages", async () => {
    const state = serializeGroupState(await createGroup(me, {}));
    const many = await open();
    const ids: string[] = [];
    for (let i = 0; i < 205; i++) {
      const id = randomBytes(16);
      await many.groups.insert(group(id));
      await many.mls.putGroupState(id, 0n, state);
      ids.push(toHex(id));
    }
    const gid = Uint8Array.from(Buffer.from(ids[0] as string, "hex"));
    for (let i = 0; i < 250; i++) await many.messages.insert(message(gid));
    const els = await elementsOf(await exportArchiveBytes(many, { elements: ["messages"] }, KEY));
    const groupIds = els.flatMap((e) =>
      e.element.case === "group" ? [toHex(e.element.value.id)] : [],
    );
    expect(groupIds).toEqual([...ids].sort());
    expect(els.filter((e) => e.element.case === "groupMessage")).toHaveLength(250);
  });

  it("streams: chunked sources, a ReadableStream, and the exporter's async iterable", async () => {
    const parts: Uint8Array[] = [];
    for await (const p of exportArchive(src, {}, KEY)) parts.push(p);
    const archive = concat(parts);
    async function* dribble(size: number) {
      for (let at = 0; at < archive.length; at += size) yield archive.slice(at, at + size);
    }
    const one = await importArchive(dst, me.inboxId, dribble(1), KEY);
    expect(one.messages.inserted).toBe(exported.size);
    const other = await open();
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled >= archive.length) return c.close();
        c.enqueue(archive.slice(pulled, pulled + 7));
        pulled += 7;
      },
    });
    expect((await importArchive(other, me.inboxId, stream, KEY)).messages.inserted).toBe(
      exported.size,
    );
    // Metadata only: the stream is left after the first element.
    pulled = 0;
    let cancelled = false;
    const partial = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(archive.slice(pulled, pulled + 64));
        pulled += 64;
      },
      cancel() {
        cancelled = true;
      },
    });
    expect(await archiveMetadata(partial, KEY)).toMatchObject({
      elements: ["messages", "consent"],
    });
    expect(cancelled).toBe(true);
    // The metadata has a zstd block of its own: read after a few chunks, not the whole archive.
    expect(pulled).toBeLessThanOrEqual(4 * 64);
    expect(archive.length).toBeGreaterThan(1000);
  });

  it("accepts longer keys cut to 32 bytes; refuses shorter ones", async () => {
    const long = concat([KEY, randomBytes(32)]);
    const archive = await exportArchiveBytes(src, {}, long);
    expect((await importArchive(dst, me.inboxId, archive, KEY)).messages.inserted).toBe(
      exported.size,
    );
    expect(() => exportArchive(src, {}, KEY.subarray(0, 31))).toThrow(
      expect.objectContaining({ code: "ARCHIVE_INVALID_KEY_LENGTH" }),
    );
    await expectArchiveError(
      importArchive(dst, me.inboxId, archive, new Uint8Array(16)),
      "ARCHIVE_INVALID_KEY_LENGTH",
    );
    await expectArchiveError(
      archiveMetadata(archive, new Uint8Array()),
      "ARCHIVE_INVALID_KEY_LENGTH",
    );
  });

  describe("a bad archive gives a typed error and changes nothing", () => {
    let archive: Uint8Array;
    let before: Awaited<ReturnType<typeof snapshot>>;
    beforeEach(async () => {
      archive = await exportArchiveBytes(src, {}, KEY);
      // Something in the target already, so "unchanged" means something.
      await dst.groups.insert(group(randomBytes(16), { lastMessageNs: T0 }));
      await dst.consent.set([{ ...(consent[0] as ConsentRecord), consentedAtNs: 1n }]);
      before = await snapshot(dst);
    });
    const fails = async (bytes: Uint8Array, code: ArchiveErrorCode, options = {}) => {
      await expectArchiveError(importArchive(dst, me.inboxId, bytes, KEY, options), code);
      expect(await snapshot(dst)).toEqual(before);
    };
    /**
     * Offset of record `i`'s ciphertext in one of our archives: header, frame header, the
     * metadata's block, then the block of everything else (small archives: one block).
     */
    const recordOffset = (i: number) => {
      const view = new DataView(archive.buffer, archive.byteOffset);
      let at = 14 + 6 + 3;
      for (let k = 0; k < i; k++) {
        at += 4 + view.getUint32(at, true);
        if (k === 0) at += 3; // the second block's header
      }
      return at + 4;
    };

    it("truncated anywhere", async () => {
      const cuts = [0, 1, 13, 14, 15, 19, 20, 22, 23, 26, 40, recordOffset(2) - 2];
      cuts.push(Math.floor(archive.length / 2), archive.length - 17, archive.length - 1);
      for (const cut of cuts) await fails(archive.subarray(0, cut), "ARCHIVE_TRUNCATED");
    });

    it("a wrong key", async () => {
      await expectArchiveError(
        importArchive(dst, me.inboxId, archive, randomBytes(32)),
        "ARCHIVE_BAD_KEY",
      );
      await expectArchiveError(archiveMetadata(archive, randomBytes(32)), "ARCHIVE_BAD_KEY");
      expect(await snapshot(dst)).toEqual(before);
    });

    it("a changed byte in a ciphertext", async () => {
      for (const [i, code] of [
        [3, "ARCHIVE_CORRUPT"],
        [0, "ARCHIVE_BAD_KEY"], // the first element: indistinguishable from a wrong key
      ] as const) {
        const flipped = archive.slice();
        const at = recordOffset(i) + 5;
        flipped[at] = (flipped[at] as number) ^ 0x40;
        await fails(flipped, code);
      }
    });

    it("a corrupt zstd stream", async () => {
      const badMagic = archive.slice();
      badMagic[14] = 0x29;
      await fails(badMagic, "ARCHIVE_CORRUPT");
      const reservedBlock = archive.slice();
      reservedBlock[20] = ((reservedBlock[20] as number) & ~0b110) | 0b110; // block type 3
      await fails(reservedBlock, "ARCHIVE_CORRUPT");
      await fails(concat([archive, Uint8Array.of(1, 2, 3, 4, 5, 6, 7)]), "ARCHIVE_CORRUPT");
    });

    it("no metadata first, or no element at all", async () => {
      const consentFirst = handMade([
        element({
          case: "consent",
          value: { entityType: 2, state: 2, entity: "x", consentedAtNs: 1n } as never,
        }),
        metadataElement(),
      ]);
      await fails(consentFirst, "ARCHIVE_MISSING_METADATA");
      await fails(handMade([]), "ARCHIVE_MISSING_METADATA");
      await expectArchiveError(archiveMetadata(consentFirst, KEY), "ARCHIVE_MISSING_METADATA");
    });

    it("an element that does not decode, or a length below a tag", async () => {
      await fails(
        handMade([metadataElement(), Uint8Array.of(0xff, 0xff, 0xff)]),
        "ARCHIVE_CORRUPT",
      );
      const tiny = concat([
        Uint8Array.of(0, 0),
        randomBytes(12),
        zstdRawFrame(Uint8Array.of(3, 0, 0, 0, 1, 2, 3)),
      ]);
      await fails(tiny, "ARCHIVE_CORRUPT");
    });

    it("over the limits", async () => {
      await fails(archive, "ARCHIVE_TOO_LARGE", { maxBytes: 200 });
      await fails(archive, "ARCHIVE_TOO_LARGE", { maxElements: 3 });
      // A zstd window over 128 MiB is refused before the decoder allocates it.
      const hugeWindow = archive.slice();
      hugeWindow[19] = 18 << 3; // 2^28
      await fails(hugeWindow, "ARCHIVE_TOO_LARGE");
      await expect(
        importArchive(dst, me.inboxId, archive, KEY, { maxBytes: 0 }),
      ).rejects.toMatchObject({
        code: "CLIENT_INVALID_ARGUMENT",
      });
    });
  });

  it("reads legacy archives, whose elements all use nonce_0 (the nonce − 1 retry)", async () => {
    const els = (await elementsOf(await exportArchiveBytes(src, {}, KEY))).map((e) =>
      toBinary(BackupElementSchema, e),
    );
    const legacy = handMade(els, { legacy: true });
    const summary = await importArchive(dst, me.inboxId, legacy, KEY);
    expect(summary.messages.inserted).toBe(exported.size);
    expect(summary.consent.changed).toBe(3);
    // Without the retry, the second element would not decrypt: prove it is really legacy.
    const nonce0 = legacy.subarray(2, 14);
    const second = (await recordsOf(legacy))[1] as Uint8Array;
    expect(() => aes256GcmDecrypt(KEY, nextNonce(nonce0), second)).toThrow();
    expect(aes256GcmDecrypt(KEY, nonce0, second)).toEqual(els[1]);
  });

  it("skips records libxmtp would refuse and ignores events and extra metadata", async () => {
    const gid = randomBytes(16);
    const archive = handMade([
      metadataElement(),
      element({
        case: "group",
        value: { id: gid, conversationType: 2, addedByInboxId: "x" } as never,
      }), // DM without dm_id
      element({ case: "group", value: { id: gid, conversationType: 1, createdAtNs: 5n } as never }),
      element({
        case: "groupMessage",
        value: { id: randomBytes(32), groupId: gid, kind: 0, deliveryStatus: 2 } as never,
      }),
      element({
        case: "groupMessage",
        value: { id: randomBytes(32), groupId: gid, kind: 1, deliveryStatus: 0 } as never,
      }),
      element({
        case: "groupMessage",
        value: {
          id: Uint8Array.of(1),
          groupId: gid,
          kind: 1,
          deliveryStatus: 2,
          contentTypeSave: ContentTypeSave.UNSPECIFIED,
          contentType: "markdown",
          sentAtNs: 9n,
        } as never,
      }),
      element({
        case: "groupMessage",
        value: {
          id: Uint8Array.of(2),
          groupId: gid,
          kind: 2,
          deliveryStatus: 3,
          contentTypeSave: ContentTypeSave.REPLY,
          contentType: "text",
        } as never,
      }),
      element({
        case: "consent",
        value: { entityType: 3, state: 2, entity: "0xabc", consentedAtNs: 1n } as never,
      }), // ADDRESS
      element({
        case: "consent",
        value: { entityType: 2, state: 0, entity: "abc", consentedAtNs: 1n } as never,
      }),
      element({
        case: "consent",
        value: { entityType: 2, state: 3, entity: "abc", consentedAtNs: 1n } as never,
      }),
      metadataElement(),
      element({ case: "event", value: { createdAtNs: 1n, event: "x" } as never }),
      new Uint8Array(), // an element with no case set
    ]);
    const summary = await importArchive(dst, me.inboxId, archive, KEY);
    expect(summary).toMatchObject({
      groups: { inserted: 1, existing: 0 },
      messages: { inserted: 2, existing: 0 },
      consent: { changed: 1 },
      skipped: 1 + 2 + 2 + 3,
    });
    expect(await dst.groups.get(gid)).toMatchObject({
      conversationType: ConversationType.Group,
      membershipState: GroupMembershipState.Restored,
      createdAtNs: 5n,
    });
    expect(await dst.messages.get(Uint8Array.of(1))).toMatchObject({
      contentType: ContentType.Markdown, // field 9 unspecified: field 16
      originatorId: 10, // missing originator
      sequenceId: 0n,
      shouldPush: false,
      expireAtNs: null,
    });
    expect(await dst.messages.get(Uint8Array.of(2))).toMatchObject({
      contentType: ContentType.Reply, // field 9 wins when it is not Unknown
      kind: MessageKind.MembershipChange,
      deliveryStatus: DeliveryStatus.Failed,
    });
    expect(await dst.consent.get(ConsentEntityType.InboxId, "abc")).toMatchObject({
      state: ConsentState.Denied,
    });
  });

  zstdIt("the system zstd decodes our archives' zstd stream", async () => {
    const archive = await exportArchiveBytes(src, {}, KEY);
    const framed = zstd(["-d", "-c", "-q"], archive.subarray(14));
    const records = splitRecords(framed);
    expect(records.length).toBe((await elementsOf(archive)).length);
    // The first record is the metadata, sealed under the header's nonce.
    const plain = aes256GcmDecrypt(KEY, archive.subarray(2, 14), records[0] as Uint8Array);
    expect(plain).toEqual(
      toBinary(BackupElementSchema, (await elementsOf(archive))[0] as BackupElement),
    );
  });

  zstdIt(
    "imports archives compressed by the real zstd (compressed blocks, several frames)",
    async () => {
      // Legacy (one nonce) archive of many identical messages: identical ciphertexts, so zstd
      // really compresses (sequences, FSE/Huffman tables), unlike an ordinary archive.
      const gid = randomBytes(16);
      const same = element({
        case: "groupMessage",
        value: {
          id: randomBytes(32),
          groupId: gid,
          decryptedMessageBytes: randomBytes(200),
          kind: 1,
          deliveryStatus: 2,
          contentType: "text",
          sentAtNs: T0,
        } as never,
      });
      const plaintexts = [
        metadataElement(),
        element({
          case: "group",
          value: { id: gid, conversationType: 1, createdAtNs: T0 } as never,
        }),
        ...Array(3000).fill(same),
      ];
      for (const args of [["-3"], ["-19", "--no-check"], ["-1", "--check"]]) {
        const archive = handMade(plaintexts, {
          legacy: true,
          frame: (framed) => zstd([...args, "-c", "-q"], framed),
        });
        const raw = 14 + plaintexts.reduce((n, p) => n + 4 + p.length + 16, 0);
        expect(archive.length).toBeLessThan(raw / 20); // really compressed
        const db = await open();
        const r = await importArchive(db, me.inboxId, archive, KEY);
        expect(r).toMatchObject({
          groups: { inserted: 1 },
          messages: { inserted: 1, existing: 2999 },
        });
      }
      // Two frames, each compressed on its own (a decoder must go on after the first).
      const normal = [
        metadataElement(),
        element({
          case: "group",
          value: { id: gid, conversationType: 1, createdAtNs: T0 } as never,
        }),
        ...Array.from({ length: 50 }, (_, i) =>
          element({
            case: "groupMessage",
            value: {
              id: Uint8Array.of(7, i),
              groupId: gid,
              kind: 1,
              deliveryStatus: 2,
              sentAtNs: T0 + BigInt(i),
            } as never,
          }),
        ),
      ];
      const twoFrames = handMade(normal, {
        frame: (framed) => {
          const half = Math.floor(framed.length / 2);
          return concat([
            zstd(["-c", "-q"], framed.subarray(0, half)),
            zstd(["-c", "-q"], framed.subarray(half)),
          ]);
        },
      });
      const db = await open();
      expect((await importArchive(db, me.inboxId, twoFrames, KEY)).messages.inserted).toBe(50);
      // zstd -d of the very same bytes agrees with what we decoded.
      expect(splitRecords(zstd(["-d", "-c", "-q"], twoFrames.subarray(14)))).toHaveLength(52);
    },
  );

  it("file helpers write, read and import archive files; a failed export leaves no file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "x-archive-"));
    try {
      const file = path.join(dir, "backup.xmtp");
      await createArchiveFile(src, file, { elements: ["messages", "consent"] }, KEY);
      expect(readdirSync(dir)).toEqual(["backup.xmtp"]);
      expect(await archiveFileMetadata(file, KEY)).toMatchObject({
        version: 0,
        elements: ["messages", "consent"],
      });
      const r = await importArchiveFile(dst, me.inboxId, file, KEY);
      expect(r.messages.inserted).toBe(exported.size);
      expect(await elementsOf(new Uint8Array(readFileSync(file)))).toHaveLength(
        1 + 2 + exported.size + 1 + 3,
      );

      const bad = path.join(dir, "bad.xmtp");
      await expect(createArchiveFile(src, bad, {}, new Uint8Array(8))).rejects.toMatchObject({
        code: "ARCHIVE_INVALID_KEY_LENGTH",
      });
      // A database failing mid-export: the partial file is removed.
      const failing = {
        ...src,
        consent: {
          ...src.consent,
          listPage: async () => {
            throw new Error("disk gone");
          },
        },
      } as unknown as ClientDatabase;
      await expect(createArchiveFile(failing, bad, {}, KEY)).rejects.toThrow("disk gone");
      expect(existsSync(bad)).toBe(false);
      expect(readdirSync(dir)).toEqual(["backup.xmtp"]);

      writeFileSync(bad, archive14());
      await expectArchiveError(importArchiveFile(dst, me.inboxId, bad, KEY), "ARCHIVE_TRUNCATED");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A header and nothing after it. */
function archive14(): Uint8Array {
  return concat([Uint8Array.of(0, 0), randomBytes(12)]);
}

/** The ciphertexts of a framed record stream. */
function splitRecords(framed: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(framed.buffer, framed.byteOffset, framed.byteLength);
  for (let at = 0; at < framed.length; ) {
    const n = view.getUint32(at, true);
    out.push(framed.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/** The ciphertexts of a raw-framed archive (decoded with fzstd). */
async function recordsOf(archive: Uint8Array): Promise<Uint8Array[]> {
  return splitRecords(decompress(archive.subarray(14)));
}
