// Client.create / Client.build against an in-memory identity service: where the database goes,
// what a new installation does, the installation limit and its way out, disableAutoRegister.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inboxIdFor } from "@x/id";
import { create } from "@x/proto";
import { WelcomeMessageSchema } from "@x/proto/mls/api/v1";
import { afterAll, describe, expect, it } from "vitest";
import { FakeNetwork } from "../test-utils/fake-network.js";
import { Client } from "./client.js";
import type { Logger } from "./logger.js";
import type { ClientOptions } from "./options.js";
import { createSigner } from "./signer.js";

const dir = mkdtempSync(path.join(tmpdir(), "x-sdk-client-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (name = "db") => path.join(dir, `${n++}-${name}.db3`);

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push(`${level} ${args.join(" ")}`);
  return { lines, error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
}

function options(api: FakeNetwork, extra: ClientOptions = {}): ClientOptions {
  return { api, disableWorkers: true, disableDeviceSync: true, loggingLevel: "off", ...extra };
}

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error("expected a failure");
}

const inboxOf = (signer: ReturnType<typeof createSigner>) =>
  inboxIdFor({ kind: "ethereum", address: signer.address }, 1n);

describe("Client.create", () => {
  it("registers a new inbox; dbPath as a function gets its inbox id first", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const asked: string[] = [];
    const target = path.join(dir, "per-inbox");
    const client = await Client.create(
      signer,
      options(api, {
        dbPath: (inboxId) => {
          asked.push(inboxId);
          return path.join(target, `${inboxId}.db3`); // the directory is made
        },
      }),
    );
    expect(asked).toEqual([inboxOf(signer)]);
    expect(client.inboxId).toBe(inboxOf(signer));
    expect(client.isRegistered).toBe(true);
    expect(client.accountIdentifier).toEqual({
      identifier: signer.address,
      identifierKind: 0,
    });
    expect(client.installationId).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(path.join(target, `${client.inboxId}.db3`))).toBe(true);
    expect(api.count("publishIdentityUpdate")).toBe(1);
    await client.close();
    await client.close(); // twice is fine
  });

  it("reopens the same installation from the same file, publishing nothing", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const dbPath = file();
    const first = await Client.create(signer, options(api, { dbPath }));
    await first.close();
    const again = await Client.create(signer, options(api, { dbPath }));
    expect(again.installationId).toBe(first.installationId);
    expect(api.count("publishIdentityUpdate")).toBe(1);
    await again.close();
  });

  it("null is a database in memory: every create is a new installation", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const a = await Client.create(signer, options(api, { dbPath: null }));
    const b = await Client.create(signer, options(api, { dbPath: null }));
    expect(b.inboxId).toBe(a.inboxId);
    expect(b.installationId).not.toBe(a.installationId);
    const [state] = await Client.fetchInboxStates([a.inboxId], { api });
    expect(state!.installations.map((i) => i.id).sort()).toEqual(
      [a.installationId, b.installationId].sort(),
    );
    expect(state!.recoveryIdentifier).toEqual({ identifier: signer.address, identifierKind: 0 });
    await Promise.all([a.close(), b.close()]);
  });

  it("the default file is xmtp-<env>-<inboxId>.db3 in the current directory", async () => {
    const cwd = process.cwd();
    const here = mkdtempSync(path.join(dir, "cwd-"));
    process.chdir(here);
    try {
      const api = new FakeNetwork();
      const signer = createSigner();
      const client = await Client.create(signer, options(api, { env: "local" }));
      expect(existsSync(path.join(here, `xmtp-local-${client.inboxId}.db3`))).toBe(true);
      await client.close();
    } finally {
      process.chdir(cwd);
    }
  });

  it("an encrypted file does not open with another key", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const dbPath = file("encrypted");
    const key = new Uint8Array(32).fill(1);
    await (await Client.create(signer, options(api, { dbPath, dbEncryptionKey: key }))).close();
    const e = await failure(
      Client.create(signer, options(api, { dbPath, dbEncryptionKey: new Uint8Array(32).fill(2) })),
    );
    expect(e.code).toBe("db.key");
    const e2 = await failure(
      Client.create(signer, options(api, { dbPath: null, dbEncryptionKey: key })),
    );
    expect(e2.code).toBe("SDK_INVALID_OPTION");
  });

  it("logs which installations an inbox has when it makes another one", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const first = await Client.create(signer, options(api, { dbPath: null }));
    const log = recorder();
    const second = await Client.create(
      signer,
      options(api, { dbPath: null, logger: log, loggingLevel: "warn" }),
    );
    const warning = log.lines.find((l) => l.startsWith("warn"));
    expect(warning).toContain(
      `inbox ${first.inboxId}, which already has 1 (${first.installationId})`,
    );
    expect(warning).toContain("installation 2 of at most 10");
    expect(warning).toContain("Client.revokeInstallations");
    await Promise.all([first.close(), second.close()]);
  });

  it("refuseNewInstallation refuses a new installation for an inbox that has one", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const first = await Client.create(signer, options(api, { dbPath: null }));
    const published = api.count("publishIdentityUpdate");
    const dbPath = file("refused");
    const e = await failure(
      Client.create(signer, options(api, { dbPath, refuseNewInstallation: true })),
    );
    expect(e.code).toBe("SDK_NEW_INSTALLATION_REFUSED");
    expect(e.message).toContain(first.installationId);
    expect(e.message).toContain(dbPath);
    expect(api.count("publishIdentityUpdate")).toBe(published);
    expect(api.keyPackages).toBe(1); // nothing uploaded for the refused one
    // A brand-new inbox is not refused: it has no installation to lose.
    const other = await Client.create(
      createSigner(),
      options(api, { dbPath: null, refuseNewInstallation: true }),
    );
    await Promise.all([first.close(), other.close()]);
  });

  it("at 10 installations the error says how to revoke without a client, and that works", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const clients: Client[] = [];
    for (let i = 0; i < 10; i++)
      clients.push(await Client.create(signer, options(api, { dbPath: null })));
    const e = await failure(Client.create(signer, options(api, { dbPath: null })));
    expect(e.code).toBe("CLIENT_INSTALLATION_LIMIT");
    expect(e.message).toContain(`Client.revokeInstallations(signer, "${clients[0]!.inboxId}", ["`);
    expect(e.message).toContain(clients[0]!.installationId);
    // The way out: revoke two, client-less, signed by the recovery wallet.
    await Client.revokeInstallations(
      signer,
      clients[0]!.inboxId,
      [clients[0]!.installationId, clients[1]!.installationIdBytes],
      { api },
    );
    const [state] = await Client.fetchInboxStates([clients[0]!.inboxId], { api });
    expect(state!.installations).toHaveLength(8);
    const eleventh = await Client.create(signer, options(api, { dbPath: null }));
    expect(eleventh.isRegistered).toBe(true);
    await Promise.all([...clients, eleventh].map((c) => c.close()));
  });
});

