// The node's per-request bounds (services/limits.ts): lists over their bound are refused with
// InvalidArgument and the bound in the message; lists up to it are served correctly (batched
// queries, in the order asked); a method the node does not serve gets a gRPC status.
import http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { IdentifierKind } from "@x/proto/identity/associations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNode, type TestNode } from "../test-utils/node.js";
import { REQUEST_LIMITS } from "./limits.js";

const inbox = (n: number) => n.toString(16).padStart(64, "0");
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e) => ConnectError.from(e),
  );

describe("request limits", () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode();
    // 600 inboxes with one update each, and one with three (more than one query chunk).
    for (let i = 1; i <= 600; i++) {
      await t.identity.publishIdentityUpdate({
        identityUpdate: {
          inboxId: inbox(i),
          clientTimestampNs: BigInt(i),
          actions: [
            {
              kind: {
                case: "createInbox",
                value: { initialIdentifier: `0x${i.toString(16).padStart(40, "0")}`, nonce: 0n },
              },
            },
          ],
        },
      });
    }
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("GetIdentityUpdates: up to the bound, batched, in the order asked; past it, InvalidArgument", async () => {
    const asked = Array.from({ length: REQUEST_LIMITS.identityUpdateRequests }, (_, i) => ({
      inboxId: inbox((i % 700) + 1),
      sequenceId: i === 1 ? 1_000_000n : 0n,
    }));
    const res = await t.identity.getIdentityUpdates({ requests: asked });
    expect(res.responses.map((r) => r.inboxId)).toEqual(asked.map((a) => a.inboxId));
    const counts = res.responses.map((r) => r.updates.length);
    expect(counts[0]).toBe(1); // inbox 1
    expect(counts[1]).toBe(0); // inbox 2, after a sequence id past its update
    expect(counts[650]).toBe(0); // inbox 651 has none
    expect(counts.filter((c) => c === 1).length).toBeGreaterThan(800);
    const over = await failure(
      t.identity.getIdentityUpdates({
        requests: [...asked, { inboxId: inbox(1), sequenceId: 0n }],
      }),
    );
    expect(over?.code).toBe(Code.InvalidArgument);
    expect(over?.rawMessage).toContain(`at most ${REQUEST_LIMITS.identityUpdateRequests}`);
  });

  it("GetInboxIds and FetchKeyPackages: large lists answered, too large ones refused", async () => {
    const identifiers = Array.from({ length: REQUEST_LIMITS.inboxIdRequests }, (_, i) => ({
      identifier: `0x${(i + 1).toString(16).padStart(40, "0")}`,
      identifierKind: IdentifierKind.ETHEREUM,
    }));
    const found = await t.identity.getInboxIds({ requests: identifiers });
    expect(found.responses).toHaveLength(identifiers.length);
    expect(found.responses.map((r) => r.identifier)).toEqual(identifiers.map((i) => i.identifier));
    const tooMany = await failure(
      t.identity.getInboxIds({ requests: [...identifiers, identifiers[0]!] }),
    );
    expect(tooMany?.code).toBe(Code.InvalidArgument);

    const keys = Array.from({ length: REQUEST_LIMITS.keyPackageRequests }, (_, i) => {
      const k = new Uint8Array(32);
      new DataView(k.buffer).setUint32(0, i);
      return k;
    });
    const kps = await t.mls.fetchKeyPackages({ installationKeys: keys });
    expect(kps.keyPackages).toHaveLength(keys.length);
    const kpOver = await failure(
      t.mls.fetchKeyPackages({ installationKeys: [...keys, new Uint8Array(32)] }),
    );
    expect(kpOver?.code).toBe(Code.InvalidArgument);
  });

  it("subscriptions: too many filters refused", async () => {
    const filters = Array.from({ length: REQUEST_LIMITS.subscribeFilters + 1 }, (_, i) => {
      const g = new Uint8Array(16);
      new DataView(g.buffer).setUint32(0, i);
      return { groupId: g, idCursor: 0n };
    });
    const stream = t.mls.subscribeGroupMessages({ filters });
    const err = await failure(
      (async () => {
        for await (const _ of stream) break;
      })(),
    );
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage).toContain(`at most ${REQUEST_LIMITS.subscribeFilters}`);
  });

  it("an unknown method gets grpc-status Unimplemented, not a bare 404", async () => {
    const session = http2.connect(t.node.url);
    try {
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const req = session.request({
          ":method": "POST",
          ":path": "/xmtp.nothing.v1/Nothing",
          "content-type": "application/grpc",
          te: "trailers",
        });
        req.on("response", resolve);
        req.on("error", reject);
        req.end(new Uint8Array(5));
        req.resume();
      });
      expect(headers[":status"]).toBe(200);
      expect(headers["grpc-status"]).toBe(String(Code.Unimplemented));
      expect(decodeURIComponent(String(headers["grpc-message"]))).toContain(
        "/xmtp.nothing.v1/Nothing",
      );
    } finally {
      session.close();
    }
  });
});
