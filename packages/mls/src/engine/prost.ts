// A minimal protobuf writer that reproduces prost's output (what libxmtp puts on the wire) for the
// two XMTP messages with map fields that sit in group-context extensions. protobuf-es always
// writes both halves of a map entry; prost omits a default key or value (a member at sequence id 0,
// an attribute whose value is ""), so for these the bytes would differ. prost iterates a HashMap
// (random order); we write entries sorted by key, which is one of the orders libxmtp produces.
import { concatBytes } from "./tls.js";

const utf8 = new TextEncoder();

function varint(n: bigint): Uint8Array {
  if (n < 0n || n >= 1n << 64n) throw new RangeError("uint64 out of range");
  const out: number[] = [];
  let v = n;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

function tag(field: number, wireType: 0 | 2): Uint8Array {
  return varint(BigInt((field << 3) | wireType));
}

function lengthDelimited(field: number, payload: Uint8Array): Uint8Array {
  return concatBytes(tag(field, 2), varint(BigInt(payload.length)), payload);
}

/** A proto3 string field with implicit presence: omitted when empty, as prost does. */
function stringField(field: number, value: string): Uint8Array {
  return value === "" ? new Uint8Array() : lengthDelimited(field, utf8.encode(value));
}

function uint64Field(field: number, value: bigint): Uint8Array {
  return value === 0n ? new Uint8Array() : concatBytes(tag(field, 0), varint(value));
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `Inboxes { repeated string inbox_ids = 1; }` */
function inboxes(ids: readonly string[]): Uint8Array {
  return concatBytes(...ids.map((id) => lengthDelimited(1, utf8.encode(id))));
}

/**
 * `GroupMutableMetadataV1 { map<string,string> attributes = 1; Inboxes admin_list = 2;
 * Inboxes super_admin_list = 3; }`. libxmtp always sets both lists (`Some(Inboxes)`), so both
 * are written even when empty.
 */
export function encodeMutableMetadataProst(value: {
  attributes: Readonly<Record<string, string>>;
  adminList: readonly string[];
  superAdminList: readonly string[];
}): Uint8Array {
  const entries = Object.keys(value.attributes)
    .sort(byKey)
    .map((k) =>
      lengthDelimited(
        1,
        concatBytes(stringField(1, k), stringField(2, value.attributes[k] as string)),
      ),
    );
  return concatBytes(
    ...entries,
    lengthDelimited(2, inboxes(value.adminList)),
    lengthDelimited(3, inboxes(value.superAdminList)),
  );
}

/** `GroupMembership { map<string,uint64> members = 1; repeated bytes failed_installations = 2; }` */
export function encodeGroupMembershipProst(value: {
  members: Readonly<Record<string, bigint>>;
  failedInstallations: readonly Uint8Array[];
}): Uint8Array {
  const entries = Object.keys(value.members)
    .sort(byKey)
    .map((k) =>
      lengthDelimited(
        1,
        concatBytes(stringField(1, k), uint64Field(2, value.members[k] as bigint)),
      ),
    );
  return concatBytes(...entries, ...value.failedInstallations.map((b) => lengthDelimited(2, b)));
}
