import { describe, expect, it } from "vitest";
import {
  ContentType,
  FramingError,
  keyPackageSignatureKey,
  mlsMessageHeader,
  WireFormat,
} from "./framing.js";
import {
  concat,
  keyPackage,
  opaque,
  privateMessage,
  publicCommit,
  varint,
} from "./test-utils/mls.js";

describe("MLS variable-length integers", () => {
  it("reads 1-, 2- and 4-byte length prefixes", () => {
    for (const n of [0, 5, 63, 64, 300, 16_383, 16_384, 20_000]) {
      const key = new Uint8Array(n).fill(7);
      // The signature key sits behind two other <V> fields, so every prefix size is crossed.
      const kp = concat(
        Uint8Array.of(0, 1, 0, 1),
        opaque(new Uint8Array(n)),
        opaque(new Uint8Array(3)),
        opaque(key),
      );
      if (n === 0) expect(() => keyPackageSignatureKey(kp)).toThrow(/empty signature key/);
      else expect(keyPackageSignatureKey(kp)).toEqual(key);
    }
    expect(varint(64)).toEqual(Uint8Array.of(0x40, 0x40));
    expect(varint(16_384)[0]! >> 6).toBe(2);
  });

  it("refuses the reserved 0b11 prefix", () => {
    const kp = concat(Uint8Array.of(0, 1, 0, 1), Uint8Array.of(0xc0, 0, 0, 0, 0, 0, 0, 1, 0));
    expect(() => keyPackageSignatureKey(kp)).toThrow(/invalid length prefix/);
  });
});

describe("keyPackageSignatureKey", () => {
  it("finds the leaf signature key of a KeyPackage", () => {
    const sig = new Uint8Array(32).map((_, i) => i);
    expect(keyPackageSignatureKey(keyPackage(sig))).toEqual(sig);
  });

  it("refuses truncated key packages and other protocol versions", () => {
    const good = keyPackage(new Uint8Array(32).fill(9));
    // Cut inside the signature key (4 + 33 + 33 + 1 + 10 bytes).
    const truncated = good.slice(0, 4 + 33 + 33 + 1 + 10);
    expect(() => keyPackageSignatureKey(truncated)).toThrow(FramingError);
    expect(() => keyPackageSignatureKey(truncated)).toThrow(/truncated: leaf_node.signature_key/);
    expect(() => keyPackageSignatureKey(new Uint8Array())).toThrow(/truncated: version/);
    const v2 = good.slice();
    v2[1] = 2;
    expect(() => keyPackageSignatureKey(v2)).toThrow(/version 2/);
  });
});

describe("mlsMessageHeader", () => {
  const groupId = new Uint8Array(16).fill(0xab);

  it("reads the group id and content type of a PrivateMessage", () => {
    const h = mlsMessageHeader(privateMessage(groupId, ContentType.Application, 7n));
    expect(h).toEqual({
      wireFormat: WireFormat.PrivateMessage,
      groupId,
      epoch: 7n,
      contentType: 1,
    });
  });

  it("reads a PublicMessage commit past its sender and authenticated data", () => {
    const h = mlsMessageHeader(publicCommit(groupId, 3n));
    expect([h.wireFormat, h.contentType, h.epoch]).toEqual([
      WireFormat.PublicMessage,
      ContentType.Commit,
      3n,
    ]);
    expect(h.groupId).toEqual(groupId);
  });

  it("refuses other wire formats, random bytes and truncation", () => {
    const welcome = privateMessage(groupId).slice();
    welcome[3] = WireFormat.Welcome;
    expect(() => mlsMessageHeader(welcome)).toThrow(/wire format 3/);
    expect(() => mlsMessageHeader(new Uint8Array(40).fill(0x5a))).toThrow(FramingError);
    expect(() => mlsMessageHeader(privateMessage(groupId).slice(0, 10))).toThrow(/truncated/);
  });
});
