// Our client on the decentralized network: @x/api-d14n against @x/node's d14n listener (gateway
// and replication API in one), with libxmtp 1.9.1 created in d14n mode (gatewayHost) as the peer.
// The groups/DMs/adds/removes proofs run in client-libxmtp.test.ts on d14n too; this file adds
// what is particular to d14n: the two networks kept apart, streams across a node restart,
// identity operations, consent, and bad input at the d14n surface that must not stall readers.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ApiError, XmtpApi } from "@x/api";
import { createD14nApiClient, groupMessagesTopic, identityUpdatesTopic } from "@x/api-d14n";
import { openSqlite } from "@x/db/sqlite";
import { ethereumIdentifier } from "@x/id";
import { Client } from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { AuthenticatedDataSchema, ClientEnvelopeSchema } from "@x/proto/xmtpv4/envelopes";
import { ReplicationApi } from "@x/proto/xmtpv4/message_api";
import { PayerApi } from "@x/proto/xmtpv4/payer_api";
import type { Client as SdkClient } from "@xmtp/node-sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peer191, randomWallet, TempDir, texts191 } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";
import { delay, record, textsOf, until } from "./test-utils/streams.js";

const d14nPeer = (url: string, dir: TempDir) => peer191(url, dir, undefined, { gatewayHost: url });
const oursOn = (url: string, dir: TempDir) => ourPeer(url, dir, undefined, undefined, "d14n");

