// Access to the libxmtp 1.5.4 golden fixtures in the repository (fixtures/libxmtp-1.5.4).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { UploadKeyPackageRequestSchema } from "@x/proto/mls/api/v1";

export const FIXTURES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../fixtures/libxmtp-1.5.4",
);

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(FIXTURES_DIR, name)));
}

export interface FixtureIndex {
  clients: Record<
    "alice" | "bob",
    { inboxId: string; installationId: string; identifier: string; clientTimestampNs: string }
  >;
  conversations: Record<"dm" | "group", { groupId: string }>;
}

export function fixtureIndex(): FixtureIndex {
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, "fixtures.json"), "utf8"));
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
export const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

/** The bare TLS key package inside an UploadKeyPackage request fixture. */
export const fixtureKeyPackage = (file: string) =>
  fromBinary(UploadKeyPackageRequestSchema, fixture(file)).keyPackage!.keyPackageTlsSerialized;
