// What npm installs is what we test. Every publishable package is packed and installed with npm
// into a project outside the workspace (project.ts); then, from that project only:
// - the install is clean on Node 20 (no engine or peer warnings, every runtime dependency admits
//   Node 20.19+, one copy of each @noble/* and @hpke/* package our packages use, one native
//   SQLite module, ts-mls straight from the registry);
// - a consumer file type-checks with moduleResolution nodenext and bundler;
// - the README's "Use it in your app" example runs as it stands, and a libxmtp 1.9.1 user gets
//   its answer;
// - our installed client, against the installed x-node, follows a group a real libxmtp 1.9.1
//   client created through a rename, an add and a remove, sending after each step, with libxmtp
//   seeing every name and message and the epochs matching; and DMs go both ways.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createLibxmtp191, eventually, type Libxmtp191, TempDir } from "@x/testing/libxmtp";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Child, OursProcess, run, startInstalledNode } from "./processes.js";
import {
  APP_DEPENDENCIES,
  cleanEnv,
  type InstalledPackage,
  installedPackages,
  makeReleaseProject,
  publishablePackages,
  type ReleaseProject,
  ROOT,
  removeReleaseProject,
} from "./project.js";

/** The Node versions our packages declare (engines) and every runtime dependency must admit. */
const NODE_20 = ">=20.19.0 <21.0.0-0";

let project: ReleaseProject;
let installed: InstalledPackage[];
const dir = new TempDir("x-release-run-");
let node: { url: string; d14nUrl: string; child: Child };
const peers: Libxmtp191[] = [];

beforeAll(async () => {
  project = makeReleaseProject();
  installed = installedPackages(project.dir);
  node = await startInstalledNode(project.dir, dir.file("node.sqlite"));
}, 900_000);

afterAll(async () => {
  await node?.child.stop();
  dir.remove();
  if (project !== undefined) removeReleaseProject(project);
});

const ours = new Set(publishablePackages().map((p) => p.name));
const runtime = () => installed.filter((p) => !p.dev);

