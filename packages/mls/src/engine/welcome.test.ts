import { decodeHpkeCiphertext } from "@x/crypto";
import { fromBinary } from "@x/proto";
import { SendWelcomeMessagesRequestSchema } from "@x/proto/mls/api/v1";
import { beforeAll, describe, expect, it } from "vitest";
import { fixtureBytes } from "../test-utils/fixtures.js";
import { type Member, newMember } from "../test-utils/identities.js";
import { WelcomeError } from "./errors.js";
import { addMembers, createGroup, type StagedCommit } from "./group.js";
import { joinGroupFromWelcome, unwrapWelcome, wrapWelcome } from "./welcome.js";

async function welcomeError(p: Promise<unknown>): Promise<WelcomeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WelcomeError);
  return e as WelcomeError;
}

describe("welcomes", () => {
  let alice: Member;
  let bob: Member;
  let carol: Member;
  let staged: StagedCommit;
  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([newMember(), newMember(), newMember()]);
    staged = await addMembers(await createGroup(alice.identity), [bob.verified], {
      [bob.identity.inboxId]: 1n,
    });
  });

  it("are wrapped as libxmtp's WelcomeMessageInput.V1 with X-Wing to the 0xff03 key", async () => {
    const recipient = staged.welcome!.recipients[0]!;
    expect(recipient.supportsWelcomePointers).toBe(true);
    const wrapped = await wrapWelcome(staged.welcome!.message, recipient, 3n);
    expect(wrapped.wrapperAlgorithm).toBe(2);
    expect(wrapped.hpkePublicKey).toEqual(bob.keyPackage.welcomeWrapperKey.publicKey);
    expect(wrapped.hpkePublicKey).toHaveLength(1216);
    expect(wrapped.installationKey).toEqual(bob.identity.installationKey.publicKey);
    const ct = decodeHpkeCiphertext(wrapped.data);
    expect(ct.kemOutput.length).toBe(1120);
    expect(ct.ciphertext.length).toBe(staged.welcome!.message.length + 16);
    // WelcomeMetadata{message_cursor: 3} = 08 03, sealed: 2 + 16 bytes, the size libxmtp's has
    const real = fromBinary(
      SendWelcomeMessagesRequestSchema,
      fixtureBytes("017-SendWelcomeMessages.bin"),
    );
    const v1 = real.messages[0]?.version;
    if (v1?.case !== "v1") throw new Error("expected a V1 welcome");
    expect(wrapped.welcomeMetadata.length).toBe(v1.value.welcomeMetadata.length);
    expect(wrapped.wrapperAlgorithm).toBe(v1.value.wrapperAlgorithm);
    const opened = await unwrapWelcome({
      ...wrapped,
      privateKey: bob.keyPackage.welcomeWrapperKey.privateKey,
    });
    expect(opened.messageCursor).toBe(3n);
    expect(opened.welcomeMessage).toEqual(staged.welcome!.message);
  });

  it("go with Curve25519 to the init key when the key package has no 0xff03", async () => {
    const { wrapper: _, ...withoutWrapper } = staged.welcome!.recipients[0]!;
    const wrapped = await wrapWelcome(staged.welcome!.message, withoutWrapper, 3n);
    expect(wrapped.wrapperAlgorithm).toBe(1);
    expect(wrapped.hpkePublicKey).toEqual(bob.keyPackage.initKey);
    expect(decodeHpkeCiphertext(wrapped.data).kemOutput.length).toBe(32);
    const opened = await unwrapWelcome({
      ...wrapped,
      privateKey: bob.keyPackage.privateKeyPackage.initPrivateKey,
    });
    expect(opened.welcomeMessage).toEqual(staged.welcome!.message);
  });

  it("cannot be opened with another key", async () => {
    const wrapped = await wrapWelcome(staged.welcome!.message, staged.welcome!.recipients[0]!, 3n);
    const e = await welcomeError(
      unwrapWelcome({ ...wrapped, privateKey: carol.keyPackage.welcomeWrapperKey.privateKey }),
    );
    expect(e.code).toBe("MLS_WELCOME_DECRYPT_FAILED");
    const tampered = wrapped.data.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    const e2 = await welcomeError(
      unwrapWelcome({
        ...wrapped,
        data: tampered,
        privateKey: bob.keyPackage.welcomeWrapperKey.privateKey,
      }),
    );
    expect(e2.code).toBe("MLS_WELCOME_DECRYPT_FAILED");
    // the init key is not the X-Wing key
    const e3 = await welcomeError(
      unwrapWelcome({ ...wrapped, privateKey: bob.keyPackage.privateKeyPackage.initPrivateKey }),
    );
    expect(e3.code).toBe("MLS_WELCOME_DECRYPT_FAILED");
  });

  it("reject garbage, pointers and unknown algorithms as malformed", async () => {
    const key = bob.keyPackage.privateKeyPackage.initPrivateKey;
    const garbage = await welcomeError(
      unwrapWelcome({
        data: Uint8Array.of(0xff, 1),
        welcomeMetadata: new Uint8Array(),
        wrapperAlgorithm: 1,
        privateKey: key,
      }),
    );
    expect(garbage.code).toBe("MLS_WELCOME_MALFORMED");
    const symmetric = await welcomeError(
      unwrapWelcome({
        data: new Uint8Array(8),
        welcomeMetadata: new Uint8Array(),
        wrapperAlgorithm: 3,
        privateKey: key,
      }),
    );
    expect(symmetric.code).toBe("MLS_WELCOME_MALFORMED");
  });

  it("made for someone else's key package are refused before joining", async () => {
    const e = await welcomeError(
      joinGroupFromWelcome({
        welcomeMessage: staged.welcome!.message,
        keyPackage: carol.keyPackage.keyPackage,
        privateKeyPackage: carol.keyPackage.privateKeyPackage,
      }),
    );
    expect(e.code).toBe("MLS_WELCOME_NOT_FOR_US");
  });

  it("that are not welcomes are malformed", async () => {
    const e = await welcomeError(
      joinGroupFromWelcome({
        welcomeMessage: staged.commit,
        keyPackage: bob.keyPackage.keyPackage,
        privateKeyPackage: bob.keyPackage.privateKeyPackage,
      }),
    );
    expect(e.code).toBe("MLS_WELCOME_MALFORMED");
  });

  it("with the wrong private keys fail to join with a typed error", async () => {
    const e = await welcomeError(
      joinGroupFromWelcome({
        welcomeMessage: staged.welcome!.message,
        keyPackage: bob.keyPackage.keyPackage,
        privateKeyPackage: carol.keyPackage.privateKeyPackage,
      }),
    );
    expect(e.code).toBe("MLS_WELCOME_INVALID");
  });
});
