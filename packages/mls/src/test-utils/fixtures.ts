// The libxmtp 1.5.4 golden fixtures kept in the repository (fixtures/libxmtp-1.5.4), found
// relative to this file so nothing depends on an absolute path.
import { readFileSync } from "node:fs";
import { fromBinary } from "@x/proto";
import { SendGroupMessagesRequestSchema, UploadKeyPackageRequestSchema } from "@x/proto/mls/api/v1";

const dir = new URL("../../../../fixtures/libxmtp-1.5.4/", import.meta.url);

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, dir)));
}

export interface FixtureIndex {
  clients: Record<
    string,
    { inboxId: string; installationId: string; keyPackage: FixtureKeyPackage }
  >;
  conversations: Record<string, { groupId: string }>;
  hmacKeys: Record<string, Record<string, { epoch: number; key: string }[]> | string>;
  files: { file: string; rpc: string; client: string; direction: string }[];
}

export interface FixtureKeyPackage {
  lifetime: { notBefore: string; notAfter: string };
  capabilities: { extensions: string[] };
}

export const fixtureIndex: FixtureIndex = JSON.parse(
  readFileSync(new URL("fixtures.json", dir), "utf8"),
);

/** The bare TLS KeyPackage inside an UploadKeyPackage request body. */
export function uploadedKeyPackage(name: string): Uint8Array {
  const req = fromBinary(UploadKeyPackageRequestSchema, fixtureBytes(name));
  const kp = req.keyPackage?.keyPackageTlsSerialized;
  if (kp === undefined) throw new Error(`${name} carries no key package`);
  return kp;
}

/** Every group message libxmtp sent, with the client that sent it. */
export function sentGroupMessages(): {
  file: string;
  client: string;
  data: Uint8Array;
  senderHmac: Uint8Array;
  shouldPush: boolean;
}[] {
  return fixtureIndex.files
    .filter((f) => f.rpc === "SendGroupMessages" && f.direction === "request")
    .flatMap((f) =>
      fromBinary(SendGroupMessagesRequestSchema, fixtureBytes(f.file)).messages.map((m) => {
        if (m.version.case !== "v1") throw new Error(`${f.file}: not a V1 message`);
        return {
          file: f.file,
          client: f.client,
          data: m.version.value.data,
          senderHmac: m.version.value.senderHmac,
          shouldPush: m.version.value.shouldPush,
        };
      }),
    );
}
