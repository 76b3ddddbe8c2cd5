// The demo behind `pnpm demo`: a local @x/node on SQLite, three clients of ours and one real
// libxmtp 1.5.4 client; a group and a DM; every message is read back by every other member, and
// live streams show them arriving. Prints a transcript and checks it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type RunningNode, startNode } from "@x/node";
import {
  Libxmtp191Member,
  type LibxmtpLike,
  LibxmtpMember,
  type Member,
  type Network,
  OurMember,
} from "./members.js";

export interface DemoOptions {
  /** Where each transcript line goes. */
  print(line: string): void;
  /** Progress notes (e.g. to stderr); default: none. */
  progress?(line: string): void;
  /**
   * "d14n": everyone talks to the node's d14n listener (our clients through @x/api-d14n, the
   * libxmtp member is 1.9.1 in d14n mode). Default "v3" (libxmtp 1.5.4).
   */
  network?: Network;
}

export interface DemoResult {
  /** Failed checks; empty when everything every member read matched what was sent. */
  failures: string[];
}

const GROUP_NAME = "XMTP demo";

interface Said {
  from: Member;
  text: string;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { print } = options;
  const progress = options.progress ?? (() => {});
  const started = Date.now();
  const failures: string[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "x-demo-"));
  let node: RunningNode | undefined;
  const members: Member[] = [];
  let closeStream: (() => void) | undefined;
  try {
    progress("starting a local XMTP node…");
    const network = options.network ?? "v3";
    node = await startNode({
      port: 0,
      webPort: null,
      d14nPort: network === "d14n" ? 0 : null,
      db: path.join(dir, "node.sqlite"),
    });
    const url = network === "d14n" ? node.d14nUrl! : node.url;
    progress("registering four clients…");
    const alice = await OurMember.create("alice", url, dir, network);
    const bob = await OurMember.create("bob", url, dir, network);
    const carol = await OurMember.create("carol", url, dir, network);
    const dave: LibxmtpLike =
      network === "d14n"
        ? await Libxmtp191Member.create("dave", url, dir)
        : await LibxmtpMember.create("dave", url, dir);
    members.push(alice, bob, carol, dave);
    const nameOf = (inboxId: string) => members.find((m) => m.inboxId === inboxId)?.name ?? "?";

    print(
      `XMTP demo: 3 clients of ours (@x/mls) and 1 real ${dave.implementation} client, through @x/node${network === "d14n" ? " on d14n" : ""}`,
    );
    print("");
    print(
      `  node   ${url}  (${network === "d14n" ? "d14n gateway + node, " : ""}SQLite ${path.join(dir, "node.sqlite")})`,
    );
    for (const m of members) {
      print(`  ${m.name.padEnd(6)} ${m.implementation.padEnd(14)} ${m.address}`);
    }

    // dave (libxmtp) listens to everything, live, from before the group exists.
    const streamed: { conversationId: string; sender: string; text: string }[] = [];
    const endDaveStream = await dave.streamTexts((m) =>
      streamed.push({
        conversationId: m.conversationId,
        sender: nameOf(m.senderInboxId),
        text: m.text,
      }),
    );
    // bob (ours) too: every conversation, live, with @x/mls's streamAllMessages.
    const bobStreamed: { conversationId: string; sender: string; text: string }[] = [];
    const bobStream = await bob.client.conversations.streamAllMessages({
      onValue: (m) => {
        if (typeof m.content !== "string") return;
        bobStreamed.push({
          conversationId: m.conversationId,
          sender: nameOf(m.senderInboxId),
          text: m.content,
        });
      },
    });
    closeStream = () => {
      endDaveStream();
      void bobStream.end();
    };

    // The group.
    const group = await alice.client.conversations.createGroup(
      [bob.inboxId, carol.inboxId, dave.inboxId],
      { name: GROUP_NAME },
    );
    print("");
    print(`Group "${GROUP_NAME}" ${group.id}: alice created it with bob, carol and dave`);
    const groupScript: Said[] = [
      { from: alice, text: "Welcome, everyone: this group is end-to-end encrypted with MLS." },
      {
        from: dave,
        text: `Hello from ${dave.implementation}, the Rust client behind the official SDKs!`,
      },
      { from: bob, text: "Hi dave, bob here, on the TypeScript client." },
      { from: carol, text: "carol too. Lunch at noon?" },
    ];
    await converse(group.id, groupScript, members, print, failures);

    // The DM: the libxmtp client opens it.
    const dmId = await dave.openDm(alice.inboxId);
    print("");
    print(`DM ${dmId}: dave (libxmtp) opened it with alice`);
    const dmScript: Said[] = [
      { from: dave, text: "psst alice, a DM from libxmtp" },
      { from: alice, text: "Got it, dave. Answering from @x/mls." },
    ];
    await converse(dmId, dmScript, [alice, dave], print, failures);

    // The live stream.
    const expected = [
      ...groupScript.map((s) => ({ conversationId: group.id, sender: s.from.name, text: s.text })),
      ...dmScript.map((s) => ({ conversationId: dmId, sender: s.from.name, text: s.text })),
    ];
    const bobExpected = expected.filter((e) => e.conversationId === group.id);
    const deadline = Date.now() + 10_000;
    while (
      (streamed.length < expected.length || bobStreamed.length < bobExpected.length) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const where = (id: string) => (id === group.id ? "group" : id === dmId ? "DM" : "?").padEnd(5);
    print("");
    print("Live streams, open since before the group existed:");
    print(`  dave (libxmtp streamAllMessages) got ${streamed.length} messages:`);
    for (const s of streamed) print(`    [${where(s.conversationId)}] ${s.sender}: ${s.text}`);
    print(`  bob (@x/mls streamAllMessages) got ${bobStreamed.length} messages:`);
    for (const s of bobStreamed) print(`    [${where(s.conversationId)}] ${s.sender}: ${s.text}`);
    const check = (who: string, got: typeof streamed, want: typeof expected) => {
      for (const e of want) {
        const n = got.filter((s) => s.text === e.text && s.conversationId === e.conversationId);
        if (n.length !== 1) {
          failures.push(`${who}'s stream got ${e.sender}'s "${e.text}" ${n.length} times`);
        }
      }
      if (got.length !== want.length) failures.push(`${who}'s stream got ${got.length} messages`);
    };
    check("dave", streamed, expected);
    check("bob", bobStreamed, bobExpected);

    print("");
    if (failures.length === 0) {
      print(
        `All checks passed: ${groupScript.length} group messages read by all 4 members, ${dmScript.length} DM messages read by both, every message streamed live once.`,
      );
    } else {
      print(`${failures.length} check(s) failed:`);
      for (const f of failures) print(`  ✗ ${f}`);
    }
    print(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return { failures };
  } finally {
    closeStream?.();
    for (const m of members) await m.close().catch(() => {});
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each line is sent, then every other member fetches and must have read it. */
async function converse(
  conversationId: string,
  script: readonly Said[],
  members: readonly Member[],
  print: (line: string) => void,
  failures: string[],
): Promise<void> {
  for (const { from, text } of script) {
    await from.send(conversationId, text);
    const readers: string[] = [];
    for (const m of members) {
      if (m === from) continue;
      const texts = await m.read(conversationId);
      if (texts.includes(text)) readers.push(m.name);
      else failures.push(`${m.name} did not read ${from.name}'s "${text}"`);
    }
    print(`  ${from.name.padEnd(6)} ${text}`);
    print(`         ✓ read by ${readers.join(", ")}`);
  }
  // Everyone ends with the same transcript, in the same order.
  const transcripts = await Promise.all(members.map((m) => m.read(conversationId)));
  const want = script.map((s) => s.text);
  members.forEach((m, i) => {
    if (JSON.stringify(transcripts[i]) !== JSON.stringify(want)) {
      failures.push(`${m.name}'s transcript differs: ${JSON.stringify(transcripts[i])}`);
    }
  });
}
