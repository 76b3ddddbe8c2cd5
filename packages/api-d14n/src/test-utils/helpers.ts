// Shared test plumbing: fake networks closed after each test, clients pointed at them, and
// payload builders.
import { create } from "@bufbuild/protobuf";
import { IdentityUpdateSchema } from "@x/proto/identity/associations";
import {
  type GroupMessageInput,
  GroupMessageInputSchema,
  WelcomeMessageInputSchema,
} from "@x/proto/mls/api/v1";
import { afterEach } from "vitest";
import type { D14nApiClient } from "../client.js";
import type { Payload } from "../envelopes.js";
import { createD14nApiClient, type D14nApiOptions } from "../node.js";
import { type FakeNetwork, type FakeNetworkOptions, startFakeNetwork } from "./fake-network.js";
import { privateMessage, publicCommit } from "./mls.js";

const open: FakeNetwork[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

export async function network(options: FakeNetworkOptions = {}): Promise<FakeNetwork> {
  const n = await startFakeNetwork(options);
  open.push(n);
  return n;
}

/** A client whose gateway is `gateway` (discovery through its GetNodes), fast re-query backoff. */
export function clientOf(
  gateway: FakeNetwork,
  options: Partial<D14nApiOptions> = {},
): D14nApiClient {
  return createD14nApiClient({
    gatewayUrl: gateway.url,
    resolve: { initialDelayMs: 1 },
    ...options,
  });
}

export const GROUP = new Uint8Array(16).fill(0x61);
export const OTHER_GROUP = new Uint8Array(16).fill(0x62);
export const INSTALLATION = new Uint8Array(32).fill(0x71);

export const groupInput = (
  data: Uint8Array,
  extra: { senderHmac?: Uint8Array; shouldPush?: boolean } = {},
): GroupMessageInput =>
  create(GroupMessageInputSchema, { version: { case: "v1", value: { data, ...extra } } });

export const groupPayload = (
  data: Uint8Array,
  extra: { senderHmac?: Uint8Array; shouldPush?: boolean } = {},
): Payload => ({ case: "groupMessage", value: groupInput(data, extra) });
export const appMessage = (groupId = GROUP, n = 0) =>
  groupPayload(privateMessage(groupId, 1, BigInt(n)));
export const commit = (groupId = GROUP) => groupPayload(publicCommit(groupId));

export const welcomePayload = (
  installationKey = INSTALLATION,
  data = Uint8Array.of(1, 2, 3),
): Payload => ({
  case: "welcomeMessage",
  value: create(WelcomeMessageInputSchema, {
    version: {
      case: "v1",
      value: {
        installationKey,
        data,
        hpkePublicKey: Uint8Array.of(9),
        wrapperAlgorithm: 2,
        welcomeMetadata: Uint8Array.of(4),
      },
    },
  }),
});

export const identityPayload = (inboxId: string, clientTimestampNs = 1n): Payload => ({
  case: "identityUpdate",
  value: create(IdentityUpdateSchema, { inboxId, clientTimestampNs }),
});

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export async function collect<T>(
  stream: AsyncIterable<T>,
  n: number,
  controller: AbortController,
): Promise<T[]> {
  const out: T[] = [];
  for await (const m of stream) {
    out.push(m);
    if (out.length === n) controller.abort();
  }
  return out;
}
