// @x/api-grpc (through @x/api's XmtpApi) against a real @x/node, for every RPC libxmtp uses,
// on SQLite and on Postgres, over gRPC and gRPC-web.
import { create, fromBinary } from "@bufbuild/protobuf";
import { ApiError, XmtpApi } from "@x/api";
import { createGrpcApiClient } from "@x/api-grpc";
import { type RunningNode, startNode } from "@x/node";
import { PublishIdentityUpdateRequestSchema } from "@x/proto/identity/api/v1";
import { IdentifierKind } from "@x/proto/identity/associations";
import {
  type GroupMessage,
  GroupMessageInputSchema,
  PublishCommitLogRequestSchema,
  QueryCommitLogRequestSchema,
  SendGroupMessagesRequestSchema,
  SendWelcomeMessagesRequestSchema,
  UploadKeyPackageRequestSchema,
  WelcomeMessageInputSchema,
} from "@x/proto/mls/api/v1";
import { startPostgres } from "@x/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_TIME_NS, fixture, fixtureIndex, hex, unhex } from "./test-utils/fixtures.js";

const { alice, bob } = fixtureIndex.clients;
const dmId = unhex(fixtureIndex.conversations.dm.groupId);
const groupId = unhex(fixtureIndex.conversations.group.groupId);
const kpOf = (file: string) =>
  fromBinary(UploadKeyPackageRequestSchema, fixture(file)).keyPackage!.keyPackageTlsSerialized;
const updateOf = (file: string) =>
  fromBinary(PublishIdentityUpdateRequestSchema, fixture(file)).identityUpdate!;
const sentMessages = (files: string[]) =>
  files.flatMap(
    (f) =>
      fromBinary(SendGroupMessagesRequestSchema, fixture(`${f}-SendGroupMessages.bin`)).messages,
  );
const idOf = (m: GroupMessage) => m.version.value!.id;

/** A syntactically valid MLS PrivateMessage (application content) for `group`. */
function applicationMessage(group: Uint8Array, tag: number) {
  const data = [0, 1, 0, 2, group.length, ...group, 0, 0, 0, 0, 0, 0, 0, 5, 1, 0, 1, tag, 2, 9, 9];
  return create(GroupMessageInputSchema, {
    version: { case: "v1", value: { data: Uint8Array.from(data), shouldPush: true } },
  });
}

