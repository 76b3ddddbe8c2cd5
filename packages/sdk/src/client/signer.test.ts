import { fromHex, recoverPersonalMessageAddress, signPersonalMessage, toHex } from "@x/crypto";
import { inboxIdFor, SignatureRequestBuilder } from "@x/id";
import { describe, expect, it } from "vitest";
import { IdentifierKind } from "../enums.js";
import type { SdkError } from "../errors.js";
import { fromIdIdentifier, identifierKey, toIdIdentifier } from "./identifiers.js";
import { adaptSigner, createSigner, identifierOnlySigner } from "./signer.js";

const KEY = `0x${"11".repeat(32)}` as const;

async function failure(fn: () => unknown): Promise<SdkError> {
  try {
    await fn();
  } catch (e) {
    return e as SdkError;
  }
  throw new Error("expected an error");
}

/** Signs the text of a new inbox's creation with the adapted signer and verifies it. */
async function signsAnInbox(signer: unknown): Promise<void> {
  const adapted = adaptSigner(signer);
  const identifier = await adapted.getIdentifier();
  const request = new SignatureRequestBuilder(inboxIdFor(identifier, 1n))
    .createInbox(identifier, 1n)
    .build();
  const verified = await request.addSignerSignature(adapted);
  expect(verified.signer).toEqual(identifier);
}

describe("node-sdk signers", () => {
  it("an EOA signer with { identifier, identifierKind } identifiers signs identity updates", async () => {
    const own = createSigner(KEY);
    const signer = {
      type: "EOA" as const,
      getIdentifier: () => ({
        identifier: own.address,
        identifierKind: IdentifierKind.Ethereum,
      }),
      signMessage: (text: string) => signPersonalMessage(text, fromHex(KEY)),
    };
    // node-sdk signers return Uint8Array, synchronously or not: both work.
    await signsAnInbox(signer);
    await signsAnInbox({ ...signer, signMessage: async (t: string) => signer.signMessage(t) });
    // identifierKind as libxmtp's number 0, and a checksummed address.
    await signsAnInbox({
      ...signer,
      getIdentifier: async () => ({
        identifier: own.address.toUpperCase().replace("0X", "0x"),
        identifierKind: 0,
      }),
      signMessage: (t: string) => own.signMessage(t),
    });
  });

  it("a viem account (address + signMessage({ message }) returning hex) signs too", async () => {
    const own = createSigner(KEY);
    await signsAnInbox({
      address: own.address,
      type: "local",
      signMessage: async ({ message }: { message: string }) =>
        `0x${toHex(await own.signMessage(message))}`,
    });
  });

  it("createSigner makes ERC-191 signatures of its address, with a new key when none is given", async () => {
    const s = createSigner(KEY);
    const sig = await s.signMessage("hello");
    expect(recoverPersonalMessageAddress("hello", sig)).toBe(s.address);
    expect(await s.getIdentifier()).toEqual({ identifier: s.address, identifierKind: 0 });
    const fresh = createSigner();
    expect(fresh.privateKey).toMatch(/^0x[0-9a-f]{64}$/);
    expect(fresh.address).not.toBe(s.address);
    expect(createSigner(fresh.privateKey).address).toBe(fresh.address);
    expect(() => createSigner("0x12")).toThrow(/32-byte private key/);
  });
});

