// Welcome pointers: the pointer proto, the SendWelcomeMessages batch for one commit (pointee
// first, then pointers and ordinary welcomes), and the receiving side with bad inputs.
import { decodeHpkeCiphertext, wrapWelcome as hpkeSeal, randomBytes, toHex } from "@x/crypto";
import { create, toBinary } from "@x/proto";
import {
  type WelcomeMessage,
  type WelcomeMessageInput,
  WelcomeMessageInputSchema,
  WelcomeMessageSchema,
} from "@x/proto/mls/api/v1";
import { WelcomePointerSchema } from "@x/proto/mls/message_contents";
import { beforeAll, describe, expect, it } from "vitest";
import { type Member, newMember } from "../test-utils/identities.js";
import { WelcomeError } from "./errors.js";
import { addMembers, createGroup, type StagedCommit } from "./group.js";
import { joinGroupFromWelcome, type WelcomeRecipient } from "./welcome.js";
import {
  buildWelcomeMessages,
  checkWelcomePointer,
  type DecryptedWelcomePointer,
  decodeWelcomePointer,
  encodeWelcomePointer,
  openPointee,
  openWelcomePointer,
  readsWelcomePointers,
  welcomePointerProto,
} from "./welcome-pointers.js";

async function welcomeError(p: Promise<unknown> | (() => unknown)): Promise<WelcomeError> {
  const e = await (typeof p === "function" ? Promise.resolve().then(p) : p).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WelcomeError);
  return e as WelcomeError;
}

/** What the node hands back for an input: the same fields in a WelcomeMessage. */
function received(input: WelcomeMessageInput, id = 1n): WelcomeMessage {
  const v = input.version;
  if (v.case !== "v1") throw new Error("a V1 input expected");
  const { $typeName: _, ...fields } = v.value;
  return create(WelcomeMessageSchema, { version: { case: "v1", value: { ...fields, id } } });
}

const samplePointer = (): DecryptedWelcomePointer => ({
  destination: randomBytes(32),
  aeadType: 3,
  encryptionKey: randomBytes(32),
  dataNonce: randomBytes(12),
  welcomeMetadataNonce: randomBytes(12),
});

describe("the WelcomePointer proto", () => {
  it("round-trips and keeps libxmtp's field numbers", () => {
    const p = samplePointer();
    const bytes = encodeWelcomePointer(p);
    expect(decodeWelcomePointer(bytes)).toEqual(p);
    // version oneof field 1 (welcome_v1_pointer), destination field 1 first
    expect(toHex(bytes.subarray(0, 1))).toBe("0a");
    expect(bytes.length).toBe(2 + (2 + 32) + 2 + (2 + 32) + (2 + 12) * 2);
  });

  it("refuses garbage, an empty pointer and wrong sizes with MLS_WELCOME_POINTER_INVALID", async () => {
    const bad = async (f: () => unknown) =>
      expect((await welcomeError(f)).code).toBe("MLS_WELCOME_POINTER_INVALID");
    await bad(() => decodeWelcomePointer(Uint8Array.of(0xff, 0xff, 0xff)));
    await bad(() => decodeWelcomePointer(new Uint8Array()));
    const variant = (change: Partial<DecryptedWelcomePointer>) =>
      checkWelcomePointer(welcomePointerProto({ ...samplePointer(), ...change }));
    await bad(() => variant({ destination: randomBytes(31) }));
    await bad(() => variant({ aeadType: 0 }));
    await bad(() => variant({ aeadType: 1 }));
    await bad(() => variant({ encryptionKey: randomBytes(16) }));
    await bad(() => variant({ dataNonce: randomBytes(8) }));
    await bad(() => variant({ welcomeMetadataNonce: new Uint8Array() }));
    await bad(() => checkWelcomePointer(create(WelcomePointerSchema, {})));
  });
});

