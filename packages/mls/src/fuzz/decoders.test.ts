// Decoder fuzzing: real wire bytes (libxmtp 1.5.4's fixtures, and what our engine makes), mutated
// with a seeded PRNG, fed to every decoder that reads bytes from the network or a file. Each must
// either succeed or throw its typed error, in bounded time, and leave the group state it was
// given unchanged. Inputs that once broke a decoder are kept in ./corpus/<target>/ and replayed
// first; a new failure is written there (commit it with the fix).
// XMTP_FUZZ_ITERATIONS (default 60 per seed input) and XMTP_FUZZ_SEED replay or extend a run.
import { fileURLToPath } from "node:url";
import { CodecRegistry, ContentTypesError, decodeContent } from "@x/content-types";
import { openSqlite } from "@x/db/sqlite";
import { decodeIdentityUpdate, IdentityError, verifyIdentityUpdate } from "@x/id";
import { create, fromBinary, toBinary } from "@x/proto";
import { PublishIdentityUpdateRequestSchema } from "@x/proto/identity/api/v1";
import { IdentityUpdateSchema } from "@x/proto/identity/associations";
import { EncodedContentSchema } from "@x/proto/mls/message_contents";
import { fuzzTarget } from "@x/testing";
import type { ClientState } from "ts-mls";
import { beforeAll, describe, expect, it } from "vitest";
import { ClientError } from "../client/errors.js";
import { exportArchiveBytes, importArchive } from "../client/sync/archive/index.js";
import {
  addMembers,
  createGroup,
  decodePlaintextEnvelope,
  decodeWelcomeMessage,
  encodePlaintextEnvelope,
  encryptApplicationMessage,
  MlsEngineError,
  mergeStagedCommit,
  processGroupMessage,
  readGroupExtensions,
  validateKeyPackage,
} from "../engine/index.js";
import {
  fixtureBytes,
  fixtureIndex,
  sentGroupMessages,
  uploadedKeyPackage,
} from "../test-utils/fixtures.js";
import { fingerprint, joinViaWelcome, newMember, text } from "../test-utils/identities.js";

const ITERATIONS = Number(process.env.XMTP_FUZZ_ITERATIONS ?? 60);
const SEED = Number(process.env.XMTP_FUZZ_SEED ?? Math.floor(Math.random() * 1e9));
/** One decode may take this long at most (a hang or an expensive input is a failure too). */
const MAX_MS = 2_000;
const CORPUS = new URL("./corpus/", import.meta.url);
/** Per test: room for the iterations asked for (a few ms each) on a slow machine. */
const TEST_MS = 30_000 + ITERATIONS * 40;

interface Target {
  name: string;
  /** Real inputs to mutate. */
  seeds: () => Promise<Uint8Array[]> | Uint8Array[];
  /** Decodes one input; throws only the target's typed errors. */
  run: (input: Uint8Array) => Promise<unknown> | unknown;
  /** The error classes that count as "typed". */
  typed: (abstract new (
    ...args: never[]
  ) => Error)[];
}

/** Runs `input` through the target; a failure description, or undefined when it behaved. */
async function check(t: Target, input: Uint8Array): Promise<string | undefined> {
  const start = performance.now();
  let problem: string | undefined;
  try {
    await t.run(input);
  } catch (e) {
    if (!t.typed.some((c) => e instanceof c)) {
      problem = `untyped ${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}`;
    }
  }
  const ms = performance.now() - start;
  if (problem === undefined && ms > MAX_MS) problem = `took ${Math.round(ms)} ms`;
  return problem;
}

async function fuzz(t: Target): Promise<void> {
  const seeds = await t.seeds();
  expect(seeds.length).toBeGreaterThan(0);
  const problems = await fuzzTarget(
    { name: t.name, seeds, check: (input) => check(t, input) },
    { corpusDir: fileURLToPath(CORPUS), iterations: ITERATIONS, seed: SEED },
  );
  expect(problems, `${t.name} (seed ${SEED})`).toEqual([]);
}

