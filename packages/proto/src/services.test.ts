// The service descriptors match the real services (names, kinds, gRPC paths)
// and work with @connectrpc/connect v2.
import { create } from "@bufbuild/protobuf";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "./grpc/health/v1/index.js";
import { IdentityApi } from "./identity/api/v1/index.js";
import { D14nMigrationApi } from "./migration/api/v1/index.js";
import {
  GroupMessageSchema,
  MlsApi,
  SortDirection,
  type SubscribeRequest,
  SubscribeRequestSchema,
  SubscribeResponseSchema,
} from "./mls/api/v1/index.js";
import { allServices, grpcPath, methodByPath } from "./test-utils/services.js";
import { GatewayApi } from "./xmtpv4/gateway_api/index.js";
import {
  MisbehaviorApi,
  NotificationApi,
  PublishApi,
  QueryApi,
  ReplicationApi,
} from "./xmtpv4/message_api/index.js";
import { MetadataApi } from "./xmtpv4/metadata_api/index.js";
import { PayerApi } from "./xmtpv4/payer_api/index.js";

const shape = (service: typeof MlsApi | { methods: typeof MlsApi.methods }) =>
  service.methods.map((m) => [m.name, m.methodKind]);

describe("MlsApi", () => {
  it("has exactly the RPCs of xmtp.mls.api.v1.MlsApi with their kinds", () => {
    expect(MlsApi.typeName).toBe("xmtp.mls.api.v1.MlsApi");
    expect(shape(MlsApi)).toEqual([
      ["SendGroupMessages", "unary"],
      ["SendWelcomeMessages", "unary"],
      ["RegisterInstallation", "unary"],
      ["UploadKeyPackage", "unary"],
      ["FetchKeyPackages", "unary"],
      ["RevokeInstallation", "unary"],
      ["GetIdentityUpdates", "unary"],
      ["QueryGroupMessages", "unary"],
      ["QueryWelcomeMessages", "unary"],
      ["SubscribeGroupMessages", "server_streaming"],
      ["SubscribeWelcomeMessages", "server_streaming"],
      ["Subscribe", "bidi_streaming"],
      ["BatchPublishCommitLog", "unary"],
      ["BatchQueryCommitLog", "unary"],
      ["GetNewestGroupMessage", "unary"],
    ]);
  });

  it("uses the gRPC paths libxmtp calls", () => {
    const paths = MlsApi.methods.map(grpcPath);
    for (const rpc of [
      "UploadKeyPackage",
      "FetchKeyPackages",
      "SendGroupMessages",
      "SendWelcomeMessages",
      "QueryGroupMessages",
      "QueryWelcomeMessages",
      "SubscribeGroupMessages",
      "SubscribeWelcomeMessages",
      "BatchPublishCommitLog",
      "BatchQueryCommitLog",
      "GetNewestGroupMessage",
      "Subscribe",
    ]) {
      expect(paths).toContain(`/xmtp.mls.api.v1.MlsApi/${rpc}`);
    }
    expect(MlsApi.method.sendGroupMessages.output).toBe(EmptySchema);
    expect(MlsApi.method.subscribeGroupMessages.output).toBe(GroupMessageSchema);
  });
});

describe("IdentityApi", () => {
  it("has the four unary RPCs at /xmtp.identity.api.v1.IdentityApi/*", () => {
    expect(shape(IdentityApi)).toEqual([
      ["PublishIdentityUpdate", "unary"],
      ["GetIdentityUpdates", "unary"],
      ["GetInboxIds", "unary"],
      ["VerifySmartContractWalletSignatures", "unary"],
    ]);
    expect(IdentityApi.methods.map(grpcPath)).toContain(
      "/xmtp.identity.api.v1.IdentityApi/GetInboxIds",
    );
  });
});

