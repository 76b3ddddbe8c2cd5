// Streams: one SubscribeEnvelopes from the lowest common cursor, per-filter skipping, causal
// hold in the icebox, clean ends and typed errors.
import { create } from "@bufbuild/protobuf";
import { ApiError, originatorOf } from "@x/api";
import {
  type GroupMessage,
  SubscribeGroupMessagesRequestSchema,
  SubscribeWelcomeMessagesRequestSchema,
} from "@x/proto/mls/api/v1";
import type { SubscribeEnvelopesRequest } from "@x/proto/xmtpv4/message_api";
import { describe, expect, it } from "vitest";
import { merge } from "./merge.js";
import {
  appMessage,
  clientOf,
  collect,
  commit,
  GROUP,
  INSTALLATION,
  network,
  OTHER_GROUP,
  welcomePayload,
} from "./test-utils/helpers.js";
import { groupMessagesTopic, welcomeMessagesTopic } from "./topics.js";

const A = groupMessagesTopic(GROUP);
const B = groupMessagesTopic(OTHER_GROUP);
const name = (m: GroupMessage) =>
  `${Buffer.from(m.version.value!.groupId).toString("hex").slice(0, 2)}/${originatorOf(m)}:${m.version.value!.id}`;
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};
const groupSub = () =>
  create(SubscribeGroupMessagesRequestSchema, {
    filters: [{ groupId: GROUP }, { groupId: OTHER_GROUP }],
  });

describe("subscribeGroupMessages", () => {
  it("catches up from the lowest common cursor, skips per filter, then streams live", async () => {
    const net = await network();
    net.add(A, appMessage(GROUP, 1), { originatorId: 100 }); // 100:1 (A has it)
    net.add(B, appMessage(OTHER_GROUP, 1), { originatorId: 100 }); // 100:2 (B has it)
    net.add(A, appMessage(GROUP, 2), { originatorId: 100 }); // 100:3 (new for A)
    net.add(B, appMessage(OTHER_GROUP, 2), { originatorId: 100 }); // 100:4 (new for B)
    const controller = new AbortController();
    let opened = 0;
    const stream = clientOf(net).subscribeGroupMessages(groupSub(), {
      signal: controller.signal,
      onOpen: () => opened++,
      lastSeen: [
        new Map([
          [100, 1n],
          [0, 4n],
        ]),
        new Map([[100, 2n]]),
      ],
    });
    const got = collect(stream, 3, controller);
    await until(() => net.callsOf("subscribeEnvelopes").length > 0 && opened > 0);
    net.add(A, commit(GROUP), { originatorId: 0 }); // 0:1 (A has commits up to 0:4: skipped)
    net.add(B, commit(OTHER_GROUP), { originatorId: 0 }); // 0:2 (new for B)
    const messages = await got;
    expect(messages.map(name)).toEqual(["61/100:3", "62/100:4", "62/0:2"]);
    expect(opened).toBe(1);
    const req = net.callsOf("subscribeEnvelopes")[0]?.request as SubscribeEnvelopesRequest;
    expect(req.query?.topics).toEqual([A, B]);
    // Min over filters; originator 0 is missing from B's cursor, so it counts as 0.
    expect(req.query?.lastSeen?.nodeIdToSequenceId).toEqual({ 100: 1n });
  });

  it("holds a message whose commit has not arrived and releases it with the commit", async () => {
    const net = await network();
    const controller = new AbortController();
    const stream = clientOf(net).subscribeGroupMessages(
      create(SubscribeGroupMessagesRequestSchema, { filters: [{ groupId: GROUP }] }),
      { signal: controller.signal, lastSeen: [new Map([[0, 1n]])] },
    );
    const seen: string[] = [];
    const done = (async () => {
      for await (const m of stream) {
        seen.push(name(m));
        if (seen.length === 3) controller.abort();
      }
    })();
    await until(() => net.callsOf("subscribeEnvelopes").length > 0);
    net.add(A, appMessage(), { originatorId: 100, dependsOn: new Map([[0, 2n]]) });
    net.add(A, appMessage(GROUP, 1), { originatorId: 100, dependsOn: new Map([[0, 1n]]) });
    await until(() => seen.length === 1);
    expect(seen).toEqual(["61/100:2"]);
    net.add(A, commit(), { originatorId: 0, sequenceId: 2n });
    await done;
    expect(seen).toEqual(["61/100:2", "61/0:2", "61/100:1"]);
  });

  it("ends cleanly when the caller aborts, also before the first message", async () => {
    const net = await network();
    const controller = new AbortController();
    const stream = clientOf(net).subscribeGroupMessages(groupSub(), { signal: controller.signal });
    const done = (async () => {
      const out: GroupMessage[] = [];
      for await (const m of stream) out.push(m);
      return out;
    })();
    await until(() => net.callsOf("subscribeEnvelopes").length > 0);
    controller.abort();
    await expect(done).resolves.toEqual([]);
  });

  it("ends with a retryable ApiError when the node goes away", async () => {
    const net = await network();
    net.add(A, appMessage(), { originatorId: 100 });
    const stream = clientOf(net).subscribeGroupMessages(groupSub());
    const seen: string[] = [];
    const error = await (async () => {
      for await (const m of stream) {
        seen.push(name(m));
        net.kill();
      }
    })().catch((e) => e);
    expect(seen).toEqual(["61/100:1"]);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.retryable).toBe(true);
  });

  it("skips undecodable envelopes and envelopes of topics it did not ask for", async () => {
    const net = await network();
    const skipped: string[] = [];
    const controller = new AbortController();
    const stream = clientOf(net, {
      onSkipped: (e) => skipped.push(e.message),
    }).subscribeGroupMessages(
      create(SubscribeGroupMessagesRequestSchema, { filters: [{ groupId: GROUP }] }),
      { signal: controller.signal },
    );
    const got = collect(stream, 1, controller);
    await until(() => net.callsOf("subscribeEnvelopes").length > 0);
    // Stored under A's topic, but the MLS message is of another group.
    net.add(A, appMessage(OTHER_GROUP), { originatorId: 100 });
    net.add(A, appMessage(GROUP), { originatorId: 100 });
    expect((await got).map(name)).toEqual(["61/100:2"]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/did not ask for/);
  });
});

