import { sha256, toHex, utf8 } from "@x/crypto";
import { describe, expect, it } from "vitest";
import {
  ethereumIdentifier,
  identifierText,
  inboxIdFor,
  installationIdentifier,
  memberKey,
  passkeyIdentifier,
  passkeyIdentifierFromHex,
  sameMember,
} from "./identifiers.js";
import { fixtures } from "./test-utils/fixtures.js";

describe("identifiers", () => {
  it("normalises Ethereum addresses as libxmtp does: 40 hex digits, optional 0x, lowercased", () => {
    expect(ethereumIdentifier("0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1").address).toBe(
      "0x1a642f0e3c3af545e7acbd38b07251b3990914f1",
    );
    // without 0x it stays without 0x (and then cannot derive an inbox id)
    expect(ethereumIdentifier("1A642F0E3C3AF545E7ACBD38B07251B3990914F1").address).toBe(
      "1a642f0e3c3af545e7acbd38b07251b3990914f1",
    );
    for (const bad of [
      "0x123",
      "0xZZ642f0e3c3af545e7acbd38b07251b3990914f1",
      "",
      "0x1a642f0e3c3af545e7acbd38b07251b3990914f12",
    ]) {
      expect(() => ethereumIdentifier(bad)).toThrow(
        expect.objectContaining({ code: "IDENTIFIER_INVALID_ADDRESS" }),
      );
    }
  });

  it("derives inbox ids: libxmtp's vector and the fixture clients", () => {
    const id = ethereumIdentifier("0x1234567890abcdef1234567890abcdef12345678");
    expect(inboxIdFor(id, 0n)).toBe(
      "fcd18d86276d7a99fe522dba9660c420f03c8648785ada7c5daae232a3df77a9",
    );
    for (const client of [fixtures.clients.alice, fixtures.clients.bob]) {
      expect(inboxIdFor(ethereumIdentifier(client.address), client.nonce)).toBe(client.inboxId);
      expect(inboxIdFor(ethereumIdentifier(client.address), 0)).not.toBe(client.inboxId);
    }
    expect(() =>
      inboxIdFor(ethereumIdentifier("1234567890abcdef1234567890abcdef12345678"), 0n),
    ).toThrow(expect.objectContaining({ code: "ASSOCIATION_INVALID_ACCOUNT_ADDRESS" }));
    expect(() => inboxIdFor(id, -1n)).toThrow(
      expect.objectContaining({ code: "IDENTIFIER_INVALID_NONCE" }),
    );
    expect(inboxIdFor(id, 18446744073709551615n)).toBe(
      toHex(sha256(utf8(`${id.address}18446744073709551615`))),
    );
  });

  it("derives a passkey inbox id from the hex of its key", () => {
    const passkey = passkeyIdentifierFromHex("02aabbcc", "https://rp.example");
    expect(inboxIdFor(passkey, 5n)).toBe(toHex(sha256(utf8("02aabbcc5"))));
    expect(() => passkeyIdentifierFromHex("zz")).toThrow(
      expect.objectContaining({ code: "IDENTIFIER_INVALID_PASSKEY" }),
    );
    expect(() => passkeyIdentifier(new Uint8Array())).toThrow(
      expect.objectContaining({ code: "IDENTIFIER_INVALID_PASSKEY" }),
    );
  });

  it("compares as libxmtp: exact address strings, passkeys by key only, installations by key", () => {
    const lower = {
      kind: "ethereum" as const,
      address: "0xabcdefabcdefabcdefabcdefabcdefabcdefabcd",
    };
    const mixed = {
      kind: "ethereum" as const,
      address: "0xABCDEFabcdefabcdefabcdefabcdefabcdefabcd",
    };
    expect(sameMember(lower, mixed)).toBe(false);
    const p1 = passkeyIdentifier(Uint8Array.of(1, 2, 3), "https://a.example");
    const p2 = passkeyIdentifier(Uint8Array.of(1, 2, 3), "https://b.example");
    expect(sameMember(p1, p2)).toBe(true);
    expect(memberKey(p1)).toBe(memberKey(p2));
    const i1 = installationIdentifier(Uint8Array.of(1, 2, 3));
    expect(sameMember(i1, p1)).toBe(false);
    expect(identifierText(i1)).toBe("010203");
    expect(identifierText(p1)).toBe("010203");
  });
});
