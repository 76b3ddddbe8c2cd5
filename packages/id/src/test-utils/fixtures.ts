// Access to the libxmtp 1.5.4 golden fixtures in the repository (fixtures/libxmtp-1.5.4).
import { readFileSync } from "node:fs";
import { decodeMessage } from "@x/proto";
import { PublishIdentityUpdateRequestSchema } from "@x/proto/identity/api/v1";
import type { IdentityUpdate as IdentityUpdateProto } from "@x/proto/identity/associations";

const FIXTURE_DIR = new URL("../../../../fixtures/libxmtp-1.5.4/", import.meta.url);

export interface FixtureClient {
  privateKey: `0x${string}`;
  address: string;
  identifier: string;
  nonce: number;
  inboxId: string;
  installationId: string;
  signatureText: string;
  walletSignature: string;
  installationSignature: string;
  clientTimestampNs: string;
  publishIdentityUpdateFile: string;
}

export const fixtures: { clients: { alice: FixtureClient; bob: FixtureClient } } = JSON.parse(
  readFileSync(new URL("fixtures.json", FIXTURE_DIR), "utf8"),
);

export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURE_DIR)));
}

/** The IdentityUpdate inside a client's PublishIdentityUpdate request. */
export function publishedUpdate(client: FixtureClient): IdentityUpdateProto {
  const request = decodeMessage(
    PublishIdentityUpdateRequestSchema,
    readFixture(client.publishIdentityUpdateFile),
  );
  if (!request.identityUpdate) throw new Error("fixture has no identity_update");
  return request.identityUpdate;
}