describe("subscribeWelcomeMessages", () => {
  it("streams welcomes after the filter's cursor, in server order", async () => {
    const net = await network();
    const topic = welcomeMessagesTopic(INSTALLATION);
    net.add(topic, welcomePayload(), { originatorId: 100, ns: 900n });
    net.add(topic, welcomePayload(INSTALLATION, Uint8Array.of(5)), { originatorId: 100, ns: 100n });
    const controller = new AbortController();
    const stream = clientOf(net).subscribeWelcomeMessages(
      create(SubscribeWelcomeMessagesRequestSchema, {
        filters: [{ installationKey: INSTALLATION, idCursor: 0n }],
      }),
      { signal: controller.signal, lastSeen: [new Map()] },
    );
    const got = collect(stream, 2, controller);
    await until(() => net.callsOf("subscribeEnvelopes").length > 0);
    net.add(topic, welcomePayload(INSTALLATION, Uint8Array.of(6)), { originatorId: 100 });
    const messages = await got;
    expect(messages.map((m) => m.version.value?.id)).toEqual([1n, 2n]);
    expect(
      messages.map((m) => (m.version.case === "v1" ? m.version.value.data : undefined)),
    ).toEqual([Uint8Array.of(1, 2, 3), Uint8Array.of(5)]);
  });
});

describe("merge", () => {
  it("interleaves sources in arrival order and ends when all have", async () => {
    const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
    async function* src(name: string, delays: number[]) {
      for (const d of delays) {
        await tick(d);
        yield `${name}${d}`;
      }
    }
    const out: string[] = [];
    for await (const x of merge([src("a", [10, 40]), src("b", [25])])) out.push(x);
    expect(out).toEqual(["a10", "b25", "a40"]);
  });

  it("passes the first error on", async () => {
    async function* bad(): AsyncGenerator<number> {
      yield 1;
      throw new Error("boom");
    }
    async function* slow(): AsyncGenerator<number> {
      await new Promise((r) => setTimeout(r, 1_000));
      yield 2;
    }
    await expect(
      (async () => {
        for await (const _ of merge([bad(), slow()])) {
          // drain
        }
      })(),
    ).rejects.toThrow("boom");
  });
});
