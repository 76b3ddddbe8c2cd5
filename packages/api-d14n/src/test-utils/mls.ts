// Hand-built MLS bytes for tests: just the framing the client parses, no real cryptography.

/** RFC 9420 §2.1.2 variable-size length prefix. */
export function varint(n: number): Uint8Array {
  if (n < 0x40) return Uint8Array.of(n);
  if (n < 0x4000) return Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  return Uint8Array.of(0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

export const opaque = (bytes: Uint8Array) => concat(varint(bytes.length), bytes);

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const u16 = (v: number) => Uint8Array.of(v >> 8, v & 0xff);
const u64 = (v: bigint) => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
};

/** An MLSMessage holding a PrivateMessage of `groupId` (content type 1 = application). */
export function privateMessage(groupId: Uint8Array, contentType = 1, epoch = 1n): Uint8Array {
  return concat(
    u16(1),
    u16(2),
    opaque(groupId),
    u64(epoch),
    Uint8Array.of(contentType),
    opaque(new Uint8Array()),
    opaque(new Uint8Array(16).fill(0xee)),
  );
}

/** An MLSMessage holding a PublicMessage commit by member 0 of `groupId`. */
export function publicCommit(groupId: Uint8Array, epoch = 1n): Uint8Array {
  return concat(
    u16(1),
    u16(1),
    opaque(groupId),
    u64(epoch),
    Uint8Array.of(1),
    Uint8Array.of(0, 0, 0, 0),
    opaque(new Uint8Array()),
    Uint8Array.of(3),
    new Uint8Array(12).fill(0xcc),
  );
}

/** A KeyPackage whose leaf signature key is `signatureKey` (the rest is filler). */
export function keyPackage(signatureKey: Uint8Array): Uint8Array {
  return concat(
    u16(1),
    u16(1),
    opaque(new Uint8Array(32).fill(0x11)),
    opaque(new Uint8Array(32).fill(0x22)),
    opaque(signatureKey),
    new Uint8Array(40).fill(0x33),
  );
}
