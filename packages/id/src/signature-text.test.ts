import { describe, expect, it } from "vitest";
import {
  ethereumIdentifier,
  inboxIdFor,
  installationIdentifier,
  passkeyIdentifier,
} from "./identifiers.js";
import { legacyCreateIdentityText, prettyTimestamp, signatureText } from "./signature-text.js";

describe("signature text", () => {
  it("matches libxmtp's own test of every Ethereum and installation action", () => {
    const owner = ethereumIdentifier("0x1234567890abcdef1234567890abcdef12345678");
    const address = ethereumIdentifier("0x4567890abcdef1234567890abcdef12345678123");
    const installation = installationIdentifier(Uint8Array.of(1, 2, 3));
    const recovery = ethereumIdentifier("0x7890abcdef1234567890abcdef12345678123456");
    const text = signatureText({
      inboxId: inboxIdFor(owner, 0n),
      clientTimestampNs: 12n,
      actions: [
        { type: "createInbox", nonce: 0n, accountIdentifier: owner },
        { type: "addAssociation", newMemberIdentifier: address },
        { type: "addAssociation", newMemberIdentifier: installation },
        { type: "revokeAssociation", revokedMember: address },
        { type: "revokeAssociation", revokedMember: installation },
        { type: "changeRecoveryAddress", newRecoveryIdentifier: recovery },
      ],
    });
    expect(text).toBe(
      [
        "XMTP : Authenticate to inbox",
        "",
        "Inbox ID: fcd18d86276d7a99fe522dba9660c420f03c8648785ada7c5daae232a3df77a9",
        "Current time: 1970-01-01T00:00:00Z",
        "",
        "- Create inbox",
        "  (Owner: 0x1234567890abcdef1234567890abcdef12345678)",
        "- Link address to inbox",
        "  (Address: 0x4567890abcdef1234567890abcdef12345678123)",
        "- Grant messaging access to app",
        "  (ID: 010203)",
        "- Unlink address from inbox",
        "  (Address: 0x4567890abcdef1234567890abcdef12345678123)",
        "- Revoke messaging access from app",
        "  (ID: 010203)",
        "- Change inbox recovery address",
        "  (Address: 0x7890abcdef1234567890abcdef12345678123456)",
        "",
        "For more info: https://xmtp.org/signatures",
      ].join("\n"),
    );
  });

  it("writes passkey lines with the hex key and 'Address' for a passkey recovery", () => {
    const passkey = passkeyIdentifier(Uint8Array.of(0xab, 0xcd), "https://rp.example");
    const text = signatureText({
      inboxId: "i",
      clientTimestampNs: 1_795_313_242_999_999_999n,
      actions: [
        { type: "createInbox", nonce: 0n, accountIdentifier: passkey },
        { type: "addAssociation", newMemberIdentifier: passkey },
        { type: "revokeAssociation", revokedMember: passkey },
        { type: "changeRecoveryAddress", newRecoveryIdentifier: passkey },
      ],
    });
    expect(text).toBe(
      "XMTP : Authenticate to inbox\n\nInbox ID: i\nCurrent time: 2026-11-22T02:07:22Z\n\n" +
        "- Create inbox\n  (Owner: abcd)\n" +
        "- Link passkey to inbox\n  (Passkey: abcd)\n" +
        "- Unlink passkey from inbox\n  (Passkey: abcd)\n" +
        "- Change inbox recovery address\n  (Address: abcd)\n\n" +
        "For more info: https://xmtp.org/signatures",
    );
  });

  it("formats time as chrono does: whole seconds (floored), i64 reinterpretation of the u64", () => {
    expect(prettyTimestamp(0n)).toBe("1970-01-01T00:00:00Z");
    expect(prettyTimestamp(1_795_313_242_025_852_237n)).toBe("2026-11-22T02:07:22Z");
    expect(prettyTimestamp(999_999_999n)).toBe("1970-01-01T00:00:00Z");
    // u64::MAX is -1 ns as i64: 1969-12-31T23:59:59.999999999 → shown as 23:59:59
    expect(prettyTimestamp(0xffffffffffffffffn)).toBe("1969-12-31T23:59:59Z");
    expect(prettyTimestamp(0x7fffffffffffffffn)).toBe("2262-04-11T23:47:16Z");
  });

  it("writes the legacy Create Identity text with the trailing slash", () => {
    expect(legacyCreateIdentityText(Uint8Array.of(0x0a, 0xff))).toBe(
      "XMTP : Create Identity\n0aff\n\nFor more info: https://xmtp.org/signatures/",
    );
  });
});
