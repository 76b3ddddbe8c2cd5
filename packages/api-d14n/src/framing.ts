// Just enough of MLS's TLS presentation language (RFC 9420) to compute topics and to check
// what a node hands back: the leaf signature key of a KeyPackage, and the group id, wire format
// and content type at the head of an MLSMessage. Nothing is verified cryptographically.

export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FramingError";
  }
}

/** MLSMessage wire formats (RFC 9420 §6). */
export const WireFormat = {
  PublicMessage: 1,
  PrivateMessage: 2,
  Welcome: 3,
  GroupInfo: 4,
  KeyPackage: 5,
} as const;

/** FramedContent content types (RFC 9420 §6). */
export const ContentType = {
  Application: 1,
  Proposal: 2,
  Commit: 3,
} as const;

const MLS10 = 1;

/** A forward-only reader over TLS-serialized bytes. */
class Reader {
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  private need(n: number, field: string): void {
    if (this.offset + n > this.bytes.length) {
      throw new FramingError(
        `${this.what} is truncated: ${field} needs ${n} byte(s) at offset ${this.offset}, ` +
          `${this.bytes.length - this.offset} left`,
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.offset++] as number;
  }

  u16(field: string): number {
    this.need(2, field);
    const v = ((this.bytes[this.offset] as number) << 8) | (this.bytes[this.offset + 1] as number);
    this.offset += 2;
    return v;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.offset += n;
  }

  /** RFC 9420 §2.1.2 variable-size length: the top two bits of the first byte give 1, 2 or 4 bytes. */
  varint(field: string): number {
    const first = this.u8(field);
    const prefix = first >> 6;
    if (prefix === 0) return first & 0x3f;
    if (prefix === 1) return ((first & 0x3f) << 8) | this.u8(field);
    if (prefix === 2) {
      this.need(3, field);
      let v = first & 0x3f;
      for (let i = 0; i < 3; i++) v = v * 256 + (this.bytes[this.offset++] as number);
      return v;
    }
    throw new FramingError(`${this.what}: ${field} has an invalid length prefix 0b11`);
  }

  /** `opaque field<V>`. */
  opaque(field: string): Uint8Array {
    const n = this.varint(field);
    this.need(n, field);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

/**
 * The leaf node's `signature_key` of a TLS-serialized KeyPackage (no MLSMessage framing):
 * version u16, cipher_suite u16, init_key<V>, then the LeafNode's encryption_key<V> and
 * signature_key<V>. libxmtp's key-package topic is `0x03 ‖ signature_key`.
 */
export function keyPackageSignatureKey(keyPackage: Uint8Array): Uint8Array {
  const r = new Reader(keyPackage, "key package");
  const version = r.u16("version");
  if (version !== MLS10) {
    throw new FramingError(`key package has protocol version ${version}, expected 1 (mls10)`);
  }
  r.u16("cipher_suite");
  r.opaque("init_key");
  r.opaque("leaf_node.encryption_key");
  const signatureKey = r.opaque("leaf_node.signature_key");
  if (signatureKey.length === 0) throw new FramingError("key package has an empty signature key");
  return signatureKey;
}

export interface MlsMessageHeader {
  wireFormat: typeof WireFormat.PublicMessage | typeof WireFormat.PrivateMessage;
  groupId: Uint8Array;
  epoch: bigint;
  /** 1 application, 2 proposal, 3 commit. */
  contentType: number;
}

/**
 * The head of a group message's `data` (an MLSMessage holding a PublicMessage or a
 * PrivateMessage): version, wire format, group id, epoch and content type. Anything else
 * (Welcome, GroupInfo, KeyPackage, truncated bytes) throws FramingError.
 */
export function mlsMessageHeader(data: Uint8Array): MlsMessageHeader {
  const r = new Reader(data, "MLS message");
  const version = r.u16("version");
  if (version !== MLS10) {
    throw new FramingError(`MLS message has protocol version ${version}, expected 1 (mls10)`);
  }
  const wireFormat = r.u16("wire_format");
  if (wireFormat !== WireFormat.PublicMessage && wireFormat !== WireFormat.PrivateMessage) {
    throw new FramingError(
      `MLS message has wire format ${wireFormat}; a group message is a PublicMessage (1) or PrivateMessage (2)`,
    );
  }
  const groupId = r.opaque("group_id");
  if (groupId.length === 0) throw new FramingError("MLS message has an empty group id");
  const hi = BigInt(r.u16("epoch"));
  const mid = BigInt(r.u16("epoch"));
  const lo = (BigInt(r.u16("epoch")) << 16n) | BigInt(r.u16("epoch"));
  const epoch = (hi << 48n) | (mid << 32n) | lo;
  let contentType: number;
  if (wireFormat === WireFormat.PrivateMessage) {
    contentType = r.u8("content_type");
  } else {
    const senderType = r.u8("sender_type");
    if (senderType === 1 || senderType === 2) r.skip(4, "sender index");
    else if (senderType !== 3 && senderType !== 4) {
      throw new FramingError(`MLS message has an unknown sender type ${senderType}`);
    }
    r.opaque("authenticated_data");
    contentType = r.u8("content_type");
  }
  if (contentType < ContentType.Application || contentType > ContentType.Commit) {
    throw new FramingError(`MLS message has an unknown content type ${contentType}`);
  }
  return { wireFormat, groupId, epoch, contentType };
}