function rpcSuite(name: string, db: () => Promise<string>, protocol: "grpc" | "grpc-web") {
  describe(`@x/api-grpc (${protocol}) against @x/node on ${name}`, () => {
    let node: RunningNode;
    let api: XmtpApi;
    beforeAll(async () => {
      node = await startNode({ port: 0, webPort: 0, db: await db(), now: () => FIXTURE_TIME_NS });
      const url = protocol === "grpc" ? node.url : node.webUrl!;
      api = new XmtpApi(createGrpcApiClient({ url, protocol, appVersion: "interop-test" }), {
        pageSize: 3,
      });
    });
    afterAll(async () => {
      await node?.stop();
    });

    it("publishes identity updates verified by the node and finds inboxes by address", async () => {
      expect(
        (
          await api.getInboxIds([{ identifier: alice.identifier, kind: IdentifierKind.ETHEREUM }])
        )[0]!.inboxId,
      ).toBeUndefined();
      await api.publishIdentityUpdate(updateOf("004-PublishIdentityUpdate.bin"));
      await api.publishIdentityUpdate(updateOf("009-PublishIdentityUpdate.bin"));
      const found = await api.getInboxIds([
        { identifier: bob.identifier, kind: IdentifierKind.ETHEREUM },
        { identifier: alice.identifier, kind: IdentifierKind.ETHEREUM },
      ]);
      expect(found.map((f) => f.inboxId)).toEqual([bob.inboxId, alice.inboxId]);
      const updates = await api.getIdentityUpdates([
        { inboxId: alice.inboxId },
        { inboxId: bob.inboxId, sequenceId: 0n },
        { inboxId: alice.inboxId, sequenceId: 1n },
      ]);
      expect(updates.map((u) => u.updates.map((x) => x.sequenceId))).toEqual([[1n], [2n], []]);
      expect(updates[0]!.updates[0]!.update?.inboxId).toBe(alice.inboxId);
    });

    it("refuses a replayed identity update with a typed, non-retryable error", async () => {
      const e = await api
        .publishIdentityUpdate(updateOf("004-PublishIdentityUpdate.bin"))
        .catch((err) => err);
      expect(e).toBeInstanceOf(ApiError);
      expect([e.code, e.retryable]).toEqual(["api.invalid_argument", false]);
    });

    it("uploads and fetches key packages", async () => {
      await api.uploadKeyPackage(kpOf("003-UploadKeyPackage.bin"));
      await api.uploadKeyPackage(kpOf("008-UploadKeyPackage.bin"));
      const kps = await api.fetchKeyPackages([
        unhex(bob.installationId),
        Uint8Array.of(1),
        unhex(alice.installationId),
      ]);
      expect(kps.map((k) => (k ? hex(k) : undefined))).toEqual([
        hex(kpOf("008-UploadKeyPackage.bin")),
        undefined,
        hex(kpOf("003-UploadKeyPackage.bin")),
      ]);
      const bad = kpOf("003-UploadKeyPackage.bin").slice(0, 1000);
      expect((await api.uploadKeyPackage(bad).catch((e) => e)).code).toBe("api.invalid_argument");
    });

    it("sends the libxmtp session's group messages and pages them back ascending", async () => {
      await api.sendGroupMessages(sentMessages(["015", "019", "025", "027"]));
      await api.sendGroupMessages(sentMessages(["034", "037", "040"]));
      const dm = await api.queryGroupMessages(dmId);
      expect(dm).toHaveLength(4);
      expect(dm.map((m) => m.version.value!.isCommit)).toEqual([true, false, true, false]);
      const ids = dm.map(idOf);
      expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
      const after = await api.queryGroupMessages(dmId, { cursor: ids[1] });
      expect(after.map(idOf)).toEqual(ids.slice(2));
      expect(idOf((await api.queryLatestGroupMessage(groupId))!)).toBe(
        idOf((await api.queryGroupMessages(groupId)).at(-1)!),
      );
      const notMls = create(GroupMessageInputSchema, {
        version: { case: "v1", value: { data: Uint8Array.of(1, 2, 3) } },
      });
      expect((await api.sendGroupMessages([notMls]).catch((e) => e)).code).toBe(
        "api.invalid_argument",
      );
      expect(await api.queryGroupMessages(dmId)).toHaveLength(4);
    });

    it("answers GetNewestGroupMessage per group, in order", async () => {
      const newest = await api.getNewestGroupMessages([groupId, Uint8Array.of(9), dmId]);
      expect(newest.map((m) => (m ? idOf(m) : undefined))).toEqual([
        idOf((await api.queryGroupMessages(groupId)).at(-1)!),
        undefined,
        idOf((await api.queryGroupMessages(dmId)).at(-1)!),
      ]);
      expect(newest[0]!.version.value!.data.length).toBe(0);
    });

    it("sends welcomes and welcome pointers and reads them back", async () => {
      const welcomes = fromBinary(
        SendWelcomeMessagesRequestSchema,
        fixture("017-SendWelcomeMessages.bin"),
      ).messages;
      const pointer = create(WelcomeMessageInputSchema, {
        version: {
          case: "welcomePointer",
          value: {
            installationKey: unhex(bob.installationId),
            welcomePointer: Uint8Array.of(7),
            hpkePublicKey: Uint8Array.of(8),
            wrapperAlgorithm: 2,
          },
        },
      });
      await api.sendWelcomeMessages([...welcomes, pointer]);
      const got = await api.queryWelcomeMessages(unhex(bob.installationId));
      expect(got.map((w) => w.version.case)).toEqual(["v1", "welcomePointer"]);
      const later = await api.queryWelcomeMessages(unhex(bob.installationId), {
        cursor: got[0]!.version.value!.id,
      });
      expect(later.map((w) => w.version.case)).toEqual(["welcomePointer"]);
    });

    it("publishes and queries the commit log", async () => {
      const entries = Array.from({ length: 12 }, (_, i) =>
        create(PublishCommitLogRequestSchema, {
          groupId,
          serializedCommitLogEntry: Uint8Array.of(i),
          signature: { bytes: new Uint8Array(64).fill(i), publicKey: new Uint8Array(32) },
        }),
      );
      await api.publishCommitLog(entries);
      const [res, none] = await api.queryCommitLog([
        create(QueryCommitLogRequestSchema, { groupId, pagingInfo: { direction: 1, limit: 100 } }),
        create(QueryCommitLogRequestSchema, { groupId: dmId }),
      ]);
      expect(res!.commitLogEntries.map((e) => e.serializedCommitLogEntry[0])).toEqual(
        entries.map((_, i) => i),
      );
      expect(hex(res!.commitLogEntries[3]!.signature!.bytes)).toBe(hex(new Uint8Array(64).fill(3)));
      expect(none!.commitLogEntries).toEqual([]);
    });

    it("streams group messages from a cursor, then live, and ends cleanly on abort", async () => {
      const history = await api.queryGroupMessages(groupId);
      const controller = new AbortController();
      const seen: bigint[] = [];
      for await (const m of api.subscribeGroupMessages([{ groupId, cursor: idOf(history[0]!) }], {
        signal: controller.signal,
      })) {
        seen.push(idOf(m));
        // Caught up: now a live message.
        if (seen.length === history.length - 1)
          await api.sendGroupMessages([applicationMessage(groupId, 99)]);
        if (seen.length === history.length) controller.abort();
      }
      expect(seen.slice(0, -1)).toEqual(history.slice(1).map(idOf));
      const latest = await api.queryLatestGroupMessage(groupId);
      expect(seen.at(-1)).toBe(idOf(latest!));
    });

    it("streams welcomes for an installation", async () => {
      const controller = new AbortController();
      const got: string[] = [];
      for await (const w of api.subscribeWelcomeMessages(
        [{ installationKey: unhex(bob.installationId) }],
        { signal: controller.signal },
      )) {
        got.push(w.version.case!);
        if (got.length === 2) controller.abort();
      }
      expect(got).toEqual(["v1", "welcomePointer"]);
    });

    it("reports smart-contract-wallet signatures it cannot check as invalid", async () => {
      const res = await api.verifySmartContractWalletSignatures(
        create(
          (await import("@x/proto/identity/api/v1"))
            .VerifySmartContractWalletSignaturesRequestSchema,
          {
            signatures: [
              {
                accountId: "eip155:1:0x0000000000000000000000000000000000000001",
                signature: Uint8Array.of(1),
                hash: new Uint8Array(32),
              },
            ],
          },
        ),
      );
      expect(res.responses.map((r) => r.isValid)).toEqual([false]);
    });
  });
}

rpcSuite("SQLite", async () => ":memory:", "grpc");
rpcSuite("SQLite", async () => ":memory:", "grpc-web");

describe("on Postgres", () => {
  let server: Awaited<ReturnType<typeof startPostgres>>;
  let n = 0;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });
  rpcSuite(
    "Postgres",
    async () => {
      const name = `interop_${++n}`;
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      return server.url.replace(/\/postgres$/, `/${name}`);
    },
    "grpc",
  );
});