describe("a commit's welcomes", () => {
  let creator: Member;
  let members: Member[];
  let staged: StagedCommit;
  let recipients: WelcomeRecipient[];
  beforeAll(async () => {
    creator = await newMember();
    members = await Promise.all(Array.from({ length: 5 }, () => newMember()));
    staged = await addMembers(
      await createGroup(creator.identity),
      members.map((m) => m.verified),
      Object.fromEntries(members.map((m) => [m.identity.inboxId, 1n])),
    );
    recipients = staged.welcome!.recipients;
  });

  /** Our key packages without 0xff04 or 0xff03, as libxmtp before 1.9 sends some. */
  const legacy = (r: WelcomeRecipient): WelcomeRecipient => ({
    installationId: r.installationId,
    initKey: r.initKey,
  });

  it("go as ordinary X-Wing welcomes to two pointer readers", async () => {
    const two = recipients.slice(0, 2);
    expect(two.every(readsWelcomePointers)).toBe(true);
    const out = await buildWelcomeMessages(staged.welcome!.message, two, 9n);
    expect(out.map((m) => m.version.case)).toEqual(["v1", "v1"]);
    for (const [i, m] of out.entries()) {
      if (m.version.case !== "v1") throw new Error("v1 expected");
      expect(m.version.value.wrapperAlgorithm).toBe(2);
      expect(m.version.value.installationKey).toEqual(two[i]!.installationId);
    }
  });

  it("use one pointee and a pointer each for more than two readers; each reader joins", async () => {
    const out = await buildWelcomeMessages(staged.welcome!.message, recipients, 9n);
    expect(out.map((m) => m.version.case)).toEqual([
      "v1",
      ...recipients.map(() => "welcomePointer"),
    ]);
    const pointee = out[0]!;
    if (pointee.version.case !== "v1") throw new Error("pointee expected");
    expect(pointee.version.value.wrapperAlgorithm).toBe(3);
    expect(pointee.version.value.hpkePublicKey).toHaveLength(0);
    expect(pointee.version.value.installationKey).toHaveLength(32);
    expect(pointee.version.value.data.length).toBe(staged.welcome!.message.length + 16);
    expect(pointee.version.value.welcomeMetadata.length).toBe(2 + 16);
    for (const [i, m] of out.slice(1).entries()) {
      if (m.version.case !== "welcomePointer") throw new Error("pointer expected");
      const member = members[i]!;
      const p = m.version.value;
      expect(p.installationKey).toEqual(member.identity.installationKey.publicKey);
      expect(p.wrapperAlgorithm).toBe(2);
      expect(p.hpkePublicKey).toEqual(member.keyPackage.welcomeWrapperKey.publicKey);
      expect(decodeHpkeCiphertext(p.welcomePointer).kemOutput).toHaveLength(1120);
      const pointer = await openWelcomePointer({
        welcomePointer: p.welcomePointer,
        wrapperAlgorithm: p.wrapperAlgorithm,
        privateKey: member.keyPackage.welcomeWrapperKey.privateKey,
      });
      expect(pointer.destination).toEqual(pointee.version.value.installationKey);
      expect(toHex(pointer.dataNonce)).not.toBe(toHex(pointer.welcomeMetadataNonce));
      const opened = openPointee(received(pointee), pointer);
      expect(opened.messageCursor).toBe(9n);
      expect(opened.welcomeMessage).toEqual(staged.welcome!.message);
      const state = await joinGroupFromWelcome({
        welcomeMessage: opened.welcomeMessage,
        keyPackage: member.keyPackage.keyPackage,
        privateKeyPackage: member.keyPackage.privateKeyPackage,
      });
      expect(state.groupContext.epoch).toBe(1n);
    }
  });

  it("mix pointers and ordinary welcomes: readers get pointers, the others Curve25519 welcomes", async () => {
    const mixed = [...recipients.slice(0, 3), ...recipients.slice(3).map(legacy)];
    const out = await buildWelcomeMessages(staged.welcome!.message, mixed, 9n);
    expect(out.map((m) => m.version.case)).toEqual([
      "v1",
      "welcomePointer",
      "welcomePointer",
      "welcomePointer",
      "v1",
      "v1",
    ]);
    for (const m of out.slice(4)) {
      if (m.version.case !== "v1") throw new Error("v1 expected");
      expect(m.version.value.wrapperAlgorithm).toBe(1);
      expect(m.version.value.hpkePublicKey).toHaveLength(32);
    }
    // two readers and three legacy installations: no pointers at all
    const fewReaders = [...recipients.slice(0, 2), ...recipients.slice(2).map(legacy)];
    const ordinary = await buildWelcomeMessages(staged.welcome!.message, fewReaders, 9n);
    expect(ordinary.map((m) => m.version.case)).toEqual(["v1", "v1", "v1", "v1", "v1"]);
  });

  it("cost fewer bytes with pointers (five new members)", async () => {
    const size = (ms: WelcomeMessageInput[]) =>
      ms.reduce((n, m) => n + toBinary(WelcomeMessageInputSchema, m).length, 0);
    const withPointers = size(await buildWelcomeMessages(staged.welcome!.message, recipients, 9n));
    const xwing = size(
      await buildWelcomeMessages(
        staged.welcome!.message,
        recipients.map((r) => ({ ...r, supportsWelcomePointers: false })),
        9n,
      ),
    );
    const curve = size(
      await buildWelcomeMessages(staged.welcome!.message, recipients.map(legacy), 9n),
    );
    console.log(
      `5-member add, welcome ${staged.welcome!.message.length} B: pointers ${withPointers} B, X-Wing welcomes ${xwing} B, Curve25519 welcomes ${curve} B`,
    );
    expect(withPointers).toBeLessThan(xwing);
  });
});

