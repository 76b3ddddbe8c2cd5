import { createCipheriv, createHash, hkdfSync } from "node:crypto";
import { toBinary } from "@bufbuild/protobuf";
import { EncodedContentSchema } from "@x/proto/mls/message_contents";
import { describe, expect, it } from "vitest";
import { createEncodedContent } from "../codec.js";
import {
  AttachmentDecryptionError,
  AttachmentDigestMismatchError,
  ContentDecodeError,
  ContentEncodeError,
  ContentTypeMismatchError,
} from "../errors.js";
import { type Attachment, AttachmentCodec, ContentTypeAttachment } from "./attachment.js";
import {
  decryptAttachment,
  decryptEncodedContent,
  encryptAttachment,
  encryptEncodedContent,
  encryptPayload,
} from "./attachment-encryption.js";
import { MultiRemoteAttachmentCodec } from "./multi-remote-attachment.js";
import {
  ContentTypeRemoteAttachment,
  type RemoteAttachment,
  RemoteAttachmentCodec,
} from "./remote-attachment.js";
import { TextCodec } from "./text.js";

const attachmentCodec = new AttachmentCodec();
const remoteCodec = new RemoteAttachmentCodec();
const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const sha256Hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

const photo: Attachment = {
  filename: "cat.png",
  mimeType: "image/png",
  content: new Uint8Array([137, 80, 78, 71, 1, 2, 3]),
};

describe("AttachmentCodec (xmtp.org/attachment:1.0)", () => {
  it("puts filename and mimeType in the parameters and the bytes in the content", () => {
    const encoded = attachmentCodec.encode(photo);
    expect(Object.entries(encoded.parameters)).toEqual([
      ["filename", "cat.png"],
      ["mimeType", "image/png"],
    ]);
    expect(encoded.content).toEqual(photo.content);
    expect(encoded.fallback).toBe("Can't display cat.png. This app doesn't support attachments.");
    expect(attachmentCodec.decode(encoded)).toEqual(photo);
    expect(attachmentCodec.shouldPush()).toBe(true);
  });

  it("handles a missing filename and a missing mimeType as libxmtp does", () => {
    const noName = attachmentCodec.encode({ mimeType: "text/plain", content: new Uint8Array([1]) });
    expect(Object.keys(noName.parameters)).toEqual(["mimeType"]);
    expect(noName.fallback).toBe(
      "Can't display this content. This app doesn't support attachments.",
    );
    expect(attachmentCodec.decode(noName).filename).toBeUndefined();
    const bare = createEncodedContent({
      type: ContentTypeAttachment,
      content: new Uint8Array([9]),
    });
    expect(attachmentCodec.decode(bare)).toEqual({
      filename: undefined,
      mimeType: "",
      content: new Uint8Array([9]),
    });
  });
});

const remote: RemoteAttachment = {
  url: "https://example.com/file.pdf",
  contentDigest: "ab".repeat(32),
  secret: new Uint8Array(32).fill(1),
  salt: new Uint8Array(32).fill(2),
  nonce: new Uint8Array(12).fill(3),
  scheme: "https",
  contentLength: 1024,
  filename: "file.pdf",
};