describe("our client on d14n with libxmtp 1.9.1 (gatewayHost) through @x/node", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let url: string;
  let ours: OurPeer;
  let lib: SdkClient;
  const opened: OurPeer[] = [];

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, d14nPort: 0, db: dir.file("node.sqlite") });
    url = node.d14nUrl!;
    ours = await oursOn(url, dir);
    opened.push(ours);
    lib = await d14nPeer(url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    for (const p of opened) await p.db.close();
    dir.remove();
  });

  it("keeps v3 and d14n apart: an inbox registered on one is unknown on the other", async () => {
    const v3 = await ourPeer(node.url, dir);
    opened.push(v3);
    expect(
      await v3.client.getInboxIdByIdentifier(ethereumIdentifier(ours.wallet.identifier.identifier)),
    ).toBeUndefined();
    expect(
      await ours.client.getInboxIdByIdentifier(ethereumIdentifier(v3.wallet.identifier.identifier)),
    ).toBeUndefined();
    const can = await lib.canMessage([
      v3.wallet.identifier as never,
      ours.wallet.identifier as never,
    ]);
    expect(can.get(v3.wallet.identifier.identifier)).toBe(false);
    expect(can.get(ours.wallet.identifier.identifier)).toBe(true);
  });

  it("a DM and a group with libxmtp: both read, both stream, across a node restart", async () => {
    const dm = await ours.client.conversations.createDm(lib.inboxId);
    await dm.sendText("dm from ours");
    await lib.conversations.sync();
    const theirDm = (await lib.conversations.getConversationById(dm.id))!;
    expect(await texts191(theirDm)).toEqual(["dm from ours"]);
    await theirDm.sendText("dm from 1.9.1");
    await dm.sync();
    expect(await ourTexts(dm)).toEqual(["dm from ours", "dm from 1.9.1"]);

    const retry = { initialDelayMs: 100, maxDelayMs: 1_000 };
    const errors: unknown[] = [];
    const all = record(
      await ours.client.conversations.streamAllMessages({ retry, onError: (e) => errors.push(e) }),
    );
    await theirDm.sendText("live before");
    await until(
      () => textsOf(all.values).includes("live before"),
      "live before",
      () => textsOf(all.values),
    );

    // Restart the node on the same file and ports while libxmtp keeps sending.
    const { port, d14nPort } = node;
    await node.stop();
    node = await startNode({ port, webPort: null, d14nPort, db: dir.file("node.sqlite") });
    for (let i = 0; i < 5; i++) {
      await theirDm.sendText(`after restart ${i}`);
      await delay(20);
    }
    const expected = ["live before", ...Array.from({ length: 5 }, (_, i) => `after restart ${i}`)];
    await until(
      () => expected.every((t) => textsOf(all.values).includes(t)),
      "the messages after the restart",
      () => textsOf(all.values),
    );
    const streamed = textsOf(all.values).filter((t) => expected.includes(t));
    expect(streamed).toEqual(expected); // in order, each once
    all.values.length = 0;
    // The stream reported the lost connection while the node was away, and kept going.
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect((e as ApiError).retryable).toBe(true);

    // A group with a member added and one removed, after the restart.
    const third = await oursOn(url, dir);
    opened.push(third);
    const group = await ours.client.conversations.createGroup([lib.inboxId], { name: "d14n" });
    await group.sendText("group hello");
    await group.addMembers([third.client.inboxId]);
    await lib.conversations.sync();
    const theirGroup = (await lib.conversations.getConversationById(group.id))!;
    await theirGroup.sendText("group reply");
    await third.client.conversations.sync();
    const thirdGroup = (await third.client.conversations.getConversationById(group.id))!;
    await thirdGroup.sync();
    expect(await ourTexts(thirdGroup)).toEqual(["group reply"]);
    // Ours removes (libxmtp 1.9.1 itself fails to resolve a removal it publishes right after
    // its key-update commit lost a race, with libxmtp-only members too, on v3 and d14n alike).
    await group.removeMembers([third.client.inboxId]);
    expect((await group.members()).map((m) => m.inboxId).sort()).toEqual(
      [ours.client.inboxId, lib.inboxId].sort(),
    );
    await group.sendText("after removal");
    expect(await texts191(theirGroup)).toEqual(["group hello", "group reply", "after removal"]);
    expect(
      ours.skipped.filter((e) => !(e instanceof Error && /epoch|decrypt/i.test(e.message))),
    ).toEqual([]);
  });

  it("identity operations: an added wallet and a revoked installation, seen by libxmtp", async () => {
    const second = randomWallet();
    await ours.client.addAccount(privateKeyToAccount(second.privateKey));
    const lookedUp = await lib.fetchInboxIdByIdentifier(second.identifier as never);
    expect(lookedUp).toBe(ours.client.inboxId);

    const path = dir.file("ours-second-installation.sqlite");
    const other = await ourPeer(url, dir, ours.wallet, path, "d14n");
    opened.push(other);
    const [before] = await lib.preferences.fetchInboxStates([ours.client.inboxId]);
    expect(before!.installations.length).toBe(2);
    await other.client.revokeAllOtherInstallations();
    const [after] = await lib.preferences.fetchInboxStates([ours.client.inboxId]);
    expect(after!.installations.map((i) => i.id)).toEqual([other.client.installationId]);
  });

  it("consent: a DM from libxmtp is unknown until we allow or deny it", async () => {
    const fresh = await oursOn(url, dir);
    opened.push(fresh);
    const theirs = await lib.conversations.createDm(fresh.client.inboxId);
    await theirs.sendText("may I?");
    await fresh.client.conversations.sync();
    const dm = (await fresh.client.conversations.getConversationById(theirs.id))!;
    expect(await dm.consentState()).toBe("unknown");
    await dm.updateConsentState("denied");
    const allowed = await fresh.client.conversations.list({ consentStates: ["allowed"] });
    expect(allowed.map((c) => c.id)).not.toContain(dm.id);
    await dm.updateConsentState("allowed");
    const now = await fresh.client.conversations.list({ consentStates: ["allowed"] });
    expect(now.map((c) => c.id)).toContain(dm.id);
  });
});

