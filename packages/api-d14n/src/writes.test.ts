// Writes: one ClientEnvelope per item to the gateway's PublishClientEnvelopes, with the topic
// computed from the payload as libxmtp 1.9.1 does.
import { create } from "@bufbuild/protobuf";
import { PublishIdentityUpdateRequestSchema } from "@x/proto/identity/api/v1";
import {
  BatchPublishCommitLogRequestSchema,
  BatchQueryCommitLogRequestSchema,
  SendGroupMessagesRequestSchema,
  SendWelcomeMessagesRequestSchema,
  UploadKeyPackageRequestSchema,
} from "@x/proto/mls/api/v1";
import type { PublishClientEnvelopesRequest } from "@x/proto/xmtpv4/payer_api";
import { describe, expect, it } from "vitest";
import {
  clientOf,
  GROUP,
  groupInput,
  INSTALLATION,
  network,
  OTHER_GROUP,
} from "./test-utils/helpers.js";
import { keyPackage, privateMessage, publicCommit } from "./test-utils/mls.js";

const published = (n: Awaited<ReturnType<typeof network>>) =>
  n
    .callsOf("publishClientEnvelopes")
    .map((c) => (c.request as PublishClientEnvelopesRequest).envelopes);

describe("writes", () => {
  it("uploads a key package to 0x03 ‖ its leaf signature key", async () => {
    const gateway = await network();
    const sig = new Uint8Array(32).fill(0x5c);
    const req = create(UploadKeyPackageRequestSchema, {
      keyPackage: { keyPackageTlsSerialized: keyPackage(sig) },
      isInboxIdCredential: true,
    });
    await clientOf(gateway, { appVersion: "a/2" }).uploadKeyPackage(req);
    const [[env]] = published(gateway) as [[PublishClientEnvelopesRequest["envelopes"][0]]];
    expect(env.aad?.targetTopic).toEqual(Uint8Array.of(3, ...sig));
    expect(env.aad?.dependsOn).toBeUndefined();
    expect(env.payload.case).toBe("uploadKeyPackage");
    expect(env.payload.value).toMatchObject({ isInboxIdCredential: true });
    expect(gateway.callsOf("publishClientEnvelopes")[0]?.headers["x-app-version"]).toBe("a/2");
    // Writes need no node.
    expect(gateway.callsOf("getNodes")).toHaveLength(0);
  });

  it("refuses a malformed key package with a typed error and sends nothing", async () => {
    const gateway = await network();
    const client = clientOf(gateway);
    const truncated = keyPackage(new Uint8Array(32)).slice(0, 50);
    const e = await client
      .uploadKeyPackage(
        create(UploadKeyPackageRequestSchema, {
          keyPackage: { keyPackageTlsSerialized: truncated },
        }),
      )
      .catch((err) => err);
    expect([e.name, e.reason, e.code, e.retryable]).toEqual([
      "D14nApiError",
      "invalid_request",
      "api.invalid_argument",
      false,
    ]);
    expect(e.message).toMatch(/truncated/);
    expect(gateway.callsOf("publishClientEnvelopes")).toHaveLength(0);
  });

  it("publishes an identity update to 0x02 ‖ the inbox id's bytes", async () => {
    const gateway = await network();
    const inboxId = "0a7342740183795518a9e088237f294a257f43220052dde8ba20eba0c4cc07ab";
    await clientOf(gateway).publishIdentityUpdate(
      create(PublishIdentityUpdateRequestSchema, {
        identityUpdate: { inboxId, clientTimestampNs: 5n },
      }),
    );
    const env = published(gateway)[0]?.[0];
    expect(Buffer.from(env!.aad!.targetTopic).toString("hex")).toBe(`02${inboxId}`);
    expect(env?.payload.case).toBe("identityUpdate");
    expect(env?.payload.value).toMatchObject({ inboxId, clientTimestampNs: 5n });
  });

  it("sends group messages in one call, each to 0x00 ‖ its MLS group id, with depends_on", async () => {
    const gateway = await network();
    const req = create(SendGroupMessagesRequestSchema, {
      messages: [
        groupInput(publicCommit(GROUP)),
        groupInput(privateMessage(OTHER_GROUP), { senderHmac: Uint8Array.of(7), shouldPush: true }),
      ],
    });
    await clientOf(gateway).sendGroupMessages(req, { dependsOn: new Map([[0, 5n]]) });
    const calls = published(gateway);
    expect(calls).toHaveLength(1);
    const [a, b] = calls[0]!;
    expect(a?.aad?.targetTopic).toEqual(Uint8Array.of(0, ...GROUP));
    expect(b?.aad?.targetTopic).toEqual(Uint8Array.of(0, ...OTHER_GROUP));
    expect(a?.aad?.dependsOn?.nodeIdToSequenceId).toEqual({ 0: 5n });
    expect(b?.payload.case).toBe("groupMessage");
    expect(b?.payload.value).toMatchObject({
      version: { value: { senderHmac: Uint8Array.of(7), shouldPush: true } },
    });
  });

  it("leaves depends_on unset when there is none or it is empty", async () => {
    const gateway = await network();
    const client = clientOf(gateway);
    const req = create(SendGroupMessagesRequestSchema, {
      messages: [groupInput(privateMessage(GROUP))],
    });
    await client.sendGroupMessages(req);
    await client.sendGroupMessages(req, { dependsOn: new Map() });
    expect(published(gateway).map((c) => c[0]?.aad?.dependsOn)).toEqual([undefined, undefined]);
  });

  it("refuses a batch with a message that is not MLS framing, sending none of it", async () => {
    const gateway = await network();
    const req = create(SendGroupMessagesRequestSchema, {
      messages: [groupInput(privateMessage(GROUP)), groupInput(new Uint8Array(40).fill(3))],
    });
    const e = await clientOf(gateway)
      .sendGroupMessages(req)
      .catch((err) => err);
    expect([e.reason, e.code]).toEqual(["invalid_request", "api.invalid_argument"]);
    expect(e.message).toContain("message 1");
    expect(gateway.callsOf("publishClientEnvelopes")).toHaveLength(0);
  });

  it("sends welcomes and welcome pointers to 0x01 ‖ the installation key", async () => {
    const gateway = await network();
    const pointee = new Uint8Array(32).fill(0x99);
    const req = create(SendWelcomeMessagesRequestSchema, {
      messages: [
        {
          version: {
            case: "v1",
            value: { installationKey: INSTALLATION, data: Uint8Array.of(1), wrapperAlgorithm: 2 },
          },
        },
        {
          version: {
            case: "welcomePointer",
            value: { installationKey: pointee, welcomePointer: Uint8Array.of(2) },
          },
        },
      ],
    });
    await clientOf(gateway).sendWelcomeMessages(req);
    const [a, b] = published(gateway)[0]!;
    expect(a?.aad?.targetTopic).toEqual(Uint8Array.of(1, ...INSTALLATION));
    expect(b?.aad?.targetTopic).toEqual(Uint8Array.of(1, ...pointee));
    expect([a?.payload.case, b?.payload.case]).toEqual(["welcomeMessage", "welcomeMessage"]);
  });

  it("treats the commit log as a no-op, as d14n 1.9.1", async () => {
    const gateway = await network();
    const client = clientOf(gateway);
    await client.batchPublishCommitLog(
      create(BatchPublishCommitLogRequestSchema, { requests: [{ groupId: GROUP }] }),
    );
    const res = await client.batchQueryCommitLog(
      create(BatchQueryCommitLogRequestSchema, {
        requests: [{ groupId: GROUP }, { groupId: OTHER_GROUP }],
      }),
    );
    expect(res.responses.map((r) => [r.groupId, r.commitLogEntries.length])).toEqual([
      [GROUP, 0],
      [OTHER_GROUP, 0],
    ]);
    expect(gateway.calls).toHaveLength(0);
  });

  it("maps a gateway refusal to a typed ApiError", async () => {
    const gateway = await network();
    const { ConnectError, Code } = await import("@connectrpc/connect");
    gateway.failNext.set(
      "publishClientEnvelopes",
      new ConnectError("topic does not match payload", Code.InvalidArgument),
    );
    const req = create(SendGroupMessagesRequestSchema, {
      messages: [groupInput(privateMessage(GROUP))],
    });
    const e = await clientOf(gateway)
      .sendGroupMessages(req)
      .catch((err) => err);
    expect([e.code, e.rpc]).toEqual([
      "api.invalid_argument",
      "xmtp.xmtpv4.payer_api.PayerApi/PublishClientEnvelopes",
    ]);
    expect(e.message).toContain("topic does not match payload");
  });
});
