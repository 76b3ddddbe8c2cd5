// Consent in our client (@x/mls), libxmtp's semantics, through a real @x/node: defaults (creating
// or sending means "allowed", being added means "unknown", a DM follows its peer inbox), explicit
// changes, and the consent filters of list, syncAll and streamAllMessages.
import { type RunningNode, startNode } from "@x/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Peer154, peer154, TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";
import { delay, record, textsOf, until } from "./test-utils/streams.js";

describe("consent in our client", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let a: OurPeer;
  let b: OurPeer;
  let l: Peer154;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    a = await ourPeer(node.url, dir);
    b = await ourPeer(node.url, dir);
    l = await peer154(node.url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    await a?.db.close();
    await b?.db.close();
    dir.remove();
  });

  const ids = (cs: { id: string }[]) => cs.map((c) => c.id).sort();

  it("defaults: created and sent-in conversations are allowed, joined ones unknown, a DM follows its peer inbox", async () => {
    const g = await a.client.conversations.createGroup([b.client.inboxId]);
    expect(await g.consentState()).toBe("allowed");
    expect(await a.client.preferences.getConsentState("conversation_id", g.id)).toBe("allowed");
    const dmA = await a.client.conversations.createDm(b.client.inboxId);
    expect(await dmA.consentState()).toBe("allowed");

    await b.client.conversations.sync();
    const gb = (await b.client.conversations.getConversationById(g.id))!;
    expect(await gb.consentState()).toBe("unknown");
    await gb.sendText("I reply, so I consent");
    expect(await gb.consentState()).toBe("allowed");

    // A DM libxmtp starts: unknown; then the peer inbox's consent applies; then its own record.
    const ldm = await l.client.conversations().createDmByInboxId(b.client.inboxId);
    await b.client.conversations.sync();
    const dmB = (await b.client.conversations.getConversationById(ldm.id()))!;
    expect(dmB.conversationType).toBe("dm");
    expect(await dmB.consentState()).toBe("unknown");
    await b.client.preferences.setConsentStates([
      { entityType: "inbox_id", entity: l.client.inboxId(), state: "denied" },
    ]);
    expect(await dmB.consentState()).toBe("denied");
    expect(ids(await b.client.conversations.list())).not.toContain(dmB.id);
    expect(ids(await b.client.conversations.list({ consentStates: ["denied"] }))).toEqual([dmB.id]);
    await dmB.updateConsentState("allowed");
    expect(await dmB.consentState()).toBe("allowed");
    expect(await b.client.preferences.getConsentState("inbox_id", l.client.inboxId())).toBe(
      "denied",
    );
  });

  it("filters list, syncAll and streamAllMessages by consent; changes apply to the running stream", async () => {
    const allowed = await a.client.conversations.createGroup([b.client.inboxId], { name: "1" });
    const unknown = await a.client.conversations.createGroup([b.client.inboxId], { name: "2" });
    const denied = await a.client.conversations.createGroup([b.client.inboxId], { name: "3" });
    await b.client.conversations.sync();
    const [bAllowed, bUnknown, bDenied] = await Promise.all(
      [allowed, unknown, denied].map(
        async (g) => (await b.client.conversations.getConversationById(g.id))!,
      ),
    );
    await bAllowed!.updateConsentState("allowed");
    await b.client.preferences.setConsentStates([
      { entityType: "conversation_id", entity: denied.id, state: "denied" },
    ]);
    expect(await bDenied!.consentState()).toBe("denied");

    const mine = [allowed.id, unknown.id, denied.id];
    const listed = async (states?: ("unknown" | "allowed" | "denied")[]) =>
      ids(await b.client.conversations.list(states ? { consentStates: states } : {})).filter((id) =>
        mine.includes(id),
      );
    expect(await listed()).toEqual([allowed.id, unknown.id].sort());
    expect(await listed(["allowed"])).toEqual([allowed.id]);
    expect(await listed(["denied"])).toEqual([denied.id]);
    expect(await listed(["allowed", "unknown", "denied"])).toEqual([...mine].sort());

    // syncAll with a filter reads only those conversations
    await allowed.sendText("to allowed");
    await unknown.sendText("to unknown");
    await denied.sendText("to denied");
    await b.client.conversations.syncAll(["allowed"]);
    expect(await ourTexts(bAllowed!)).toEqual(["to allowed"]);
    expect(await ourTexts(bUnknown!)).toEqual([]);
    expect(await ourTexts(bDenied!)).toEqual([]);
    await b.client.conversations.syncAll();
    expect(await ourTexts(bUnknown!)).toEqual(["to unknown"]);
    expect(await ourTexts(bDenied!)).toEqual(["to denied"]);

    // the stream filter, evaluated for every message
    const stream = await b.client.conversations.streamAllMessages({ consentStates: ["allowed"] });
    const rec = record(stream);
    await allowed.sendText("s1 allowed");
    await unknown.sendText("s1 unknown");
    await denied.sendText("s1 denied");
    await until(() => textsOf(rec.values).includes("s1 allowed"), "the allowed group's message");
    await bUnknown!.updateConsentState("allowed");
    await unknown.sendText("s2 now allowed");
    await denied.sendText("s2 denied");
    await until(() => textsOf(rec.values).includes("s2 now allowed"), "the newly allowed group");
    await delay(500);
    expect(textsOf(rec.values)).toEqual(["s1 allowed", "s2 now allowed"]);
    await stream.end();
    // the denied group's messages were still processed and stored (once)
    expect(await ourTexts(bDenied!)).toEqual(["to denied", "s1 denied", "s2 denied"]);
  });

  it("rejects bad consent input with a typed error and stores nothing", async () => {
    const g = await a.client.conversations.createGroup([]);
    const inbox = b.client.inboxId;
    await expect(
      a.client.preferences.setConsentStates([
        { entityType: "inbox_id", entity: inbox, state: "denied" },
        { entityType: "address" as never, entity: inbox, state: "denied" },
      ]),
    ).rejects.toMatchObject({ code: "CLIENT_INVALID_ARGUMENT" });
    expect(await a.client.preferences.getConsentState("inbox_id", inbox)).toBe("unknown");
    await expect(
      a.client.preferences.setConsentStates([
        { entityType: "inbox_id", entity: "not hex", state: "denied" },
      ]),
    ).rejects.toMatchObject({ code: "CLIENT_INVALID_ARGUMENT" });
    await expect(g.updateConsentState("maybe" as never)).rejects.toMatchObject({
      code: "CLIENT_INVALID_ARGUMENT",
    });
    expect(await g.consentState()).toBe("allowed");
    await expect(
      a.client.conversations.list({ consentStates: ["blocked" as never] }),
    ).rejects.toMatchObject({ code: "CLIENT_INVALID_ARGUMENT" });
    await expect(a.client.conversations.syncAll(["blocked" as never])).rejects.toMatchObject({
      code: "CLIENT_INVALID_ARGUMENT",
    });
  });
});
