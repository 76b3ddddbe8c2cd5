// A node with its d14n listener on an ephemeral port, typed clients for it, and builders for
// the ClientEnvelopes libxmtp 1.9.1 publishes.
import { create } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health } from "@x/proto/grpc/health/v1";
import { IdentityApi } from "@x/proto/identity/api/v1";
import type { IdentityUpdate } from "@x/proto/identity/associations";
import { MlsApi } from "@x/proto/mls/api/v1";
import { type ClientEnvelope, ClientEnvelopeSchema } from "@x/proto/xmtpv4/envelopes";
import { GatewayApi } from "@x/proto/xmtpv4/gateway_api";
import { QueryApi, ReplicationApi } from "@x/proto/xmtpv4/message_api";
import { PayerApi } from "@x/proto/xmtpv4/payer_api";
import { TopicKind, topic } from "../d14n/envelopes.js";
import { type NodeOptions, type RunningNode, startNode } from "../server/node.js";
import { unhex } from "./fixtures.js";
import { FIXTURE_TIME_NS } from "./node.js";

export interface D14nTestNode {
  node: RunningNode;
  payer: Client<typeof PayerApi>;
  gateway: Client<typeof GatewayApi>;
  replication: Client<typeof ReplicationApi>;
  query: Client<typeof QueryApi>;
  health: Client<typeof Health>;
  /** The same node's v3 API. */
  mls: Client<typeof MlsApi>;
  identity: Client<typeof IdentityApi>;
  stop(): Promise<void>;
}

/** Starts a node (v3 gRPC and d14n on free ports, no gRPC-web) with @x/id's identity rules. */
export async function startD14nNode(options: Partial<NodeOptions> = {}): Promise<D14nTestNode> {
  const node = await startNode({
    port: 0,
    webPort: null,
    d14nPort: 0,
    db: ":memory:",
    now: () => FIXTURE_TIME_NS,
    ...options,
  });
  // Without a d14n listener the d14n clients point at the v3 port (and get Unimplemented).
  const d14n = createGrpcTransport({ baseUrl: node.d14nUrl ?? node.url });
  const v3 = createGrpcTransport({ baseUrl: node.url });
  return {
    node,
    payer: createClient(PayerApi, d14n),
    gateway: createClient(GatewayApi, d14n),
    replication: createClient(ReplicationApi, d14n),
    query: createClient(QueryApi, d14n),
    health: createClient(Health, d14n),
    mls: createClient(MlsApi, v3),
    identity: createClient(IdentityApi, v3),
    stop: () => node.stop(),
  };
}

export const groupTopic = (groupId: Uint8Array) => topic(TopicKind.GroupMessages, groupId);
export const welcomeTopic = (installationKey: Uint8Array) =>
  topic(TopicKind.WelcomeMessages, installationKey);
export const identityTopic = (inboxId: string) => topic(TopicKind.IdentityUpdates, unhex(inboxId));
export const keyPackageTopic = (installationKey: Uint8Array) =>
  topic(TopicKind.KeyPackages, installationKey);

const aad = (targetTopic: Uint8Array, dependsOn?: Record<number, bigint>) => ({
  targetTopic,
  ...(dependsOn ? { dependsOn: { nodeIdToSequenceId: dependsOn } } : {}),
});

export function groupMessageEnvelope(
  groupId: Uint8Array,
  data: Uint8Array,
  dependsOn?: Record<number, bigint>,
  targetTopic = groupTopic(groupId),
): ClientEnvelope {
  return create(ClientEnvelopeSchema, {
    aad: aad(targetTopic, dependsOn),
    payload: {
      case: "groupMessage",
      value: {
        version: { case: "v1", value: { data, senderHmac: Uint8Array.of(1), shouldPush: true } },
      },
    },
  });
}

export function welcomeEnvelope(
  installationKey: Uint8Array,
  options: { wrapperAlgorithm?: number; data?: Uint8Array; targetTopic?: Uint8Array } = {},
): ClientEnvelope {
  return create(ClientEnvelopeSchema, {
    aad: aad(options.targetTopic ?? welcomeTopic(installationKey)),
    payload: {
      case: "welcomeMessage",
      value: {
        version: {
          case: "v1",
          value: {
            installationKey,
            data: options.data ?? Uint8Array.of(5, 6, 7),
            hpkePublicKey: new Uint8Array(32).fill(9),
            wrapperAlgorithm: options.wrapperAlgorithm ?? 1,
            welcomeMetadata: Uint8Array.of(1),
          },
        },
      },
    },
  });
}

export function welcomePointerEnvelope(
  installationKey: Uint8Array,
  wrapperAlgorithm = 2,
): ClientEnvelope {
  return create(ClientEnvelopeSchema, {
    aad: aad(welcomeTopic(installationKey)),
    payload: {
      case: "welcomeMessage",
      value: {
        version: {
          case: "welcomePointer",
          value: {
            installationKey,
            welcomePointer: Uint8Array.of(4, 4),
            hpkePublicKey: new Uint8Array(32).fill(8),
            wrapperAlgorithm,
          },
        },
      },
    },
  });
}

export function keyPackageEnvelope(
  keyPackage: Uint8Array,
  targetTopic: Uint8Array,
): ClientEnvelope {
  return create(ClientEnvelopeSchema, {
    aad: aad(targetTopic),
    payload: {
      case: "uploadKeyPackage",
      value: { keyPackage: { keyPackageTlsSerialized: keyPackage }, isInboxIdCredential: true },
    },
  });
}

export function identityUpdateEnvelope(
  update: IdentityUpdate,
  targetTopic = identityTopic(update.inboxId),
): ClientEnvelope {
  return create(ClientEnvelopeSchema, {
    aad: aad(targetTopic),
    payload: { case: "identityUpdate", value: update },
  });
}
