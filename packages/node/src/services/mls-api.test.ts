// MlsApi over the wire (gRPC, h2c) with xmtp-node-go's semantics.
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { generateEd25519PrivateKey } from "@x/crypto";
import { HealthCheckResponse_ServingStatus } from "@x/proto/grpc/health/v1";
import {
  type GroupMessage,
  SendWelcomeMessagesRequestSchema,
  SortDirection,
} from "@x/proto/mls/api/v1";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseKeyPackage } from "../mls/key-package.js";
import { fixture, fixtureIndex, fixtureKeyPackage, hex, unhex } from "../test-utils/fixtures.js";
import { buildKeyPackage } from "../test-utils/key-package-builder.js";
import { privateMessage, publicMessage } from "../test-utils/mls-bytes.js";
import { FIXTURE_TIME_NS, startTestNode, type TestNode } from "../test-utils/node.js";
import { SUBSCRIPTION_BUFFER } from "./mls.js";

const G = Uint8Array.of(1, 1, 1);
const v1 = (data: Uint8Array, extra: { shouldPush?: boolean; senderHmac?: Uint8Array } = {}) => ({
  version: { case: "v1" as const, value: { data, ...extra } },
});
const idOf = (m: GroupMessage) => m.version.value!.id;
const codeOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (err) => err,
  );
  expect(e, "the call should have failed").toBeInstanceOf(ConnectError);
  return (e as ConnectError).code;
};