describe("the packed packages installed with npm outside the workspace", () => {
  it("installs every publishable package, and npm prints no engine or peer warning", () => {
    expect(Object.keys(project.tarballs).sort()).toEqual([...ours].sort());
    for (const name of ours) expect(installed.map((p) => p.name)).toContain(name);
    const warnings = project.installLog
      .split("\n")
      .filter((l) => /EBADENGINE|ERESOLVE|peer dep|conflicting peer|invalid/i.test(l));
    expect(warnings, project.installLog).toEqual([]);
  });

  it("has only runtime dependencies that admit every Node 20 from 20.19 (their engines)", () => {
    const table = runtime().map((p) => `${p.name}@${p.version}  ${p.engines?.node ?? "(none)"}`);
    console.log(`runtime packages and their declared engines:\n${table.join("\n")}`);
    const refusing = runtime().filter(
      (p) => p.engines?.node !== undefined && !semver.subset(NODE_20, p.engines.node),
    );
    expect(refusing.map((p) => `${p.name}@${p.version} (${p.engines?.node})`)).toEqual([]);
    for (const name of ours) {
      expect(installed.find((p) => p.name === name)?.engines?.node).toBe(">=20.19.0");
    }
  });

  it("resolves one version of each @noble/* and @hpke/* package from our packages and ts-mls", () => {
    const versions = new Map<string, Set<string>>();
    const users = installed.filter((p) => ours.has(p.name) || p.name === "ts-mls");
    for (const user of users) {
      const manifest = JSON.parse(
        readFileSync(path.join(project.dir, user.location, "package.json"), "utf8"),
      ) as { dependencies?: object; peerDependencies?: object };
      const names = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
      for (const dep of names.filter((n) => /^@(noble|hpke)\//.test(n))) {
        const found = resolveFrom(user.location, dep);
        if (found === undefined) continue; // an optional peer nobody installed
        versions.set(dep, (versions.get(dep) ?? new Set()).add(found.version));
      }
    }
    const duplicated = [...versions].filter(([, v]) => v.size > 1);
    expect(duplicated.map(([n, v]) => `${n}: ${[...v].join(", ")}`)).toEqual([]);
    expect(versions.get("@noble/curves")).toEqual(new Set(["2.0.1"]));
  });

  it("builds one native SQLite module, the SQLCipher-capable one, and takes ts-mls from the registry", () => {
    const natives = execFileSync(
      "find",
      ["node_modules", "-name", "*.node", "-path", "*Release/*"],
      {
        cwd: project.dir,
        encoding: "utf8",
      },
    )
      .split("\n")
      .filter((f) => f !== "" && !f.includes("obj.target") && !f.includes("test_extension"));
    expect(natives).toEqual([
      "node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node",
    ]);
    expect(installed.map((p) => p.name)).not.toContain("better-sqlite3");
    // npm checked the tarball against this integrity when it installed it: the registry's own.
    const lock = JSON.parse(readFileSync(path.join(project.dir, "package-lock.json"), "utf8"));
    const tsMls = lock.packages["node_modules/ts-mls"];
    expect(tsMls.version).toBe("1.6.4");
    const registry = execFileSync("npm", ["view", "ts-mls@1.6.4", "dist.integrity"], {
      cwd: project.dir,
      env: cleanEnv(),
      encoding: "utf8",
    }).trim();
    expect(tsMls.integrity).toBe(registry);
  });

  it.each(["nodenext", "bundler"])(
    "type-checks a consumer file with moduleResolution %s",
    (resolution) => {
      const tsconfig = path.join(project.dir, `tsconfig.${resolution}.json`);
      writeFileSync(
        tsconfig,
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            lib: ["ES2023", "DOM"],
            module: resolution === "nodenext" ? "NodeNext" : "ESNext",
            moduleResolution: resolution,
            types: ["node"],
            strict: true,
            skipLibCheck: false,
            noEmit: true,
          },
          files: ["consumer.ts"],
        }),
      );
      const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
      let output = "";
      try {
        execFileSync(process.execPath, [tsc, "-p", tsconfig], {
          cwd: project.dir,
          encoding: "utf8",
        });
      } catch (e) {
        output = String((e as { stdout?: string }).stdout ?? e);
      }
      // Errors inside other libraries' declarations (viem 2.21's webauthn-p256 under TS 5.9) are
      // theirs; ours and the consumer's must be none.
      const lines = output.split("\n").filter((l) => l.trim() !== "" && !/^\s/.test(l));
      const theirs = lines.filter(
        (l) => l.startsWith("node_modules/") && !l.startsWith("node_modules/@x/"),
      );
      if (theirs.length > 0) console.log(`errors in other libraries' types:\n${theirs.join("\n")}`);
      expect(lines.filter((l) => !theirs.includes(l))).toEqual([]);
    },
    120_000,
  );
});

