// `x` as a user drives it: separate processes, a node started with `x node` on an ephemeral port,
// profiles in a temp home, --json output parsed.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XProcess, x, xJson } from "./test-utils/spawn-x.js";

interface Profile {
  name: string;
  address: string;
  inboxId: string;
  installationId: string;
  url: string;
  dir: string;
}
interface Message {
  conversationId: string;
  senderInboxId: string;
  kind: string;
  text: string;
}
interface ConversationItem {
  id: string;
  type: "group" | "dm";
  name: string | null;
  peerInboxId: string | null;
  members: string[];
}

const home = mkdtempSync(path.join(tmpdir(), "x-cli-"));
let node: XProcess;
let url: string;
let d14nUrl: string;
let alice: Profile;
let bob: Profile;

beforeAll(async () => {
  node = new XProcess(home, ["node", "--port", "0", "--no-web"]);
  ({ url, d14nUrl } = await node.waitFor<{ url: string; d14nUrl: string }>(
    (l) => typeof l.url === "string",
    "node URL",
  ));
  alice = await xJson<Profile>(home, ["init", "--profile", "alice", "--url", url]);
  bob = await xJson<Profile>(home, ["init", "--profile", "bob", "--url", url]);
}, 60_000);

afterAll(async () => {
  const code = await node?.interrupt();
  rmSync(home, { recursive: true, force: true });
  expect(code).toBe(0); // Ctrl-C stops the node cleanly
});