describe("bad input at the d14n surface", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let url: string;
  let ours: OurPeer;
  let lib: SdkClient;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, d14nPort: 0, db: dir.file("node.sqlite") });
    url = node.d14nUrl!;
    ours = await oursOn(url, dir);
    lib = await d14nPeer(url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    await ours?.db.close();
    dir.remove();
  });

  const raw = () => {
    const transport = createGrpcTransport({ baseUrl: url });
    return {
      payer: createClient(PayerApi, transport),
      replication: createClient(ReplicationApi, transport),
    };
  };

  async function refused(call: Promise<unknown>): Promise<ConnectError> {
    const e = await call.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ConnectError);
    expect((e as ConnectError).code).toBe(Code.InvalidArgument);
    return e as ConnectError;
  }

  it("refuses wrong topics, undecodable payloads, oversized batches and unknown dependencies; readers keep syncing", async () => {
    const group = await ours.client.conversations.createGroup([lib.inboxId]);
    await group.sendText("before the garbage");
    const { payer, replication } = raw();
    const topic = groupMessagesTopic(group.groupId);
    const stored = async () =>
      (await replication.queryEnvelopes({ query: { topics: [topic] }, limit: 0 })).envelopes.length;
    const before = await stored();

    const groupMessage = (data: Uint8Array, dependsOn?: Record<number, bigint>) =>
      create(ClientEnvelopeSchema, {
        aad: {
          targetTopic: topic,
          ...(dependsOn === undefined ? {} : { dependsOn: { nodeIdToSequenceId: dependsOn } }),
        },
        payload: {
          case: "groupMessage",
          value: {
            version: {
              case: "v1",
              value: { data, senderHmac: new Uint8Array(), shouldPush: true },
            },
          },
        },
      });
    // 1. an identity-update topic carrying a group message
    await refused(
      payer.publishClientEnvelopes({
        envelopes: [
          create(ClientEnvelopeSchema, {
            ...groupMessage(new Uint8Array([0, 1, 0, 2])),
            aad: create(AuthenticatedDataSchema, {
              targetTopic: identityUpdatesTopic(ours.client.inboxId),
            }),
          }),
        ],
      }),
    );
    // 2. a group message whose data is not MLS
    await refused(
      payer.publishClientEnvelopes({
        envelopes: [groupMessage(crypto.getRandomValues(new Uint8Array(40)))],
      }),
    );
    // 3. more envelopes in one publish than the node takes
    await refused(
      payer.publishClientEnvelopes({
        envelopes: Array.from({ length: 1_001 }, () =>
          groupMessage(crypto.getRandomValues(new Uint8Array(40))),
        ),
      }),
    );
    // 4. a dependency on an originator no commit comes from, and one beyond the node's cursor
    await refused(
      payer.publishClientEnvelopes({
        envelopes: [groupMessage(new Uint8Array([0, 1]), { 200: 1n })],
      }),
    );
    await refused(
      payer.publishClientEnvelopes({
        envelopes: [groupMessage(new Uint8Array([0, 1]), { 0: 1_000_000n })],
      }),
    );
    expect(await stored()).toBe(before); // nothing stored

    // Both readers still sync the group and talk.
    await lib.conversations.sync();
    const theirs = (await lib.conversations.getConversationById(group.id))!;
    expect(await texts191(theirs)).toEqual(["before the garbage"]);
    await theirs.sendText("still fine");
    await group.sync();
    expect(await ourTexts(group)).toEqual(["before the garbage", "still fine"]);
  });

  it("a gateway that is gone or answers garbage gives a typed error, not a hang", async () => {
    const gone = createD14nApiClient({ gatewayUrl: "http://127.0.0.1:1", timeoutMs: 5_000 });
    const err = await gone
      .getInboxIds({
        requests: [{ identifier: `0x${"11".repeat(20)}`, identifierKind: 1 }],
      } as never)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ApiError);

    // An HTTP server that answers every call with bytes that are not gRPC.
    const http2 = await import("node:http2");
    const server = http2.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/grpc" });
      res.end(Buffer.from("this is not a grpc frame at all"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      const garbage = createD14nApiClient({
        gatewayUrl: `http://127.0.0.1:${port}`,
        timeoutMs: 5_000,
      });
      const wallet = randomWallet();
      const db = await openSqlite({ path: dir.file("garbage.sqlite") });
      try {
        const failed = await Client.create(privateKeyToAccount(wallet.privateKey), {
          api: new XmtpApi(garbage, { retry: { maxAttempts: 2, initialDelayMs: 10 } }),
          db,
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(failed).toBeInstanceOf(Error);
        expect((failed as { code?: string }).code).toBeTypeOf("string");
      } finally {
        await db.close();
      }
    } finally {
      server.close();
    }
  });
});