describe("receiving a bad pointer", () => {
  let member: Member;
  let pointer: DecryptedWelcomePointer;
  let wrapped: Uint8Array;
  beforeAll(async () => {
    member = await newMember();
    pointer = samplePointer();
    wrapped = (
      await hpkeSeal({
        payload: encodeWelcomePointer(pointer),
        publicKey: member.keyPackage.welcomeWrapperKey.publicKey,
        algorithm: 2,
      })
    ).wrapped;
  });

  const pointee = (fields: {
    data?: Uint8Array;
    wrapperAlgorithm?: number;
    metadata?: Uint8Array;
  }) =>
    create(WelcomeMessageSchema, {
      version: {
        case: "v1",
        value: {
          id: 1n,
          installationKey: pointer.destination,
          data: fields.data ?? randomBytes(64),
          wrapperAlgorithm: fields.wrapperAlgorithm ?? 3,
          welcomeMetadata: fields.metadata ?? new Uint8Array(),
        },
      },
    });

  it("opens only with our X-Wing key and only as X-Wing", async () => {
    const privateKey = member.keyPackage.welcomeWrapperKey.privateKey;
    await expect(
      openWelcomePointer({ welcomePointer: wrapped, wrapperAlgorithm: 2, privateKey }),
    ).resolves.toEqual(pointer);
    const other = await newMember();
    const wrongKey = await welcomeError(
      openWelcomePointer({
        welcomePointer: wrapped,
        wrapperAlgorithm: 2,
        privateKey: other.keyPackage.welcomeWrapperKey.privateKey,
      }),
    );
    expect(wrongKey.code).toBe("MLS_WELCOME_DECRYPT_FAILED");
    const curve = await welcomeError(
      openWelcomePointer({ welcomePointer: wrapped, wrapperAlgorithm: 1, privateKey }),
    );
    expect(curve.code).toBe("MLS_WELCOME_POINTER_INVALID");
    const garbage = await welcomeError(
      openWelcomePointer({ welcomePointer: randomBytes(40), wrapperAlgorithm: 2, privateKey }),
    );
    expect(garbage.code).toBe("MLS_WELCOME_POINTER_INVALID");
    // an HPKE payload that is not a WelcomePointer
    const notAPointer = (
      await hpkeSeal({
        payload: Uint8Array.of(0xff, 0xff),
        publicKey: member.keyPackage.welcomeWrapperKey.publicKey,
        algorithm: 2,
      })
    ).wrapped;
    const undecodable = await welcomeError(
      openWelcomePointer({ welcomePointer: notAPointer, wrapperAlgorithm: 2, privateKey }),
    );
    expect(undecodable.code).toBe("MLS_WELCOME_POINTER_INVALID");
  });

  it("refuses a pointee that is another pointer, not SYMMETRIC_KEY, or sealed with another key", async () => {
    const anotherPointer = create(WelcomeMessageSchema, {
      version: {
        case: "welcomePointer",
        value: { id: 1n, installationKey: pointer.destination, welcomePointer: wrapped },
      },
    });
    expect((await welcomeError(() => openPointee(anotherPointer, pointer))).code).toBe(
      "MLS_WELCOME_POINTER_INVALID",
    );
    expect(
      (await welcomeError(() => openPointee(pointee({ wrapperAlgorithm: 2 }), pointer))).code,
    ).toBe("MLS_WELCOME_POINTER_INVALID");
    expect((await welcomeError(() => openPointee(pointee({}), pointer))).code).toBe(
      "MLS_WELCOME_DECRYPT_FAILED",
    );
    expect(
      (await welcomeError(() => openPointee(create(WelcomeMessageSchema, {}), pointer))).code,
    ).toBe("MLS_WELCOME_POINTER_INVALID");
  });
});