describe("usage", () => {
  it("prints help and exits 0 with --help, 2 without a command or with an unknown one", async () => {
    const help = await x(home, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("x dm <address|inboxId> <text>");
    expect((await x(home, [])).code).toBe(2);
    const bad = await x(home, ["frobnicate"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "frobnicate"');
  });

  it("prints the versions with --version (text and JSON)", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const text = await x(home, ["--version"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(
        `^x ${pkg.version} \\(@x/mls \\S+; wire-compatible with libxmtp 1\\.9\\.1; mls10, `,
      ),
    );
    const json = await x(home, ["--version", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      cli: pkg.version,
      libxmtp: "1.9.1",
      mls: "mls10",
    });
  });

  it("refuses bad options with exit 2 and a JSON error under --json", async () => {
    const r = await x(home, ["messages", "--profile", "alice", "--bogus", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe("cli.usage");
    const env = await x(home, ["list", "--profile", "alice", "--env", "mars"]);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("--env must be local, dev or production");
  });
});

describe("profiles", () => {
  it("x init keeps the keys in 0600 files and an encrypted database; x whoami reads them", async () => {
    const dir = path.join(home, "profiles", "alice");
    expect(alice.dir).toBe(dir);
    for (const f of ["wallet.key", "db.key", "profile.json"]) {
      expect(statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const key = readFileSync(path.join(dir, "wallet.key"), "utf8").trim() as `0x${string}`;
    expect(privateKeyToAccount(key).address).toBe(alice.address);
    // SQLCipher: no plaintext SQLite header
    const header = readFileSync(path.join(dir, "client.db3")).subarray(0, 16).toString("latin1");
    expect(header).not.toBe("SQLite format 3\0");
    const me = await xJson(home, ["whoami", "--profile", "alice"]);
    expect(me).toEqual({
      profile: "alice",
      address: alice.address,
      inboxId: alice.inboxId,
      installationId: alice.installationId,
      url,
    });
    expect(alice.inboxId).toMatch(/^[0-9a-f]{64}$/);
    expect(alice.inboxId).not.toBe(bob.inboxId);
  });

  it("x init --key uses the given wallet; the same profile twice is refused", async () => {
    const key = `0x${"11".repeat(32)}`;
    const p = await xJson<Profile>(home, [
      "init",
      "--profile",
      "keyed",
      "--key",
      key,
      "--url",
      url,
    ]);
    expect(p.address).toBe(privateKeyToAccount(key as `0x${string}`).address);
    const again = await x(home, ["init", "--profile", "keyed", "--url", url, "--json"]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).error.code).toBe("cli.profile_exists");
    const badKey = await x(home, ["init", "--profile", "badkey", "--key", "0x1234", "--url", url]);
    expect(badKey.code).toBe(2);
    expect(existsSync(path.join(home, "profiles", "badkey"))).toBe(false);
  });

  it("without a node, x init says how to start one, exits 3 and leaves no profile", async () => {
    const r = await x(home, ["init", "--profile", "nonode", "--url", "http://127.0.0.1:1"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("no node at http://127.0.0.1:1 — start one with `x node`");
    expect(existsSync(path.join(home, "profiles", "nonode"))).toBe(false);
    const list = await x(home, ["list", "--profile", "alice", "--url", "http://127.0.0.1:1"]);
    expect(list.code).toBe(3);
  });

  it("a missing profile names the command that creates it", async () => {
    const r = await x(home, ["whoami", "--profile", "nobody"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("create one with `x init --profile nobody`");
  });

  it("x inbox lists the installations, marking this one", async () => {
    const inbox = await xJson<{
      inboxId: string;
      identifiers: string[];
      installations: { id: string; current: boolean }[];
    }>(home, ["inbox", "--profile", "bob"]);
    expect(inbox.inboxId).toBe(bob.inboxId);
    expect(inbox.identifiers).toEqual([bob.address.toLowerCase()]);
    expect(inbox.installations).toEqual([{ id: bob.installationId, current: true }]);
  });
});

describe("revoking installations", () => {
  it("x revoke removes the inbox's other installations, signed by the profile's wallet", async () => {
    const key = `0x${"33".repeat(32)}`;
    const laptop = await xJson<Profile>(home, [
      "init",
      "--profile",
      "laptop",
      "--key",
      key,
      "--url",
      url,
    ]);
    const phone = await xJson<Profile>(home, [
      "init",
      "--profile",
      "phone",
      "--key",
      key,
      "--url",
      url,
    ]);
    expect(phone.inboxId).toBe(laptop.inboxId);
    const before = await xJson<{ installations: { id: string }[] }>(home, [
      "inbox",
      "--profile",
      "laptop",
    ]);
    expect(before.installations.map((i) => i.id).sort()).toEqual(
      [laptop.installationId, phone.installationId].sort(),
    );
    const self = await x(home, ["revoke", laptop.installationId, "--profile", "laptop"]);
    expect(self.code).toBe(2);
    const r = await xJson<{ revoked: string[]; installations: string[] }>(home, [
      "revoke",
      "--profile",
      "laptop",
    ]);
    expect(r).toEqual({ revoked: [phone.installationId], installations: [laptop.installationId] });
    const after = await xJson<{ installations: { id: string }[] }>(home, [
      "inbox",
      "--profile",
      "laptop",
    ]);
    expect(after.installations).toEqual([{ id: laptop.installationId, current: true }]);
  });
});

describe("on d14n", () => {
  it("x --d14n registers on the node's d14n listener; the profile remembers the network; v3 profiles cannot reach it", async () => {
    expect(d14nUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(d14nUrl).not.toBe(url);
    const carol = await xJson<Profile & { network: string }>(home, [
      "init",
      "--d14n",
      "--url",
      d14nUrl,
      "--profile",
      "carol-d14n",
    ]);
    // XMTP_D14N=1 selects d14n as --d14n does.
    const dave = await xJson<Profile & { network: string }>(
      home,
      ["init", "--url", d14nUrl, "--profile", "dave-d14n"],
      { XMTP_D14N: "1" },
    );
    expect(carol.network).toBe("d14n");
    expect(carol.url).toBe(d14nUrl);
    expect(dave.network).toBe("d14n");
    // No --d14n needed afterwards: each profile keeps its network and URL.
    await xJson(home, ["dm", dave.address, "hello on d14n", "--profile", "carol-d14n"]);
    const got = await xJson<Message[]>(home, ["messages", carol.address, "--profile", "dave-d14n"]);
    expect(got.filter((m) => m.kind === "application").map((m) => m.text)).toEqual([
      "hello on d14n",
    ]);
    // A v3 profile does not find an inbox that exists only on d14n.
    const across = await x(home, ["dm", carol.address, "hi?", "--profile", "alice", "--json"]);
    expect(across.code).toBe(1);
  });
});

describe("chatting between two profiles", () => {
  it("x dm by address reaches the other profile; x list and x messages show it", async () => {
    const sent = await xJson<{ conversationId: string; messageId: string }>(home, [
      "dm",
      bob.address,
      "hello",
      "bob",
      "--profile",
      "alice",
    ]);
    expect(sent.conversationId).toMatch(/^[0-9a-f]{32}$/);
    const list = await xJson<ConversationItem[]>(home, ["list", "--profile", "bob"]);
    const dm = list.find((c) => c.type === "dm");
    expect(dm?.peerInboxId).toBe(alice.inboxId);
    // bob names the DM by alice's address, and answers by conversation id prefix
    const got = await xJson<Message[]>(home, ["messages", alice.address, "--profile", "bob"]);
    expect(got.filter((m) => m.kind === "application").map((m) => m.text)).toEqual(["hello bob"]);
    expect(got.find((m) => m.text === "hello bob")?.senderInboxId).toBe(alice.inboxId);
    await xJson(home, ["send", dm!.id.slice(0, 8), "hi alice", "--profile", "bob"]);
    const back = await xJson<Message[]>(home, [
      "messages",
      sent.conversationId,
      "--profile",
      "alice",
    ]);
    expect(back.filter((m) => m.kind === "application").map((m) => m.text)).toEqual([
      "hello bob",
      "hi alice",
    ]);
    const human = await x(home, ["messages", sent.conversationId, "--profile", "alice"]);
    expect(human.stdout).toMatch(/me: hello bob\n/);
    expect(human.stdout).toMatch(/0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}: hi alice\n/);
  });

  it("x group create, add and remove change who reads the group", async () => {
    const carol = await xJson<Profile>(home, ["init", "--profile", "carol", "--url", url]);
    const group = await xJson<ConversationItem>(home, [
      "group",
      "create",
      bob.address,
      "--name",
      "lunch",
      "--profile",
      "alice",
    ]);
    expect(group.name).toBe("lunch");
    expect(group.members.sort()).toEqual([alice.inboxId, bob.inboxId].sort());
    await xJson(home, ["send", group.id, "noon?", "--profile", "alice"]);
    const bobSees = await xJson<Message[]>(home, ["messages", group.id, "--profile", "bob"]);
    expect(bobSees.filter((m) => m.kind === "application").map((m) => m.text)).toEqual(["noon?"]);

    const added = await xJson<ConversationItem>(home, [
      "group",
      "add",
      group.id,
      carol.inboxId,
      "--profile",
      "alice",
    ]);
    expect(added.members).toContain(carol.inboxId);
    await xJson(home, ["send", group.id, "yes", "--profile", "bob"]);
    const carolList = await xJson<ConversationItem[]>(home, ["list", "--profile", "carol"]);
    expect(carolList.map((c) => c.id)).toEqual([group.id]);
    expect(carolList[0]?.name).toBe("lunch");
    const carolSees = await xJson<Message[]>(home, ["messages", group.id, "--profile", "carol"]);
    expect(carolSees.filter((m) => m.kind === "application").map((m) => m.text)).toEqual(["yes"]);

    const removed = await xJson<ConversationItem>(home, [
      "group",
      "remove",
      group.id,
      bob.address,
      "--profile",
      "alice",
    ]);
    expect(removed.members.sort()).toEqual([alice.inboxId, carol.inboxId].sort());
    await xJson(home, ["send", group.id, "bob is gone", "--profile", "alice"]);
    const carolAfter = await xJson<Message[]>(home, ["messages", group.id, "--profile", "carol"]);
    expect(carolAfter.map((m) => m.text)).toContain("bob is gone");
    expect(carolAfter.some((m) => m.kind === "membership_change")).toBe(true);
    const bobAfter = await xJson<Message[]>(home, ["messages", group.id, "--profile", "bob"]);
    expect(bobAfter.map((m) => m.text)).not.toContain("bob is gone");
    const sync = await xJson<{ conversations: number }>(home, ["sync", "--profile", "carol"]);
    expect(sync.conversations).toBe(1);
  });

  it("unknown conversations and members get a typed error and exit 1", async () => {
    const r = await x(home, ["send", "abcdef0123", "hi", "--profile", "alice", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe("cli.not_found");
    const stranger = `0x${"22".repeat(20)}`;
    const dm = await x(home, ["dm", stranger, "hi", "--profile", "alice"]);
    expect(dm.code).toBe(1);
    expect(dm.stderr).toContain("has no XMTP inbox");
  });

  it("x stream prints each new message once as a JSON line, new conversations included, until Ctrl-C", async () => {
    const stream = new XProcess(home, ["stream", "--profile", "bob"]);
    try {
      await xJson(home, ["dm", bob.address, "streamed hello", "--profile", "alice"]);
      const got = await stream.waitFor<Message>((m) => m.text === "streamed hello", "the DM");
      expect(got.senderInboxId).toBe(alice.inboxId);
      const group = await xJson<ConversationItem>(home, [
        "group",
        "create",
        bob.inboxId,
        "--name",
        "later",
        "--profile",
        "alice",
      ]);
      await xJson(home, [
        "send",
        group.id,
        "in a group made after the stream",
        "--profile",
        "alice",
      ]);
      await stream.waitFor<Message>(
        (m) => m.text === "in a group made after the stream" && m.conversationId === group.id,
        "the new group's message",
      );
    } finally {
      expect(await stream.interrupt()).toBe(0);
    }
    const texts = (stream.lines as Message[]).map((m) => m.text);
    expect(texts.filter((t) => t === "streamed hello")).toHaveLength(1);
    expect(texts.filter((t) => t === "in a group made after the stream")).toHaveLength(1);
  });
});
