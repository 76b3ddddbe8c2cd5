// libxmtp's content-type compatibility fixtures (xmtp-js bytes): every vector decodes to the
// expected value, and re-encoding gives the same bytes (JSON types: the same JSON value, since
// libxmtp writes keys in its own struct order).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type EncodedContent, EncodedContentSchema } from "@x/proto/mls/message_contents";
import { describe, expect, it } from "vitest";
import type { ContentCodec } from "./codec.js";
import { ReplyCodec } from "./codecs/reply.js";
import { contentTypeToString } from "./content-type-id.js";
import { decodeContent } from "./encoding.js";
import { CodecRegistry } from "./registry.js";
import { golden, goldenBytes, LIBXMTP_SERIALIZED_CONTENT } from "./test-utils/libxmtp-fixtures.js";

const registry = CodecRegistry.withDefaults();
const utf8 = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function decodeKnown(description: string) {
  const decoded = decodeContent(registry, golden(description));
  if (decoded.kind !== "decoded")
    throw new Error(`${description}: ${decoded.reason} ${decoded.error}`);
  return decoded;
}

/** Re-encodes with the codec and returns the message without the fallback (xmtp-js left it out). */
function reencode(description: string): { original: EncodedContent; again: EncodedContent } {
  const decoded = decodeKnown(description);
  const codec = decoded.codec as ContentCodec<unknown>;
  const again = codec.encode(decoded.content);
  return { original: decoded.encoded, again };
}

function withoutFallback(encoded: EncodedContent): Uint8Array {
  return toBinary(
    EncodedContentSchema,
    create(EncodedContentSchema, { ...encoded, fallback: undefined }),
  );
}