describe("MlsApi", () => {
  let t: TestNode;
  beforeEach(async () => {
    t = await startTestNode();
  });
  afterEach(async () => {
    await t.stop();
  });

  it("stores group messages with global increasing ids and reads them back intact", async () => {
    const other = Uint8Array.of(2);
    await t.mls.sendGroupMessages({
      messages: [
        v1(privateMessage(G, 3), { shouldPush: false, senderHmac: Uint8Array.of(4, 5) }),
        v1(privateMessage(other, 1)),
        v1(publicMessage(G, 1)),
      ],
    });
    const res = await t.mls.queryGroupMessages({
      groupId: G,
      pagingInfo: { direction: SortDirection.ASCENDING },
    });
    expect(res.messages.map(idOf)).toEqual([1n, 3n]);
    const first = res.messages[0]!.version.value!;
    expect(first).toMatchObject({
      groupId: G,
      data: privateMessage(G, 3),
      senderHmac: Uint8Array.of(4, 5),
      shouldPush: false,
      isCommit: true,
      createdNs: FIXTURE_TIME_NS,
    });
    expect(res.messages[1]!.version.value!.isCommit).toBe(false);
    expect(res.pagingInfo).toMatchObject({
      direction: SortDirection.ASCENDING,
      limit: 100,
      idCursor: 0n,
    });
  });

  it("pages descending by default, with exclusive cursors and a cursor only on full pages", async () => {
    await t.mls.sendGroupMessages({
      messages: Array.from({ length: 5 }, (_, i) => v1(privateMessage(G, 1, Uint8Array.of(i)))),
    });
    const byDefault = await t.mls.queryGroupMessages({ groupId: G });
    expect(byDefault.messages.map(idOf)).toEqual([5n, 4n, 3n, 2n, 1n]);
    expect(byDefault.pagingInfo?.direction).toBe(SortDirection.DESCENDING);
    const page = await t.mls.queryGroupMessages({
      groupId: G,
      pagingInfo: { direction: SortDirection.ASCENDING, limit: 2, idCursor: 1n },
    });
    expect(page.messages.map(idOf)).toEqual([2n, 3n]);
    expect(page.pagingInfo?.idCursor).toBe(3n);
    const down = await t.mls.queryGroupMessages({
      groupId: G,
      pagingInfo: { direction: SortDirection.DESCENDING, limit: 10, idCursor: 4n },
    });
    expect(down.messages.map(idOf)).toEqual([3n, 2n, 1n]);
    expect(down.pagingInfo?.idCursor).toBe(0n);
    const empty = await t.mls.queryGroupMessages({
      groupId: Uint8Array.of(9),
      pagingInfo: { direction: 1, limit: 100 },
    });
    expect(empty.messages).toEqual([]);
  });

  it("stores identical messages once", async () => {
    const data = privateMessage(G, 1, Uint8Array.of(42));
    await t.mls.sendGroupMessages({ messages: [v1(data), v1(data)] });
    await t.mls.sendGroupMessages({ messages: [v1(data)] });
    const res = await t.mls.queryGroupMessages({ groupId: G, pagingInfo: { direction: 1 } });
    expect(res.messages).toHaveLength(1);
  });

  it("stores nothing from a batch with one message that is not MLS", async () => {
    const code = await codeOf(
      t.mls.sendGroupMessages({
        messages: [v1(privateMessage(G, 1)), v1(new TextEncoder().encode("plain text"))],
      }),
    );
    expect(code).toBe(Code.InvalidArgument);
    expect(await codeOf(t.mls.sendGroupMessages({ messages: [] }))).toBe(Code.InvalidArgument);
    expect(await codeOf(t.mls.sendGroupMessages({ messages: [{}] }))).toBe(Code.InvalidArgument);
    expect(await codeOf(t.mls.sendGroupMessages({ messages: [v1(new Uint8Array())] }))).toBe(
      Code.InvalidArgument,
    );
    const res = await t.mls.queryGroupMessages({ groupId: G });
    expect(res.messages).toEqual([]);
    expect(await codeOf(t.mls.queryGroupMessages({ groupId: new Uint8Array() }))).toBe(
      Code.InvalidArgument,
    );
  });

  it("accepts the real libxmtp 1.5.4 session's messages and derives group and commit flag", async () => {
    const files = ["015", "019", "025", "027", "034", "037", "040"].map(
      (n) => `${n}-SendGroupMessages.bin`,
    );
    for (const f of files) {
      const req = fromBinary(
        (await import("@x/proto/mls/api/v1")).SendGroupMessagesRequestSchema,
        fixture(f),
      );
      await t.mls.sendGroupMessages(req);
    }
    const { dm, group } = fixtureIndex().conversations;
    const dmMsgs = await t.mls.queryGroupMessages({
      groupId: unhex(dm.groupId),
      pagingInfo: { direction: 1 },
    });
    expect(dmMsgs.messages.map((m) => m.version.value!.isCommit)).toEqual([
      true,
      false,
      true,
      false,
    ]);
    const groupMsgs = await t.mls.queryGroupMessages({
      groupId: unhex(group.groupId),
      pagingInfo: { direction: 1 },
    });
    expect(groupMsgs.messages.map((m) => m.version.value!.isCommit)).toEqual([true, true, false]);
    expect(groupMsgs.messages.map((m) => m.version.value!.shouldPush)).toEqual([
      false,
      false,
      true,
    ]);
  });

  it("returns the newest message per group, metadata only unless asked for content", async () => {
    await t.mls.sendGroupMessages({
      messages: [
        v1(privateMessage(G, 3)),
        v1(privateMessage(G, 1), { senderHmac: Uint8Array.of(1) }),
      ],
    });
    const res = await t.mls.getNewestGroupMessage({ groupIds: [Uint8Array.of(7), G] });
    expect(res.responses).toHaveLength(2);
    expect(res.responses[0]!.groupMessage).toBeUndefined();
    const meta = res.responses[1]!.groupMessage!.version.value!;
    expect([
      meta.id,
      meta.groupId,
      meta.isCommit,
      meta.data.length,
      meta.senderHmac.length,
    ]).toEqual([2n, G, false, 0, 0]);
    expect(meta.createdNs).toBe(FIXTURE_TIME_NS);
    const full = await t.mls.getNewestGroupMessage({ groupIds: [G], includeContent: true });
    expect(full.responses[0]!.groupMessage!.version.value!.data).toEqual(privateMessage(G, 1));
    expect(await codeOf(t.mls.getNewestGroupMessage({ groupIds: [] }))).toBe(Code.InvalidArgument);
  });

  it("identifies a welcome by all of its bytes: a copy with other metadata cannot hide the genuine one", async () => {
    const key = Uint8Array.of(0x77, 0x77);
    const welcome = (metadata: number) => ({
      version: {
        case: "v1" as const,
        value: {
          installationKey: key,
          data: Uint8Array.of(9, 9, 9),
          hpkePublicKey: Uint8Array.of(4),
          wrapperAlgorithm: 1,
          welcomeMetadata: Uint8Array.of(metadata),
        },
      },
    });
    await t.mls.sendWelcomeMessages({ messages: [welcome(0xbd)] }); // the copy comes first
    await t.mls.sendWelcomeMessages({ messages: [welcome(0x01)] }); // the genuine one
    await t.mls.sendWelcomeMessages({ messages: [welcome(0x01)] }); // a true duplicate
    const res = await t.mls.queryWelcomeMessages({
      installationKey: key,
      pagingInfo: { direction: 1 },
    });
    expect(
      res.messages.map((m) => (m.version.value as { welcomeMetadata: Uint8Array }).welcomeMetadata),
    ).toEqual([Uint8Array.of(0xbd), Uint8Array.of(0x01)]);
  });

  it("ends a subscription whose reader stalls (Aborted), and a new one from its cursor gets everything", async () => {
    const S = Uint8Array.of(0x51, 0x0e);
    const sub = t.mls.subscribeGroupMessages({ filters: [{ groupId: S, idCursor: 0n }] });
    const it = sub[Symbol.asyncIterator]();
    const first = it.next(); // subscribed; then nothing more is read
    // 1 KB messages: the transport's window fills after a few dozen, then the node's buffer.
    const total = SUBSCRIPTION_BUFFER + 200;
    for (let i = 0; i < total; i++) {
      const extra = new Uint8Array(1024);
      new DataView(extra.buffer).setUint32(0, i);
      await t.mls.sendGroupMessages({ messages: [v1(privateMessage(S, 1, extra))] });
    }
    await first;
    const err = await (async () => {
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) return undefined;
        }
      } catch (e) {
        return ConnectError.from(e);
      }
    })();
    expect(err?.code).toBe(Code.Aborted);
    expect(err?.rawMessage).toContain("fast enough");
    const again = t.mls.subscribeGroupMessages({ filters: [{ groupId: S, idCursor: 0n }] });
    let n = 0;
    for await (const _ of again) if (++n === total) break;
    expect(n).toBe(total);
  }, 60_000);

  it("stores welcomes and welcome pointers and serves them by installation key", async () => {
    const req = fromBinary(
      SendWelcomeMessagesRequestSchema,
      fixture("017-SendWelcomeMessages.bin"),
    );
    await t.mls.sendWelcomeMessages(req);
    await t.mls.sendWelcomeMessages(req); // duplicate: stored once
    const bob = unhex(fixtureIndex().clients.bob.installationId);
    await t.mls.sendWelcomeMessages({
      messages: [
        {
          version: {
            case: "welcomePointer",
            value: {
              installationKey: bob,
              welcomePointer: Uint8Array.of(1, 2),
              hpkePublicKey: Uint8Array.of(3),
              wrapperAlgorithm: 2,
            },
          },
        },
        // The pointee: symmetric-key welcomes carry no HPKE key.
        {
          version: {
            case: "v1",
            value: {
              installationKey: Uint8Array.of(0xde, 0x57),
              data: Uint8Array.of(5),
              wrapperAlgorithm: 3,
              welcomeMetadata: Uint8Array.of(6),
            },
          },
        },
      ],
    });
    const res = await t.mls.queryWelcomeMessages({
      installationKey: bob,
      pagingInfo: { direction: 1 },
    });
    expect(res.messages.map((m) => m.version.case)).toEqual(["v1", "welcomePointer"]);
    const sent = req.messages[0]!.version.value as {
      data: Uint8Array;
      hpkePublicKey: Uint8Array;
      welcomeMetadata: Uint8Array;
    };
    const got = res.messages[0]!.version.value as typeof sent & {
      wrapperAlgorithm: number;
      id: bigint;
    };
    expect([
      hex(got.data),
      hex(got.hpkePublicKey),
      hex(got.welcomeMetadata),
      got.wrapperAlgorithm,
    ]).toEqual([hex(sent.data), hex(sent.hpkePublicKey), hex(sent.welcomeMetadata), 2]);
    const pointer = res.messages[1]!.version;
    expect(pointer.case === "welcomePointer" && hex(pointer.value.welcomePointer)).toBe("0102");
    const pointee = await t.mls.queryWelcomeMessages({
      installationKey: Uint8Array.of(0xde, 0x57),
      pagingInfo: { direction: 1, limit: 1 },
    });
    expect(pointee.messages).toHaveLength(1);
  });

  it("refuses malformed welcomes and stores none of the batch", async () => {
    const key = Uint8Array.of(4);
    const good = {
      version: {
        case: "v1" as const,
        value: {
          installationKey: key,
          data: Uint8Array.of(1),
          hpkePublicKey: Uint8Array.of(2),
          wrapperAlgorithm: 2,
        },
      },
    };
    const bad = [
      {
        version: {
          case: "v1" as const,
          value: { installationKey: key, data: Uint8Array.of(1), wrapperAlgorithm: 2 },
        },
      },
      {
        version: {
          case: "v1" as const,
          value: {
            installationKey: new Uint8Array(),
            data: Uint8Array.of(1),
            hpkePublicKey: Uint8Array.of(2),
          },
        },
      },
      {
        version: {
          case: "welcomePointer" as const,
          value: {
            installationKey: key,
            welcomePointer: Uint8Array.of(1),
            hpkePublicKey: Uint8Array.of(2),
            wrapperAlgorithm: 1,
          },
        },
      },
      {},
    ];
    for (const b of bad) {
      expect(await codeOf(t.mls.sendWelcomeMessages({ messages: [good, b] }))).toBe(
        Code.InvalidArgument,
      );
    }
    expect(await codeOf(t.mls.sendWelcomeMessages({ messages: [] }))).toBe(Code.InvalidArgument);
    expect((await t.mls.queryWelcomeMessages({ installationKey: key })).messages).toEqual([]);
  });

  it("keeps the latest key package per installation and answers unknown ones with an empty entry", async () => {
    const alice = fixtureKeyPackage("003-UploadKeyPackage.bin");
    const bob = fixtureKeyPackage("008-UploadKeyPackage.bin");
    await t.mls.uploadKeyPackage({
      keyPackage: { keyPackageTlsSerialized: alice },
      isInboxIdCredential: true,
    });
    await t.mls.uploadKeyPackage({
      keyPackage: { keyPackageTlsSerialized: bob },
      isInboxIdCredential: true,
    });
    const { clients } = fixtureIndex();
    const res = await t.mls.fetchKeyPackages({
      installationKeys: [
        unhex(clients.bob.installationId),
        Uint8Array.of(1, 2),
        unhex(clients.alice.installationId),
      ],
    });
    expect(res.keyPackages.map((k) => k.keyPackageTlsSerialized.length)).toEqual([
      bob.length,
      0,
      alice.length,
    ]);
    expect(hex(res.keyPackages[0]!.keyPackageTlsSerialized)).toBe(hex(bob));
    const reg = await t.mls.registerInstallation({
      keyPackage: { keyPackageTlsSerialized: alice },
    });
    expect(hex(reg.installationKey)).toBe(clients.alice.installationId);
  });

  it("refuses invalid key packages and keeps the stored one", async () => {
    const alice = fixtureKeyPackage("003-UploadKeyPackage.bin");
    await t.mls.uploadKeyPackage({ keyPackage: { keyPackageTlsSerialized: alice } });
    const forged = alice.slice();
    forged[forged.length - 3]! ^= 0xff;
    // Correctly signed, but the credential is not an MlsCredential with an inbox id.
    const wrongCredential = buildKeyPackage(
      { ...parseKeyPackage(alice), credentialIdentity: new TextEncoder().encode("0xnot-an-inbox") },
      generateEd25519PrivateKey(),
    );
    for (const bad of [
      forged,
      wrongCredential,
      alice.subarray(0, 500),
      new Uint8Array([1, 2, 3]),
    ]) {
      expect(
        await codeOf(t.mls.uploadKeyPackage({ keyPackage: { keyPackageTlsSerialized: bad } })),
      ).toBe(Code.InvalidArgument);
    }
    expect(await codeOf(t.mls.uploadKeyPackage({}))).toBe(Code.InvalidArgument);
    expect(
      await t.node.store.db.selectFrom("key_packages").select("sequence_id").execute(),
    ).toHaveLength(1);
    const res = await t.mls.fetchKeyPackages({
      installationKeys: [unhex(fixtureIndex().clients.alice.installationId)],
    });
    expect(hex(res.keyPackages[0]!.keyPackageTlsSerialized)).toBe(hex(alice));
  });

  it("refuses an expired key package", async () => {
    const late = await startTestNode({ now: () => 1_802_570_842n * 1_000_000_000n });
    try {
      const code = await codeOf(
        late.mls.uploadKeyPackage({
          keyPackage: { keyPackageTlsSerialized: fixtureKeyPackage("003-UploadKeyPackage.bin") },
        }),
      );
      expect(code).toBe(Code.InvalidArgument);
    } finally {
      await late.stop();
    }
  });

  it("publishes and pages the commit log", async () => {
    const entry = (n: number) => ({
      groupId: G,
      serializedCommitLogEntry: Uint8Array.of(n),
      signature: { bytes: new Uint8Array(64).fill(n), publicKey: new Uint8Array(32).fill(1) },
    });
    await t.mls.batchPublishCommitLog({ requests: [entry(1), entry(2), entry(3)] });
    await t.mls.batchPublishCommitLog({ requests: [{ ...entry(4), groupId: Uint8Array.of(8) }] });
    const res = await t.mls.batchQueryCommitLog({
      requests: [
        { groupId: G, pagingInfo: { direction: 1, limit: 2, idCursor: 0n } },
        { groupId: Uint8Array.of(8) },
        { groupId: Uint8Array.of(9) },
      ],
    });
    const [first, second, third] = res.responses;
    expect(
      first!.commitLogEntries.map((e) => [e.sequenceId, e.serializedCommitLogEntry[0]]),
    ).toEqual([
      [1n, 1],
      [2n, 2],
    ]);
    expect(first!.commitLogEntries[0]!.signature?.bytes).toEqual(new Uint8Array(64).fill(1));
    expect(first!.pagingInfo?.idCursor).toBe(2n);
    expect(second!.commitLogEntries.map((e) => e.sequenceId)).toEqual([4n]);
    expect(third!.commitLogEntries).toEqual([]);
    const rest = await t.mls.batchQueryCommitLog({
      requests: [{ groupId: G, pagingInfo: { idCursor: 2n } }],
    });
    expect(rest.responses[0]!.commitLogEntries.map((e) => e.sequenceId)).toEqual([3n]);
  });

  it("enforces the commit-log batch limits", async () => {
    const entry = {
      groupId: G,
      serializedCommitLogEntry: Uint8Array.of(1),
      signature: { bytes: Uint8Array.of(1) },
    };
    expect(await codeOf(t.mls.batchPublishCommitLog({ requests: [] }))).toBe(Code.InvalidArgument);
    expect(await codeOf(t.mls.batchPublishCommitLog({ requests: Array(11).fill(entry) }))).toBe(
      Code.InvalidArgument,
    );
    expect(
      await codeOf(t.mls.batchPublishCommitLog({ requests: [{ ...entry, signature: undefined }] })),
    ).toBe(Code.InvalidArgument);
    expect(
      await codeOf(t.mls.batchQueryCommitLog({ requests: Array(21).fill({ groupId: G }) })),
    ).toBe(Code.InvalidArgument);
    expect(
      await codeOf(
        t.mls.batchQueryCommitLog({
          requests: [{ groupId: G, pagingInfo: { direction: SortDirection.DESCENDING } }],
        }),
      ),
    ).toBe(Code.InvalidArgument);
    const res = await t.mls.batchQueryCommitLog({ requests: [{ groupId: G }] });
    expect(res.responses[0]!.commitLogEntries).toEqual([]);
  });

  it("answers Unimplemented for the RPCs node-go does not implement", async () => {
    expect(await codeOf(t.mls.revokeInstallation({ installationKey: G }))).toBe(Code.Unimplemented);
    expect(await codeOf(t.mls.getIdentityUpdates({}))).toBe(Code.Unimplemented);
  });

  it("reports SERVING on grpc.health.v1", async () => {
    const res = await t.health.check({ service: "" });
    expect(res.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await t.health.check({ service: "xmtp.mls.api.v1.MlsApi" })).status).toBe(
      HealthCheckResponse_ServingStatus.SERVING,
    );
    expect(await codeOf(t.health.check({ service: "nope" }))).toBe(Code.NotFound);
  });

  it("serves unary calls over gRPC-web (HTTP/1.1)", async () => {
    await t.webMls.sendGroupMessages({ messages: [v1(privateMessage(G, 1))] });
    const res = await t.mls.queryGroupMessages({ groupId: G, pagingInfo: { direction: 1 } });
    expect(res.messages.map(idOf)).toEqual([1n]);
  });
});
