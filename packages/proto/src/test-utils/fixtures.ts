// Loads the libxmtp 1.5.4 golden wire fixtures kept in the repository (fixtures/libxmtp-1.5.4),
// located relative to this file so no absolute path is used.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const FIXTURE_DIR = fileURLToPath(
  new URL("../../../../fixtures/libxmtp-1.5.4/", import.meta.url),
);

export interface FixtureFile {
  file: string;
  call: number;
  rpc: string;
  path: string;
  direction: "request" | "response";
  client: "alice" | "bob";
  bytes: number;
  sha256: string;
  // biome-ignore lint/suspicious/noExplicitAny: free-form decoded facts from the recorder
  facts?: any;
}

export interface FixtureClient {
  address: string;
  identifier: string;
  nonce: number;
  inboxId: string;
  installationId: string;
  walletSignature: string;
  installationSignature: string;
  clientTimestampNs: string;
  publishIdentityUpdateFile: string;
  keyPackageFile: string;
  keyPackage: {
    credentialIdentityHex: string;
    signatureKey: string;
    welcomeWrapperEncryption: { algorithm: number; pubKeyBytes: number; pubKeySha256: string };
  };
}

export interface FixtureIndex {
  files: FixtureFile[];
  clients: { alice: FixtureClient; bob: FixtureClient };
  conversations: { dm: { groupId: string }; group: { groupId: string } };
}

export const fixtures: FixtureIndex = JSON.parse(
  readFileSync(`${FIXTURE_DIR}fixtures.json`, "utf8"),
);

export function readFixture(file: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURE_DIR}${file}`));
}

/** The fixture entry for call `call` in `direction`; throws when absent. */
export function fixtureEntry(call: number, direction: "request" | "response"): FixtureFile {
  const entry = fixtures.files.find((f) => f.call === call && f.direction === direction);
  if (!entry) throw new Error(`no ${direction} fixture for call ${call}`);
  return entry;
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
export const unhex = (text: string): Uint8Array =>
  new Uint8Array(Buffer.from(text.replace(/^0x/, ""), "hex"));