describe("libxmtp serialized_content.json vectors", () => {
  it("all 22 vectors decode with the default registry", () => {
    expect(LIBXMTP_SERIALIZED_CONTENT).toHaveLength(22);
    for (const entry of LIBXMTP_SERIALIZED_CONTENT) {
      const decoded = decodeContent(registry, goldenBytes(entry));
      expect(decoded.kind, entry.description).toBe("decoded");
    }
  });

  it.each([
    "Simple text message",
    "Text with emoji",
    "Simple markdown",
    "Complex markdown with lists and code",
    "Reaction without optional referenceInboxId",
    "Reaction with optional referenceInboxId",
    "Reaction with custom schema",
    "Reply without optional referenceInboxId",
    "Reply with optional referenceInboxId",
    "Reply with attachment",
    "Read receipt",
    "Remote attachment with optional filename",
    "Group name updated",
    "Members added to group",
    "Members removed from group",
    "Attachment without optional fields",
    "Wallet send calls without optional fields",
  ])("re-encodes %s to the same bytes (fallback aside)", (description) => {
    const { again } = reencode(description);
    expect(withoutFallback(again)).toEqual(golden(description));
  });

  it("re-encodes Remote attachment without optional fields to an equal message", () => {
    // The vector has filename="" and ts-proto (like prost) leaves an empty map value out of the
    // entry; protobuf-es writes it (2 more bytes). Both decode to the same message.
    const description = "Remote attachment without optional fields";
    const { again } = reencode(description);
    const bytes = withoutFallback(again);
    expect(bytes.length).toBe(golden(description).length + 2);
    expect(fromBinary(EncodedContentSchema, bytes)).toEqual(
      fromBinary(EncodedContentSchema, golden(description)),
    );
  });

  it.each([
    "Ethereum transaction reference",
    "Transaction without metadata",
    "Transaction reference with named network",
    "Wallet send calls with optional value field",
  ])("re-encodes %s to the same JSON value", (description) => {
    const { original, again } = reencode(description);
    const before = JSON.parse(utf8(original.content));
    // libxmtp reads a numeric networkId as a string and writes it back as one.
    if (typeof before.networkId === "number") before.networkId = String(before.networkId);
    expect(JSON.parse(utf8(again.content))).toEqual(before);
    expect(again.parameters).toEqual(original.parameters);
    expect(contentTypeToString(again.type!)).toBe(contentTypeToString(original.type!));
  });

  it("decodes text and markdown", () => {
    expect(decodeKnown("Simple text message").content).toBe("Hello, World!");
    expect(decodeKnown("Text with emoji").content).toBe("Hello! 👋 How are you? 😊");
    expect(decodeKnown("Simple markdown").content).toBe("# Hello World\n\nThis is **bold** text.");
  });

  it("decodes legacy JSON reactions into the v2 shape", () => {
    expect(decodeKnown("Reaction without optional referenceInboxId").content).toEqual({
      action: "added",
      reference: "message-id-123",
      referenceInboxId: "",
      schema: "unicode",
      content: "👍",
    });
    expect(decodeKnown("Reaction with optional referenceInboxId").content).toEqual({
      action: "removed",
      reference: "message-id-456",
      referenceInboxId: "inbox-id-789",
      schema: "unicode",
      content: "❤️",
    });
    expect(decodeKnown("Reaction with custom schema").content).toMatchObject({ schema: "custom" });
  });

  it("decodes replies with their inner content", () => {
    const reply = decodeKnown("Reply with optional referenceInboxId");
    const value = reply.content as {
      reference: string;
      referenceInboxId?: string;
      content: EncodedContent;
    };
    expect(value.reference).toBe("original-message-id");
    expect(value.referenceInboxId).toBe("sender-inbox-id");
    const inner = decodeContent(registry, toBinary(EncodedContentSchema, value.content));
    expect(inner.kind === "decoded" && inner.content).toBe("Reply with inbox ID");
    expect(new ReplyCodec().fallback(value)).toBe(
      'Replied with "Reply with inbox ID" to an earlier message',
    );

    const withAttachment = decodeKnown("Reply with attachment").content as {
      content: EncodedContent;
    };
    const attachment = decodeContent(
      registry,
      toBinary(EncodedContentSchema, withAttachment.content),
    );
    expect(attachment.kind === "decoded" && attachment.content).toEqual({
      filename: "example.pdf",
      mimeType: "application/pdf",
      content: new Uint8Array(1024),
    });
    expect(new ReplyCodec().fallback(withAttachment as never)).toBe(
      "Replied to an earlier message",
    );
  });

  it("decodes remote attachments, keeping a present-but-empty filename", () => {
    expect(decodeKnown("Remote attachment without optional fields").content).toEqual({
      url: "https://example.com/file.pdf",
      contentDigest: "abcd1234567890abcd1234567890abcd1234567890abcd1234567890abcd1234",
      salt: new Uint8Array(32).fill(2),
      nonce: new Uint8Array(12).fill(3),
      secret: new Uint8Array(32).fill(1),
      scheme: "https",
      contentLength: 1024,
      filename: "",
    });
    expect(decodeKnown("Remote attachment with optional filename").content).toMatchObject({
      filename: "important-document.pdf",
      contentLength: 2048,
    });
  });

  it("decodes transaction references, numeric networkId as a string", () => {
    expect(decodeKnown("Ethereum transaction reference").content).toEqual({
      namespace: undefined,
      networkId: "1",
      reference: "0x123abc...",
      metadata: {
        transactionType: "transfer",
        currency: "ETH",
        amount: 1.5,
        decimals: 18,
        fromAddress: "0x742d35Cc6634C0532925a3b844Bc9e7595f0bEb7",
        toAddress: "0x456d35Cc6634C0532925a3b844Bc9e7595f0bEb8",
      },
    });
    expect(decodeKnown("Transaction without metadata").content).toMatchObject({
      networkId: "0x89",
      metadata: undefined,
    });
  });

  it("decodes GroupUpdated transcripts", () => {
    const renamed = decodeKnown("Group name updated").content as {
      initiatedByInboxId: string;
      metadataFieldChanges: { fieldName: string; oldValue?: string; newValue?: string }[];
    };
    expect(renamed.initiatedByInboxId).toBe("inbox-123");
    expect(renamed.metadataFieldChanges).toMatchObject([
      { fieldName: "group_name", oldValue: "Old Name", newValue: "New Name" },
    ]);
    const added = decodeKnown("Members added to group").content as {
      addedInboxes: { inboxId: string }[];
    };
    expect(added.addedInboxes.map((i) => i.inboxId)).toEqual(["new-member-1", "new-member-2"]);
    const removed = decodeKnown("Members removed from group").content as {
      removedInboxes: { inboxId: string }[];
    };
    expect(removed.removedInboxes.map((i) => i.inboxId)).toEqual(["removed-member-1"]);
  });

  it("decodes wallet send calls", () => {
    expect(decodeKnown("Wallet send calls with optional value field").content).toEqual({
      version: "1.0",
      chainId: "0x89",
      from: "0x742d35Cc6634C0532925a3b844Bc9e7595f0bEb7",
      calls: [
        {
          to: "0x742d35Cc6634C0532925a3b844Bc9e7595f0bEb7",
          data: "0xa9059cbb",
          value: "0xde0b6b3a7640000",
          gas: undefined,
          metadata: undefined,
        },
        {
          to: "0x456d35Cc6634C0532925a3b844Bc9e7595f0bEb8",
          data: "0x095ea7b3",
          value: undefined,
          gas: undefined,
          metadata: undefined,
        },
      ],
      capabilities: undefined,
    });
  });

  it("fills in libxmtp's fallbacks when re-encoding", () => {
    const fallback = (description: string) => reencode(description).again.fallback;
    expect(fallback("Simple text message")).toBeUndefined();
    expect(fallback("Reaction with optional referenceInboxId")).toBe(
      'Removed "❤️" from an earlier message',
    );
    expect(fallback("Reaction without optional referenceInboxId")).toBe(
      'Reacted with "👍" to an earlier message',
    );
    expect(fallback("Reply without optional referenceInboxId")).toBe(
      'Replied with "This is a reply" to an earlier message',
    );
    expect(fallback("Read receipt")).toBeUndefined();
    expect(fallback("Remote attachment with optional filename")).toBe(
      "Can't display important-document.pdf. This app doesn't support remote attachments.",
    );
    expect(fallback("Attachment without optional fields")).toBe(
      "Can't display example.pdf. This app doesn't support attachments.",
    );
    expect(fallback("Transaction without metadata")).toBe(
      "[Crypto transaction] Use a blockchain explorer to learn more using the transaction hash: 0x456def...",
    );
    expect(fallback("Members added to group")).toBeUndefined();
    expect(fallback("Wallet send calls without optional fields")).toBe(
      `[Transaction request generated]: ${utf8(fromBinary(EncodedContentSchema, golden("Wallet send calls without optional fields")).content)}`,
    );
  });
});