describe(`decoder fuzzing (seed ${SEED}, ${ITERATIONS} mutations per input)`, () => {
  let a: ClientState;
  let b: ClientState;
  let welcome: Uint8Array;
  let appMessage: Uint8Array;
  beforeAll(async () => {
    const [alice, bob] = await Promise.all([newMember(), newMember()]);
    a = await createGroup(alice.identity);
    const add = await addMembers(a, [bob.verified], { [bob.identity.inboxId]: 1n });
    a = mergeStagedCommit(add);
    b = await joinViaWelcome(add, bob);
    welcome = add.welcome!.message;
    appMessage = (await encryptApplicationMessage(b, text("fuzz me"))).message;
  }, TEST_MS);

  it(
    "key packages (libxmtp's): valid or KeyPackageError",
    async () => {
      // Validated at a time inside the fixtures' lifetime.
      const now = new Date(1795313242_000); // when the fixtures were recorded
      await fuzz({
        name: "key-package",
        seeds: () =>
          fixtureIndex.files
            .filter((f) => f.rpc === "UploadKeyPackage" && f.direction === "request")
            .map((f) => uploadedKeyPackage(f.file)),
        run: (bytes) => validateKeyPackage(bytes, { now }),
        typed: [MlsEngineError],
      });
    },
    TEST_MS,
  );

  it(
    "group messages (libxmtp's and ours): processed or MessageProcessingError, state unchanged",
    async () => {
      const before = fingerprint(a);
      await fuzz({
        name: "group-message",
        seeds: () => [
          appMessage,
          ...sentGroupMessages()
            .slice(0, 3)
            .map((m) => m.data),
        ],
        run: async (bytes) => {
          // processGroupMessage returns a new state; the one it was given never changes.
          const failed = await processGroupMessage(a, bytes).then(
            () => undefined,
            (e: unknown) => e,
          );
          if (fingerprint(a) !== before) throw new Error("the group state changed");
          if (failed !== undefined) throw failed;
        },
        typed: [MlsEngineError],
      });
    },
    TEST_MS,
  );

  it(
    "welcomes: decoded or WelcomeError",
    async () => {
      await fuzz({
        name: "welcome",
        seeds: () => [welcome],
        run: decodeWelcomeMessage,
        typed: [MlsEngineError],
      });
    },
    TEST_MS,
  );

  it(
    "group-context extensions: read or ExtensionError",
    async () => {
      const extensions = a.groupContext.extensions;
      for (const [i, ext] of extensions.entries()) {
        if (typeof ext.extensionType !== "number" || ext.extensionType < 0xf000) continue;
        await fuzz({
          name: `extension-${ext.extensionType.toString(16)}`,
          seeds: () => [ext.extensionData],
          run: (data) =>
            readGroupExtensions(
              extensions.map((e, j) => (j === i ? { ...e, extensionData: data } : e)),
            ),
          typed: [MlsEngineError],
        });
      }
    },
    TEST_MS,
  );

  it(
    "plaintext envelopes and content: decoded or their typed errors",
    async () => {
      const codecs = CodecRegistry.withDefaults();
      const content = toBinary(
        EncodedContentSchema,
        create(EncodedContentSchema, {
          type: { authorityId: "xmtp.org", typeId: "text", versionMajor: 1, versionMinor: 0 },
          parameters: { encoding: "UTF-8" },
          content: text("hello"),
        }),
      );
      await fuzz({
        name: "plaintext-envelope",
        seeds: () => [encodePlaintextEnvelope({ content, idempotencyKey: "1795313242025852237" })],
        run: decodePlaintextEnvelope,
        typed: [MlsEngineError],
      });
      await fuzz({
        name: "encoded-content",
        seeds: () => [content],
        run: (bytes) => decodeContent(codecs, bytes),
        typed: [ContentTypesError],
      });
    },
    TEST_MS,
  );

  it(
    "identity updates (libxmtp's): verified or IdentityError",
    async () => {
      const seeds = fixtureIndex.files
        .filter((f) => f.rpc === "PublishIdentityUpdate" && f.direction === "request")
        .map((f) => {
          const update = fromBinary(
            PublishIdentityUpdateRequestSchema,
            fixtureBytes(f.file),
          ).identityUpdate;
          return toBinary(IdentityUpdateSchema, update!);
        });
      await fuzz({
        name: "identity-update",
        seeds: () => seeds,
        run: (bytes) => verifyIdentityUpdate(decodeIdentityUpdate(bytes)),
        typed: [IdentityError],
      });
    },
    TEST_MS,
  );

  it(
    "archives: imported or ArchiveError, the database unchanged",
    async () => {
      const key = new Uint8Array(32).fill(3);
      const source = await openSqlite({ path: ":memory:" });
      const g = await newMember();
      await source.consent.set([
        { entityType: 2, entity: "ab".repeat(32), state: 1, consentedAtNs: 5n },
      ]);
      const archive = await exportArchiveBytes(source, {}, key);
      await source.close();
      const target = await openSqlite({ path: ":memory:" });
      await fuzz({
        name: "archive",
        seeds: () => [archive],
        run: async (bytes) => {
          const before = JSON.stringify(await target.consent.list(), (_, v) =>
            typeof v === "bigint" ? v.toString() : v,
          );
          try {
            await importArchive(target, g.identity.inboxId, bytes, key);
          } catch (e) {
            const after = JSON.stringify(await target.consent.list(), (_, v) =>
              typeof v === "bigint" ? v.toString() : v,
            );
            if (after !== before) throw new Error("a failed import changed the database");
            throw e;
          }
        },
        typed: [ClientError],
      });
      await target.close();
    },
    TEST_MS,
  );
});