describe("bad signers get SDK_INVALID_SIGNER naming what is wrong", () => {
  const cases: [string, unknown, RegExp][] = [
    ["null", null, /the signer is null/],
    ["a string", "0xabc", /the signer is string/],
    ["no type", { getIdentifier: () => ({}), signMessage: () => {} }, /signer.type is undefined/],
    ["a wrong type", { type: "EAO", getIdentifier() {}, signMessage() {} }, /"EAO"/],
    ["no getIdentifier", { type: "EOA", signMessage() {} }, /getIdentifier is not a function/],
    ["no signMessage", { type: "EOA", getIdentifier() {} }, /signMessage is not a function/],
    ["SCW without getChainId", { type: "SCW", getIdentifier() {}, signMessage() {} }, /getChainId/],
    ["a viem account without signMessage", { address: `0x${"1".repeat(40)}` }, /no signMessage/],
  ];
  for (const [name, signer, message] of cases) {
    it(name, async () => {
      const e = await failure(() => adaptSigner(signer));
      expect(e.code).toBe("SDK_INVALID_SIGNER");
      expect(e.message).toMatch(message);
      expect(e.message).toMatch(/node-sdk's \{ type/);
    });
  }

  it("an identifier of the wrong shape (what @x/mls used to fail on with a TypeError)", async () => {
    const signer = adaptSigner({
      type: "EOA",
      getIdentifier: () => ({ address: `0x${"1".repeat(40)}` }),
      signMessage: () => new Uint8Array(65),
    });
    const e = await failure(() => signer.getIdentifier());
    expect(e.code).toBe("SDK_INVALID_SIGNER");
    expect(e.message).toMatch(/identifier, identifierKind/);
    expect(e.message).toMatch(/address/);
  });

  it("an identifier that is not an address, or an unknown kind", async () => {
    for (const [id, message] of [
      [{ identifier: "alice.eth", identifierKind: 0 }, /not an Ethereum address/],
      [{ identifier: `0x${"1".repeat(40)}`, identifierKind: 7 }, /neither 0 nor 1/],
      [{ identifier: 12, identifierKind: 0 }, /not a string/],
    ] as const) {
      const signer = adaptSigner({
        type: "EOA",
        getIdentifier: () => id,
        signMessage: () => new Uint8Array(65),
      });
      const e = await failure(() => signer.getIdentifier());
      expect(e.code).toBe("SDK_INVALID_SIGNER");
      expect(e.message).toMatch(message);
    }
  });

  it("signMessage returning something other than bytes", async () => {
    const own = createSigner(KEY);
    for (const value of [undefined, "not hex", { r: 1 }, new Uint8Array()]) {
      const signer = adaptSigner({
        type: "EOA",
        getIdentifier: () => own.getIdentifier(),
        signMessage: () => value as never,
      });
      const e = await failure(() => signer.signMessage("text"));
      expect(e.code).toBe("SDK_INVALID_SIGNER");
      expect(e.message).toMatch(/signer.signMessage\(\) returned/);
    }
  });

  it("SCW chain ids must be numbers", async () => {
    const own = createSigner(KEY);
    const signer = adaptSigner({
      type: "SCW",
      getIdentifier: () => own.getIdentifier(),
      signMessage: () => new Uint8Array(65),
      getChainId: () => "8453",
    });
    expect((await failure(() => signer.getChainId!())).message).toMatch(/not a bigint/);
  });
});

describe("identifiers", () => {
  it("convert both ways and key canMessage's answers by lowercased address", () => {
    const address = `0x${"Ab".repeat(20)}`;
    const id = toIdIdentifier({ identifier: address, identifierKind: IdentifierKind.Ethereum });
    expect(id).toEqual({ kind: "ethereum", address: address.toLowerCase() });
    expect(fromIdIdentifier(id)).toEqual({ identifier: address.toLowerCase(), identifierKind: 0 });
    expect(identifierKey(id)).toBe(address.toLowerCase());
    const passkey = toIdIdentifier({ identifier: "02".repeat(33), identifierKind: 1 });
    expect(passkey.kind).toBe("passkey");
    expect(fromIdIdentifier(passkey)).toEqual({ identifier: "02".repeat(33), identifierKind: 1 });
  });

  it("@x/id's own identifiers are taken as they are", () => {
    expect(toIdIdentifier({ kind: "ethereum", address: `0x${"12".repeat(20)}` })).toEqual({
      kind: "ethereum",
      address: `0x${"12".repeat(20)}`,
    });
  });

  it("a Client.build signer knows its identifier and cannot sign", async () => {
    const id = toIdIdentifier({ identifier: `0x${"12".repeat(20)}`, identifierKind: 0 });
    const signer = identifierOnlySigner(id);
    expect(await signer.getIdentifier()).toEqual(id);
    expect((await failure(() => signer.signMessage("x"))).code).toBe("SDK_SIGNER_UNAVAILABLE");
  });
});