describe("RemoteAttachmentCodec (xmtp.org/remoteStaticAttachment:1.0)", () => {
  it("writes the URL as content and hex keys as parameters, in xmtp-js order", () => {
    const encoded = remoteCodec.encode(remote);
    expect(new TextDecoder().decode(encoded.content)).toBe(remote.url);
    expect(Object.entries(encoded.parameters)).toEqual([
      ["contentDigest", remote.contentDigest],
      ["salt", "02".repeat(32)],
      ["nonce", "03".repeat(12)],
      ["secret", "01".repeat(32)],
      ["scheme", "https"],
      ["contentLength", "1024"],
      ["filename", "file.pdf"],
    ]);
    expect(encoded.fallback).toBe(
      "Can't display file.pdf. This app doesn't support remote attachments.",
    );
    expect(remoteCodec.decode(encoded)).toEqual(remote);
  });

  it("leaves out contentLength and filename when absent", () => {
    const encoded = remoteCodec.encode({
      ...remote,
      contentLength: undefined,
      filename: undefined,
    });
    expect(encoded.parameters).not.toHaveProperty("contentLength");
    expect(encoded.parameters).not.toHaveProperty("filename");
    expect(encoded.fallback).toBe(
      "Can't display this content. This app doesn't support remote attachments.",
    );
    expect(remoteCodec.decode(encoded)).toMatchObject({
      contentLength: undefined,
      filename: undefined,
    });
    expect(() => remoteCodec.encode({ ...remote, contentLength: -1 })).toThrow(ContentEncodeError);
    expect(() => remoteCodec.encode({ ...remote, contentLength: 2 ** 32 })).toThrow(
      ContentEncodeError,
    );
  });

  it.each([
    ["salt", "not_valid_hex", /invalid hex in salt/],
    ["nonce", "abc", /invalid hex in nonce/],
    ["secret", "zz", /invalid hex in secret/],
    ["contentLength", "not_a_number", /invalid contentLength/],
    ["contentLength", "4294967296", /invalid contentLength/],
    ["contentLength", "-1", /invalid contentLength/],
    ["contentLength", " 1", /invalid contentLength/],
  ])("refuses a bad %s parameter (%j) with a typed error", (name, value, message) => {
    const encoded = remoteCodec.encode(remote);
    encoded.parameters[name] = value;
    expect(() => remoteCodec.decode(encoded)).toThrow(ContentDecodeError);
    expect(() => remoteCodec.decode(encoded)).toThrow(message);
  });

  it("accepts what Rust's u32 parser accepts and uppercase hex", () => {
    const encoded = remoteCodec.encode(remote);
    encoded.parameters.contentLength = "+4294967295";
    encoded.parameters.salt = "0A0B";
    expect(remoteCodec.decode(encoded)).toMatchObject({
      contentLength: 4294967295,
      salt: new Uint8Array([10, 11]),
    });
  });

  it("refuses a URL that is not UTF-8 and another content type", () => {
    const bad = createEncodedContent({
      type: ContentTypeRemoteAttachment,
      content: new Uint8Array([0xc3]),
    });
    expect(() => remoteCodec.decode(bad)).toThrow(ContentDecodeError);
    expect(() => remoteCodec.decode(attachmentCodec.encode(photo))).toThrow(
      ContentTypeMismatchError,
    );
  });
});

