import { describe, expect, it } from "vitest";
import { joinViaWelcome, newMember, text } from "../test-utils/identities.js";
import { XMTP_CLIENT_CONFIG } from "./constants.js";
import { GroupStateError } from "./errors.js";
import { addMembers, createGroup, mergeStagedCommit, selfUpdate } from "./group.js";
import { encryptApplicationMessage, processGroupMessage } from "./messages.js";
import { deserializeGroupState, serializeGroupState } from "./state.js";

describe("stored group state", () => {
  it("round-trips with past epochs and keeps working", async () => {
    const [alice, bob] = await Promise.all([newMember(), newMember()]);
    let a = await createGroup(alice.identity);
    const add = await addMembers(a, [bob.verified], { [bob.identity.inboxId]: 1n });
    a = mergeStagedCommit(add);
    let b = await joinViaWelcome(add, bob);
    const early = await encryptApplicationMessage(b, text("sent at epoch 1"));
    b = early.newState;
    const rotate = await selfUpdate(a);
    a = mergeStagedCommit(rotate);

    const bytes = serializeGroupState(a);
    expect(bytes[0]).toBe(1);
    const restored = deserializeGroupState(bytes);
    expect(restored.clientConfig).toBe(XMTP_CLIENT_CONFIG);
    expect(serializeGroupState(restored)).toEqual(bytes);
    // the restored state still reads a message from the previous epoch
    const read = await processGroupMessage(restored, early.message);
    expect(read.kind).toBe("application");
    b = (await processGroupMessage(b, rotate.commit)).newState;
    const late = await encryptApplicationMessage(b, text("after"));
    expect((await processGroupMessage(read.newState, late.message)).kind).toBe("application");
  });

  it("refuses another format and damaged bytes", async () => {
    const a = await createGroup((await newMember()).identity);
    const bytes = serializeGroupState(a);
    expect(() => deserializeGroupState(new Uint8Array([2, ...bytes.slice(1)]))).toThrow(
      GroupStateError,
    );
    expect(() => deserializeGroupState(new Uint8Array())).toThrow(GroupStateError);
    expect(() => deserializeGroupState(bytes.slice(0, bytes.length - 10))).toThrow(GroupStateError);
  });
});
