// Hand-built MLS messages for tests: framing only (the node reads no further).
import { encodeOpaque } from "../mls/tls.js";

const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const u64 = (n: bigint) => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n);
  return out;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** An MLSMessage holding a PrivateMessage (content type 1 application, 2 proposal, 3 commit). */
export function privateMessage(
  groupId: Uint8Array,
  contentType = 1,
  ciphertext = Uint8Array.of(1, 2, 3),
  epoch = 1n,
) {
  return concat(
    u16(1),
    u16(2),
    encodeOpaque(groupId),
    u64(epoch),
    Uint8Array.of(contentType),
    encodeOpaque(new Uint8Array()),
    encodeOpaque(Uint8Array.of(9, 9)),
    encodeOpaque(ciphertext),
  );
}

/** An MLSMessage holding a PublicMessage from member `leaf`. */
export function publicMessage(groupId: Uint8Array, contentType = 3, leaf = 0) {
  return concat(
    u16(1),
    u16(1),
    encodeOpaque(groupId),
    u64(2n),
    Uint8Array.of(1),
    Uint8Array.of(0, 0, 0, leaf),
    encodeOpaque(new Uint8Array()),
    Uint8Array.of(contentType),
    Uint8Array.of(0xaa, 0xbb),
  );
}
