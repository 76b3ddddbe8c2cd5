// Access to the libxmtp 1.5.4 golden fixtures in the repository (fixtures/libxmtp-1.5.4), and to the
// published test vectors in this package's test-vectors/ folder.
import { readFileSync } from "node:fs";

const FIXTURE_DIR = new URL("../../../../fixtures/libxmtp-1.5.4/", import.meta.url);
const VECTOR_DIR = new URL("../../test-vectors/", import.meta.url);

export interface FixtureClient {
  privateKey: string;
  address: string;
  identifier: string;
  nonce: number;
  inboxId: string;
  installationId: string;
  signatureText: string;
  walletSignature: string;
  installationSignature: string;
  clientTimestampNs: string;
  installationKeySignatureSample: { text: string; signature: string };
}

export interface FixtureIndex {
  clients: { alice: FixtureClient; bob: FixtureClient };
}

export const fixtures: FixtureIndex = JSON.parse(
  readFileSync(new URL("fixtures.json", FIXTURE_DIR), "utf8"),
);

export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURE_DIR)));
}

export function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, VECTOR_DIR), "utf8")) as T;
}