describe("remote attachment encryption", () => {
  it("is HKDF-SHA256 (empty info) + AES-256-GCM, as node:crypto computes it", async () => {
    const secret = hex("0f".repeat(32));
    const salt = hex("a5".repeat(32));
    const nonce = hex("5a".repeat(12));
    const plaintext = new TextEncoder().encode("attachment bytes");
    const key = Buffer.from(hkdfSync("sha256", secret, salt, new Uint8Array(0), 32));
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    const expected = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const payload = await encryptPayload(plaintext, secret, salt, nonce);
    expect(Buffer.from(payload)).toEqual(expected);
    expect(payload.length).toBe(plaintext.length + 16);
  });

  it("decrypts a payload made by an independent implementation", async () => {
    const secret = hex("11".repeat(32));
    const salt = hex("22".repeat(32));
    const nonce = hex("33".repeat(12));
    const plaintext = toBinary(EncodedContentSchema, attachmentCodec.encode(photo));
    const key = Buffer.from(hkdfSync("sha256", secret, salt, new Uint8Array(0), 32));
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    const payload = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const decrypted = await decryptAttachment(payload, {
      contentDigest: sha256Hex(payload),
      secret,
      salt,
      nonce,
    });
    expect(decrypted).toEqual(photo);
  });

  it("encrypts the attachment's EncodedContent with fresh keys and a SHA-256 digest", async () => {
    const encrypted = await encryptAttachment(photo);
    expect(encrypted.secret).toHaveLength(32);
    expect(encrypted.salt).toHaveLength(32);
    expect(encrypted.nonce).toHaveLength(12);
    expect(encrypted.contentDigest).toBe(sha256Hex(encrypted.payload));
    expect(encrypted.contentLength).toBe(encrypted.payload.length);
    expect(encrypted.filename).toBe("cat.png");
    expect(encrypted.payload.length).toBe(
      toBinary(EncodedContentSchema, attachmentCodec.encode(photo)).length + 16,
    );
    expect(await decryptAttachment(encrypted.payload, encrypted)).toEqual(photo);

    const again = await encryptAttachment(photo);
    expect(again.secret).not.toEqual(encrypted.secret);
    expect(again.payload).not.toEqual(encrypted.payload);
  });

  it("goes through a RemoteAttachment message and back", async () => {
    const encrypted = await encryptAttachment(photo);
    const message = remoteCodec.encode({
      url: "https://files.example/abc",
      scheme: "https://",
      contentDigest: encrypted.contentDigest,
      secret: encrypted.secret,
      salt: encrypted.salt,
      nonce: encrypted.nonce,
      contentLength: encrypted.contentLength,
      filename: encrypted.filename,
    });
    const received = remoteCodec.decode(message);
    expect(await decryptAttachment(encrypted.payload, received)).toEqual(photo);
  });

  it("refuses a wrong digest, wrong keys and a tampered payload with typed errors", async () => {
    const encrypted = await encryptAttachment(photo);
    await expect(
      decryptAttachment(encrypted.payload, { ...encrypted, contentDigest: "wrong_digest" }),
    ).rejects.toThrow(AttachmentDigestMismatchError);
    await expect(
      decryptAttachment(encrypted.payload, { ...encrypted, secret: new Uint8Array(32).fill(7) }),
    ).rejects.toThrow(AttachmentDecryptionError);
    const tampered = Uint8Array.from(encrypted.payload);
    tampered[0]! ^= 1;
    await expect(
      decryptAttachment(tampered, { ...encrypted, contentDigest: sha256Hex(tampered) }),
    ).rejects.toThrow(AttachmentDecryptionError);
    await expect(
      decryptAttachment(encrypted.payload, { ...encrypted, salt: new Uint8Array(16) }),
    ).rejects.toThrow(/invalid salt length/);
    await expect(
      decryptAttachment(encrypted.payload, { ...encrypted, nonce: new Uint8Array(8) }),
    ).rejects.toThrow(/invalid nonce length/);
    const digestError = await decryptAttachment(encrypted.payload, {
      ...encrypted,
      contentDigest: "00",
    }).catch((e) => e);
    expect(digestError.code).toBe("ATTACHMENT_DIGEST_MISMATCH");
  });

  it("encrypts any content, and decryptAttachment refuses non-attachments", async () => {
    const text = new TextCodec().encode("remote text");
    const encrypted = await encryptEncodedContent(text);
    expect(await decryptEncodedContent(encrypted.payload, encrypted)).toEqual(text);
    await expect(decryptAttachment(encrypted.payload, encrypted)).rejects.toThrow(
      ContentTypeMismatchError,
    );
  });
});

describe("MultiRemoteAttachmentCodec (xmtp.org/multiRemoteStaticAttachment:1.0)", () => {
  const multi = new MultiRemoteAttachmentCodec();

  it("round-trips several attachments through the protobuf", () => {
    const value = {
      attachments: [
        remote,
        { ...remote, url: "https://example.com/2", filename: undefined, contentLength: undefined },
      ],
    };
    const encoded = multi.encode(value);
    expect(encoded.type).toMatchObject({ typeId: "multiRemoteStaticAttachment", versionMajor: 1 });
    expect(encoded.parameters).toEqual({});
    expect(encoded.fallback).toBe(
      "Can't display this content. This app doesn't support multiple remote attachments.",
    );
    expect(multi.decode(encoded)).toEqual(value);
    expect(multi.shouldPush()).toBe(true);
  });

  it("writes RemoteAttachmentInfo with its proto field numbers", () => {
    const one: RemoteAttachment = {
      contentDigest: "d",
      secret: new Uint8Array([1]),
      nonce: new Uint8Array([2]),
      salt: new Uint8Array([3]),
      scheme: "s",
      url: "u",
      contentLength: 5,
      filename: "f",
    };
    // attachments(1) { content_digest(1) secret(2) nonce(3) salt(4) scheme(5) url(6) content_length(7) filename(8) }
    expect(multi.encode({ attachments: [one] }).content).toEqual(
      hex("0a170a0164120101" + "1a0102" + "220103" + "2a0173" + "320175" + "3805" + "420166"),
    );
  });

  it("refuses a truncated protobuf and an out-of-range contentLength", () => {
    const encoded = multi.encode({ attachments: [remote] });
    expect(() => multi.decode({ ...encoded, content: encoded.content.subarray(0, 10) })).toThrow(
      ContentDecodeError,
    );
    expect(() => multi.encode({ attachments: [{ ...remote, contentLength: 1.5 }] })).toThrow(
      ContentEncodeError,
    );
  });
});
