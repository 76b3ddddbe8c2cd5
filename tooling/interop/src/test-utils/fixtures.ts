// Access to the libxmtp 1.5.4 golden fixtures in the repository (fixtures/libxmtp-1.5.4).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../fixtures/libxmtp-1.5.4",
);

export const fixture = (name: string) => new Uint8Array(readFileSync(path.join(DIR, name)));

export const fixtureIndex: {
  clients: Record<"alice" | "bob", { inboxId: string; installationId: string; identifier: string }>;
  conversations: Record<"dm" | "group", { groupId: string }>;
} = JSON.parse(readFileSync(path.join(DIR, "fixtures.json"), "utf8"));

/** 2026-11-22T03:00:00Z: inside the lifetime of the fixture key packages. */
export const FIXTURE_TIME_NS = 1_795_316_400n * 1_000_000_000n;

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
export const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