describe("from the installed packages, with real libxmtp 1.9.1", () => {
  /** A libxmtp 1.9.1 user on v3, or with `d14n` created with gatewayHost = the node's d14n URL. */
  const libxmtp = async (d14n = false) => {
    const peer = await createLibxmtp191(node.url, dir.unique("libxmtp.db3"), {
      appVersion: "release-test-1.9.1",
      ...(d14n ? { gatewayHost: node.d14nUrl } : {}),
    });
    peers.push(peer);
    return peer.client;
  };
  type Sdk = Awaited<ReturnType<typeof libxmtp>>;
  type SdkGroup = NonNullable<Awaited<ReturnType<Sdk["conversations"]["getConversationById"]>>>;

  async function texts(c: SdkGroup): Promise<string[]> {
    await c.sync();
    return (await c.messages())
      .filter((m) => m.contentType?.typeId === "text")
      .map((m) => String(m.content));
  }
  async function find(client: Sdk, id: string): Promise<SdkGroup> {
    await client.conversations.sync();
    const c = await client.conversations.getConversationById(id);
    if (c === undefined) throw new Error(`libxmtp has no conversation ${id}`);
    await c.sync();
    return c;
  }
  const epochOf = async (c: SdkGroup) => String((await c.debugInfo()).epoch);

  type Described = { name: string; epoch: string; members: string[]; texts: string[] };

  let client: OursProcess;
  beforeAll(async () => {
    client = await OursProcess.start(project.dir, node.url, dir.file("ours.sqlite"));
  }, 60_000);
  afterAll(async () => {
    await client?.stop();
  });

  it("runs the README's example as it stands: a libxmtp user DMs the bot and gets its echo", async () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const example = /<!-- tested by tooling\/release -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
    if (example === undefined) throw new Error("README.md has no tested example");
    expect(example.trimEnd().split("\n").length).toBeLessThanOrEqual(16);
    const install = /```sh\n(npm install [^\n]*)/.exec(
      readme.slice(readme.indexOf("## Use it")),
    )?.[1];
    for (const dep of Object.keys(APP_DEPENDENCIES)) expect(install).toContain(dep);
    for (const pkg of ["@x/mls", "@x/api-grpc", "@x/db"]) expect(install).toContain(pkg);
    writeFileSync(path.join(project.dir, "app.mjs"), example);

    const bot = run(project.dir, "app.mjs", [], { XMTP_URL: node.url });
    try {
      const ready = await bot.line((l) => /inbox [0-9a-f]{64}/.test(l));
      const botInbox = /inbox ([0-9a-f]{64})/.exec(ready)![1]!;
      const user = await libxmtp();
      const dm = await user.conversations.createDm(botInbox);
      await dm.sendText("hello bot");
      await eventually(
        async () => (await texts(dm)).includes("echo: hello bot"),
        "the bot's echo",
        { timeoutMs: 30_000 },
      );
      expect(await texts(dm)).toEqual(["hello bot", "echo: hello bot"]);
    } finally {
      await bot.stop();
    }
  }, 90_000);

  it("runs the README's example switched to d14n by its one documented line: a libxmtp d14n user gets the echo", async () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const example = /<!-- tested by tooling\/release -->\s*```js\n([\s\S]*?)```/.exec(readme)![1]!;
    const d14n = readme.slice(readme.indexOf("### On the decentralized network"));
    const [imp, api] = /```js\n(import [^\n]*)\n( {2}api: [^\n]*)\n```/.exec(d14n)!.slice(1) as [
      string,
      string,
    ];
    const switched = example
      .replace(/^import \{ createGrpcApiClient \} from "@x\/api-grpc";$/m, imp)
      .replace(/^ {2}api: createGrpcApiClient\(.*\),$/m, api);
    expect(switched).not.toContain("api-grpc");
    expect(switched).toContain("createD14nApiClient");
    writeFileSync(path.join(project.dir, "app-d14n.mjs"), switched);

    const bot = run(project.dir, "app-d14n.mjs", [], { XMTP_GATEWAY: node.d14nUrl });
    try {
      const ready = await bot.line((l) => /inbox [0-9a-f]{64}/.test(l));
      const botInbox = /inbox ([0-9a-f]{64})/.exec(ready)![1]!;
      const user = await libxmtp(true);
      const dm = await user.conversations.createDm(botInbox);
      await dm.sendText("hello d14n bot");
      await eventually(
        async () => (await texts(dm)).includes("echo: hello d14n bot"),
        "the bot's echo on d14n",
        { timeoutMs: 30_000 },
      );
      expect(await texts(dm)).toEqual(["hello d14n bot", "echo: hello d14n bot"]);
    } finally {
      await bot.stop();
    }
  }, 90_000);

  it("follows a libxmtp group through rename, add and remove, sending after each step", async () => {
    const me = await client.call<{ inboxId: string }>("whoami");
    const alice = await libxmtp();
    const carol = await libxmtp();
    const theirs = await alice.conversations.createGroup([me.inboxId]);
    // libxmtp's default policy lets only admins remove members.
    await (theirs as unknown as { addAdmin(id: string): Promise<void> }).addAdmin(me.inboxId);
    await theirs.sendText("a0 from libxmtp");
    expect(await client.call<string[]>("syncAll")).toContain(theirs.id);

    const sent: string[] = ["a0 from libxmtp"];
    const expectInStep = async (text: string, readers: SdkGroup[]) => {
      await client.call("send", { id: theirs.id, text });
      sent.push(text);
      const mine = await client.call<Described>("describe", { id: theirs.id });
      expect(mine.texts).toEqual(sent);
      for (const reader of readers) {
        expect((await texts(reader)).slice(-1)).toEqual([text]);
        expect(await epochOf(reader)).toBe(mine.epoch);
      }
      return mine;
    };

    await expectInStep("o1 first from ours", [theirs]);
    expect(await texts(theirs)).toEqual(sent);

    await client.call("rename", { id: theirs.id, name: "renamed by ours" });
    await theirs.sync();
    expect((theirs as unknown as { name: string }).name).toBe("renamed by ours");
    const renamed = await expectInStep("o2 after the rename", [theirs]);
    expect(renamed.name).toBe("renamed by ours");

    await client.call("add", { id: theirs.id, inboxIds: [carol.inboxId] });
    const carolGroup = await find(carol, theirs.id);
    expect((carolGroup as unknown as { name: string }).name).toBe("renamed by ours");
    const added = await expectInStep("o3 after adding carol", [theirs, carolGroup]);
    expect(added.members).toEqual([alice.inboxId, me.inboxId, carol.inboxId].sort());
    expect((await theirs.members()).map((m) => m.inboxId).sort()).toEqual(added.members);

    await client.call("remove", { id: theirs.id, inboxIds: [carol.inboxId] });
    await carolGroup.sync();
    expect(carolGroup.isActive).toBe(false);
    const removed = await expectInStep("o4 after removing carol", [theirs]);
    expect(removed.members).toEqual([alice.inboxId, me.inboxId].sort());
    expect((await theirs.members()).map((m) => m.inboxId).sort()).toEqual(removed.members);

    await theirs.sendText("a1 last from libxmtp");
    sent.push("a1 last from libxmtp");
    const last = await client.call<Described>("describe", { id: theirs.id });
    expect(last.texts).toEqual(sent);
    expect(await texts(theirs)).toEqual(sent);
    expect(await epochOf(theirs)).toBe(last.epoch);
    expect(await client.call("skipped")).toEqual([]);
  }, 180_000);

  it("DMs both ways with libxmtp", async () => {
    const me = await client.call<{ inboxId: string }>("whoami");
    // ours -> libxmtp
    const bob = await libxmtp();
    const dmId = await client.call<string>("createDm", { inboxId: bob.inboxId });
    await client.call("send", { id: dmId, text: "dm from ours" });
    await bob.conversations.sync();
    const bobDm = bob.conversations.getDmByInboxId(me.inboxId) as unknown as SdkGroup;
    expect(bobDm.id).toBe(dmId);
    expect(await texts(bobDm)).toEqual(["dm from ours"]);
    await bobDm.sendText("dm reply from libxmtp");
    const mine = await client.call<Described>("describe", { id: dmId });
    expect(mine.texts).toEqual(["dm from ours", "dm reply from libxmtp"]);
    expect(await epochOf(bobDm)).toBe(mine.epoch);
    // libxmtp -> ours
    const dave = await libxmtp();
    const daveDm = (await dave.conversations.createDm(me.inboxId)) as unknown as SdkGroup;
    await daveDm.sendText("dm from libxmtp");
    const ourId = await client.call<string>("dmWith", { inboxId: dave.inboxId });
    expect(ourId).toBe(daveDm.id);
    await client.call("send", { id: ourId, text: "dm reply from ours" });
    const ourDm = await client.call<Described>("describe", { id: ourId });
    expect(ourDm.texts).toEqual(["dm from libxmtp", "dm reply from ours"]);
    expect(await texts(daveDm)).toEqual(["dm from libxmtp", "dm reply from ours"]);
    expect(await epochOf(daveDm)).toBe(ourDm.epoch);
    expect(await client.call("skipped")).toEqual([]);
  }, 120_000);
});

/** The package `name` as Node would resolve it from `from` (a node_modules location). */
function resolveFrom(from: string, name: string): { version: string } | undefined {
  let at = from;
  for (;;) {
    const candidate = path.join(project.dir, at, "node_modules", name, "package.json");
    try {
      return JSON.parse(readFileSync(candidate, "utf8"));
    } catch {}
    if (at === "") return undefined;
    const up = at.lastIndexOf("node_modules/");
    at = up <= 0 ? "" : at.slice(0, up).replace(/\/$/, "");
  }
}