describe("Client.build", () => {
  it("opens a registered installation without a signer", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const dbPath = file("build");
    const made = await Client.create(signer, options(api, { dbPath }));
    await made.close();
    const other = await Client.create(signer, options(api, { dbPath: null }));
    const built = await Client.build(await signer.getIdentifier(), options(api, { dbPath }));
    expect(built.installationId).toBe(made.installationId);
    expect(built.signer).toBeUndefined();
    const e = await failure(built.revokeAllOtherInstallations());
    expect(e.code).toBe("SDK_SIGNER_UNAVAILABLE");
    await Promise.all([built.close(), other.close()]);
  });

  it("refuses a database with no installation, and an identifier with no inbox", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const none = await failure(
      Client.build(
        await signer.getIdentifier(),
        options(api, { dbPath: (id) => path.join(dir, `b-${id}.db3`) }),
      ),
    );
    expect(none.code).toBe("CLIENT_INBOX_NOT_FOUND");
    await (await Client.create(signer, options(api, { dbPath: null }))).close();
    const empty = await failure(
      Client.build(await signer.getIdentifier(), options(api, { dbPath: file("empty") })),
    );
    expect(empty.code).toBe("CLIENT_NOT_REGISTERED");
  });
});

describe("disableAutoRegister", () => {
  it("knows its inbox and installation, registers on register()", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const client = await Client.create(
      signer,
      options(api, { dbPath: file("later"), disableAutoRegister: true }),
    );
    expect(client.isRegistered).toBe(false);
    expect(client.inboxId).toBe(inboxOf(signer));
    const planned = client.installationId;
    expect(api.count("publishIdentityUpdate")).toBe(0);
    expect(() => client.conversations).toThrow(/client.register\(\)/);
    expect(
      (await Client.canMessage([await signer.getIdentifier()], { api })).get(signer.address),
    ).toBe(false);
    await client.register();
    expect(client.isRegistered).toBe(true);
    expect(client.installationId).toBe(planned);
    expect(api.count("publishIdentityUpdate")).toBe(1);
    expect(await client.canMessage([await signer.getIdentifier()])).toEqual(
      new Map([[signer.address, true]]),
    );
    await client.close();
  });
});

