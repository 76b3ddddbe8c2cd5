// Hand-built MLS messages for tests: framing only (the node reads no further).
import { concatBytes as concat, encodeU16 as u16, encodeU64 as u64 } from "@x/crypto";
import { encodeOpaque } from "../mls/tls.js";

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

/**
 * An MLSMessage holding a PublicMessage from member `leaf` (sender type 1), or from another
 * sender type: 2 external (with an index too), 3 new_member_proposal, 4 new_member_commit.
 */
export function publicMessage(groupId: Uint8Array, contentType = 3, leaf = 0, senderType = 1) {
  return concat(
    u16(1),
    u16(1),
    encodeOpaque(groupId),
    u64(2n),
    Uint8Array.of(senderType),
    senderType === 1 || senderType === 2 ? Uint8Array.of(0, 0, 0, leaf) : new Uint8Array(),
    encodeOpaque(new Uint8Array()),
    Uint8Array.of(contentType),
    Uint8Array.of(0xaa, 0xbb),
  );
}