describe("other services", () => {
  it("have the expected full names and method kinds", () => {
    const table = Object.fromEntries(
      [
        D14nMigrationApi,
        Health,
        QueryApi,
        ReplicationApi,
        PublishApi,
        NotificationApi,
        MisbehaviorApi,
        PayerApi,
        GatewayApi,
        MetadataApi,
      ].map((s) => [s.typeName, shape(s)]),
    );
    expect(table).toEqual({
      "xmtp.migration.api.v1.D14nMigrationApi": [["FetchD14nCutover", "unary"]],
      "grpc.health.v1.Health": [
        ["Check", "unary"],
        ["List", "unary"],
        ["Watch", "server_streaming"],
      ],
      "xmtp.xmtpv4.message_api.QueryApi": [
        ["QueryEnvelopes", "unary"],
        ["SubscribeTopics", "server_streaming"],
        ["Subscribe", "bidi_streaming"],
        ["GetInboxIds", "unary"],
        ["GetNewestEnvelope", "unary"],
      ],
      "xmtp.xmtpv4.message_api.ReplicationApi": [
        ["SubscribeOriginators", "server_streaming"],
        ["SubscribeEnvelopes", "server_streaming"],
        ["SubscribeTopics", "server_streaming"],
        ["QueryEnvelopes", "unary"],
        ["PublishPayerEnvelopes", "unary"],
        ["GetInboxIds", "unary"],
        ["GetNewestEnvelope", "unary"],
      ],
      "xmtp.xmtpv4.message_api.PublishApi": [["PublishPayerEnvelopes", "unary"]],
      "xmtp.xmtpv4.message_api.NotificationApi": [["SubscribeAllEnvelopes", "server_streaming"]],
      "xmtp.xmtpv4.message_api.MisbehaviorApi": [
        ["SubmitMisbehaviorReport", "unary"],
        ["QueryMisbehaviorReports", "unary"],
      ],
      "xmtp.xmtpv4.payer_api.PayerApi": [
        ["PublishClientEnvelopes", "unary"],
        ["GetNodes", "unary"],
      ],
      "xmtp.xmtpv4.gateway_api.GatewayApi": [
        ["PublishClientEnvelopes", "unary"],
        ["GetNodes", "unary"],
      ],
      "xmtp.xmtpv4.metadata_api.MetadataApi": [
        ["GetSyncCursor", "unary"],
        ["SubscribeSyncCursor", "server_streaming"],
        ["GetVersion", "unary"],
        ["GetPayerInfo", "unary"],
      ],
    });
  });

  it("mark the RPCs xmtpd deprecated", () => {
    const deprecated = ReplicationApi.methods
      .filter((m) => m.deprecated)
      .map((m) => m.name)
      .sort();
    expect(deprecated).toEqual([
      "GetInboxIds",
      "GetNewestEnvelope",
      "PublishPayerEnvelopes",
      "QueryEnvelopes",
      "SubscribeEnvelopes",
      "SubscribeTopics",
    ]);
    expect(PayerApi.deprecated).toBe(true);
    expect(GatewayApi.deprecated).toBe(false);
  });

  it("resolve the deprecated d14n paths libxmtp still calls", () => {
    for (const path of [
      "/xmtp.xmtpv4.message_api.ReplicationApi/QueryEnvelopes",
      "/xmtp.xmtpv4.message_api.ReplicationApi/SubscribeTopics",
      "/xmtp.xmtpv4.payer_api.PayerApi/PublishClientEnvelopes",
      "/xmtp.xmtpv4.payer_api.PayerApi/GetNodes",
      "/xmtp.xmtpv4.message_api.QueryApi/Subscribe",
      "/grpc.health.v1.Health/Check",
    ]) {
      expect(grpcPath(methodByPath(path))).toBe(path);
    }
    expect(() => methodByPath("/xmtp.mls.api.v1.MlsApi/NoSuchRpc")).toThrow(/no method/);
    expect(allServices).toHaveLength(12);
  });
});

describe("with @connectrpc/connect", () => {
  it("serves and calls unary, server-streaming and bidi MlsApi methods in memory", async () => {
    const transport = createRouterTransport((router) => {
      router.service(MlsApi, {
        async queryGroupMessages(req) {
          return {
            messages: [{ version: { case: "v1", value: { id: 7n, groupId: req.groupId } } }],
            pagingInfo: { direction: req.pagingInfo?.direction ?? 0, limit: 100, idCursor: 0n },
          };
        },
        async *subscribeGroupMessages(req) {
          for (const filter of req.filters) {
            yield {
              version: { case: "v1", value: { id: filter.idCursor + 1n, groupId: filter.groupId } },
            };
          }
        },
        async *subscribe(requests) {
          yield create(SubscribeResponseSchema, {
            version: {
              case: "v1",
              value: { response: { case: "started", value: { keepaliveIntervalMs: 30000 } } },
            },
          });
          for await (const req of requests) {
            const v1 = req.version.value;
            if (v1?.request.case === "ping") {
              yield {
                version: {
                  case: "v1",
                  value: { response: { case: "pong", value: { nonce: v1.request.value.nonce } } },
                },
              };
            }
          }
        },
      });
    });
    const client = createClient(MlsApi, transport);
    const groupId = new Uint8Array([1, 2, 3]);

    const page = await client.queryGroupMessages({
      groupId,
      pagingInfo: { direction: SortDirection.ASCENDING, limit: 100 },
    });
    expect(page.messages[0]?.version.value?.id).toBe(7n);
    expect(page.messages[0]?.version.value?.groupId).toEqual(groupId);
    expect(page.pagingInfo?.direction).toBe(SortDirection.ASCENDING);

    const streamed: bigint[] = [];
    for await (const msg of client.subscribeGroupMessages({
      filters: [
        { groupId, idCursor: 10n },
        { groupId, idCursor: 20n },
      ],
    })) {
      streamed.push(msg.version.value!.id);
    }
    expect(streamed).toEqual([11n, 21n]);

    async function* pings(): AsyncIterable<SubscribeRequest> {
      yield create(SubscribeRequestSchema, {
        version: { case: "v1", value: { request: { case: "ping", value: { nonce: 42n } } } },
      });
    }
    const frames: string[] = [];
    for await (const frame of client.subscribe(pings())) {
      const response = frame.version.value!.response;
      frames.push(response.case === "pong" ? `pong:${response.value.nonce}` : `${response.case}`);
    }
    expect(frames).toEqual(["started", "pong:42"]);
  });

  it("serves the health Check", async () => {
    const transport = createRouterTransport((router) => {
      router.service(Health, {
        async check(req) {
          return {
            status:
              req.service === ""
                ? HealthCheckResponse_ServingStatus.SERVING
                : HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN,
          };
        },
      });
    });
    const client = createClient(Health, transport);
    expect((await client.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await client.check({ service: "x" })).status).toBe(
      HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN,
    );
  });
});