describe("lookups and statistics", () => {
  it("fetch* asks the network, get* this database", async () => {
    const api = new FakeNetwork();
    const a = createSigner();
    const b = createSigner();
    const ca = await Client.create(a, options(api, { dbPath: null }));
    const cb = await Client.create(b, options(api, { dbPath: null }));
    const bId = await b.getIdentifier();
    expect(await ca.getInboxIdByIdentifier(bId)).toBeUndefined();
    expect(await ca.fetchInboxIdByIdentifier(bId)).toBe(cb.inboxId);
    expect(await ca.getInboxIdByIdentifier(bId)).toBe(cb.inboxId);
    const before = ca.debugInformation.apiIdentityStatistics().getInboxIds;
    await ca.canMessage([bId]);
    expect(ca.debugInformation.apiIdentityStatistics().getInboxIds).toBe(before + 1n);
    expect(ca.debugInformation.apiStatistics().uploadKeyPackage).toBe(1n);
    expect(ca.debugInformation.apiAggregateStatistics()).toMatch(/publishIdentityUpdate: 1/);
    ca.debugInformation.clearAllStatistics();
    expect(ca.debugInformation.apiIdentityStatistics().getInboxIds).toBe(0n);
    const [state] = await ca.preferences.getInboxStates([ca.inboxId]);
    expect(state!.installations.map((i) => i.id)).toEqual([ca.installationId]);
    await Promise.all([ca.close(), cb.close()]);
  });

  it("static functions check their arguments before any call", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    expect((await failure(Client.fetchInboxStates(["nope"], { api }))).code).toBe(
      "SDK_INVALID_ARGUMENT",
    );
    expect((await failure(Client.fetchInboxStates("x" as never, { api }))).code).toBe(
      "SDK_INVALID_ARGUMENT",
    );
    expect((await failure(Client.canMessage([{ identifier: "bob" }] as never, { api }))).code).toBe(
      "SDK_INVALID_IDENTIFIER",
    );
    expect(
      (await failure(Client.revokeInstallations({} as never, "ab".repeat(32), [], { api }))).code,
    ).toBe("SDK_INVALID_SIGNER");
    expect((await failure(Client.revokeInstallations(signer, "AB", [], { api }))).code).toBe(
      "SDK_INVALID_ARGUMENT",
    );
    expect(
      (await failure(Client.revokeInstallations(signer, "ab".repeat(32), ["12"], { api }))).code,
    ).toBe("SDK_INVALID_ARGUMENT");
    expect((await failure(Client.fetchInboxStates([], "testnet" as never))).code).toBe(
      "SDK_INVALID_OPTION",
    );
    expect(api.calls).toEqual([]);
  });

  it("count identity updates and check members without a client", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const a = await Client.create(signer, options(api, { dbPath: null }));
    const b = await Client.create(signer, options(api, { dbPath: null }));
    const other = "ab".repeat(32);
    expect(await Client.fetchLatestInboxUpdatesCount([a.inboxId, other], { api })).toEqual({
      [a.inboxId]: 2,
      [other]: 0,
    });
    expect(await a.fetchOwnInboxUpdatesCount()).toBe(2);
    expect(await Client.isAddressAuthorized(a.inboxId, signer.address, { api })).toBe(true);
    expect(await Client.isAddressAuthorized(a.inboxId, createSigner().address, { api })).toBe(
      false,
    );
    expect(await Client.isInstallationAuthorized(a.inboxId, b.installationId, { api })).toBe(true);
    await Client.revokeInstallations(signer, a.inboxId, [b.installationId], { api });
    expect(await Client.isInstallationAuthorized(a.inboxId, b.installationIdBytes, { api })).toBe(
      false,
    );
    expect(await a.fetchOwnInboxUpdatesCount()).toBe(3);
    await Promise.all([a.close(), b.close()]);
  });

  it("revoking needs the recovery identifier and installations of the inbox", async () => {
    const api = new FakeNetwork();
    const signer = createSigner();
    const client = await Client.create(signer, options(api, { dbPath: null }));
    const stranger = await failure(
      Client.revokeInstallations(createSigner(), client.inboxId, [client.installationId], { api }),
    );
    expect(stranger.code).toBe("CLIENT_RECOVERY_SIGNER_REQUIRED");
    const unknown = await failure(
      Client.revokeInstallations(signer, client.inboxId, ["ab".repeat(32)], { api }),
    );
    expect(unknown.code).toBe("CLIENT_INVALID_ARGUMENT");
    const missing = await failure(Client.fetchInboxStates(["cd".repeat(32)], { api }));
    expect(missing.code).toBe("CLIENT_INBOX_NOT_FOUND");
    await client.close();
  });
});

describe("skipped messages", () => {
  it("are logged and emitted, and still reach onSkipped", async () => {
    const api = new FakeNetwork();
    const log = recorder();
    const told: unknown[] = [];
    const client = await Client.create(
      createSigner(),
      options(api, {
        dbPath: null,
        logger: log,
        loggingLevel: "warn",
        onSkipped: (e) => told.push(e),
      }),
    );
    const events: { cursor: bigint; conversationId: string | undefined }[] = [];
    client.on("skipped", (e) => events.push(e));
    api.welcomes.push(
      create(WelcomeMessageSchema, {
        version: {
          case: "v1",
          value: {
            id: 7n,
            installationKey: client.installationIdBytes,
            data: new Uint8Array(40),
            hpkePublicKey: new Uint8Array(32).fill(9),
          },
        },
      }),
    );
    await client.conversations.sync();
    expect(events).toEqual([{ error: expect.anything(), cursor: 7n, conversationId: undefined }]);
    expect(told).toHaveLength(1);
    expect(log.lines.filter((l) => l.startsWith("warn"))).toEqual([
      expect.stringMatching(/skipped a welcome at cursor 7: MLS_WELCOME_NOT_FOR_US/),
    ]);
    await client.conversations.sync(); // skipped once: the cursor moved past it
    expect(events).toHaveLength(1);
    await client.close();
  });
});
