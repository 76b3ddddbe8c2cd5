// Following a pointer to its pointee against a scripted API, and the task left when it is not
// there yet. The whole path against libxmtp 1.9.1 is in tooling/interop
// (client-welcome-pointers.test.ts).
import type { XmtpApi } from "@x/api";
import { randomBytes } from "@x/crypto";
import { create, fromBinary } from "@x/proto";
import { type WelcomeMessage, WelcomeMessageSchema } from "@x/proto/mls/api/v1";
import { TaskSchema } from "@x/proto/mls/database";
import { describe, expect, it } from "vitest";
import { checkWelcomePointer, type DecryptedWelcomePointer } from "../engine/index.js";
import { findPointee, welcomePointerTask } from "./welcome-pointers.js";

const pointer: DecryptedWelcomePointer = {
  destination: randomBytes(32),
  aeadType: 3,
  encryptionKey: randomBytes(32),
  dataNonce: randomBytes(12),
  welcomeMetadataNonce: randomBytes(12),
};
const message = (id: bigint) =>
  create(WelcomeMessageSchema, { version: { case: "v1", value: { id, wrapperAlgorithm: 3 } } });

/** An API whose welcome pages answer from a script, one entry (a first page) per query. */
function scripted(answers: (WelcomeMessage[] | Error)[]) {
  const asked: Uint8Array[] = [];
  const api = {
    async *welcomeMessagePages(key: Uint8Array) {
      asked.push(key);
      const a = answers.shift() ?? [];
      if (a instanceof Error) throw a;
      if (a.length === 0) return; // an empty topic has no pages
      yield a;
      yield [message(99n)]; // a later page, never read
    },
  } as unknown as XmtpApi;
  return { api, asked };
}

describe("findPointee", () => {
  it("takes the first message of the destination topic", async () => {
    const { api, asked } = scripted([[message(5n), message(6n)]]);
    expect((await findPointee(api, pointer, []))?.version.value?.id).toBe(5n);
    expect(asked).toEqual([pointer.destination]);
  });

  it("asks again after each delay while the topic is empty or the query fails", async () => {
    const { api, asked } = scripted([[], new Error("unavailable"), [message(7n)]]);
    expect((await findPointee(api, pointer, [1, 1, 1]))?.version.value?.id).toBe(7n);
    expect(asked).toHaveLength(3);
  });

  it("gives up after the last delay", async () => {
    const { api, asked } = scripted([]);
    expect(await findPointee(api, pointer, [1, 1])).toBeUndefined();
    expect(asked).toHaveLength(3);
  });
});

describe("welcomePointerTask", () => {
  it("keeps the decrypted pointer and libxmtp's schedule", () => {
    const now = 1_000_000_000_000n;
    const task = welcomePointerTask(pointer, { originatorId: 100, sequenceId: 42n }, now);
    const decoded = fromBinary(TaskSchema, task.data).task;
    expect(decoded.case).toBe("processWelcomePointer");
    if (decoded.case !== "processWelcomePointer") return;
    expect(checkWelcomePointer(decoded.value)).toEqual(pointer);
    const min = 60_000_000_000n;
    expect(task.originatingMessage).toEqual({ originatorId: 100, sequenceId: 42n });
    expect(task.nextAttemptAtNs).toBe(now + 5n * min);
    expect(task.initialBackoffNs).toBe(5n * min);
    expect(task.maxBackoffNs).toBe(120n * min);
    expect(task.backoffScalingFactor).toBe(1.5);
    expect(task.expiresAtNs).toBe(now + 3n * 24n * 60n * min);
    expect(task.maxAttempts).toBe(100);
    // the same pointer is queued once (same bytes, same hash)
    expect(
      welcomePointerTask(pointer, { originatorId: 0, sequenceId: 1n }, now + 1n).dataHash,
    ).toEqual(task.dataHash);
  });
});
