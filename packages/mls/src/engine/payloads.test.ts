// Byte-exactness of the extension payloads: expected bytes are written out by hand from the field
// numbers of libxmtp's generated protos and prost's rules (fields in tag order, proto3 defaults
// omitted, map entries with a default key or value omitted, Some(message) always written).
import { create, toBinary } from "@x/proto";
import {
  GroupMembershipSchema,
  GroupMutableMetadataV1Schema,
  MembershipPolicy_BasePolicy,
} from "@x/proto/mls/message_contents";
import { describe, expect, it } from "vitest";
import { ExtensionError } from "./errors.js";
import {
  ConversationType,
  decodeGroupMembership,
  decodeGroupMetadata,
  decodeMlsCredential,
  decodeMutableMetadata,
  decodePermissions,
  encodeGroupMembership,
  encodeGroupMetadata,
  encodeMlsCredential,
  encodeMutableMetadata,
  encodePermissions,
} from "./payloads.js";
import {
  adminsOnlyPolicySet,
  defaultPolicySet,
  dmPolicySet,
  membershipPolicy,
} from "./policies.js";
import { fromHex, toHex } from "./tls.js";

const hex = (s: string) => toHex(new TextEncoder().encode(s));
const len = (h: string) => (h.length / 2).toString(16).padStart(2, "0");
/** A length-delimited field (payload < 128 bytes). */
const ld = (tag: string, payloadHex: string) => tag + len(payloadHex) + payloadHex;

const INBOX_A = "0a7342740183795518a9e088237f294a257f43220052dde8ba20eba0c4cc07ab";
const INBOX_B = "b0af1b9dae31dfec1fcd5697562c3af22c9a0b65115067f691d5cf1a708127cc";

describe("MlsCredential", () => {
  it("is 0x0a 0x40 + the 64 hex characters", () => {
    expect(toHex(encodeMlsCredential(INBOX_A))).toBe(`0a40${hex(INBOX_A)}`);
    expect(decodeMlsCredential(encodeMlsCredential(INBOX_A))).toBe(INBOX_A);
    expect(decodeMlsCredential(fromHex("ff"))).toBeUndefined();
    expect(decodeMlsCredential(new Uint8Array())).toBeUndefined();
  });
});

describe("GroupMetadataV1", () => {
  it("encodes a group as {conversation_type 1, creator_inbox_id}", () => {
    const bytes = encodeGroupMetadata({
      conversationType: ConversationType.GROUP,
      creatorInboxId: INBOX_A,
    });
    expect(toHex(bytes)).toBe(`0801${ld("1a", hex(INBOX_A))}`);
    expect(decodeGroupMetadata(bytes)).toEqual({
      conversationType: ConversationType.GROUP,
      creatorInboxId: INBOX_A,
    });
  });

  it("encodes a DM with dm_members{one: creator, two: peer}", () => {
    const m = {
      conversationType: ConversationType.DM,
      creatorInboxId: INBOX_A,
      dmMembers: { memberOneInboxId: INBOX_A, memberTwoInboxId: INBOX_B },
    };
    const inbox = (id: string) => ld("0a", hex(id));
    const members = ld("0a", inbox(INBOX_A)) + ld("12", inbox(INBOX_B)); // 136 bytes: varint 88 01
    expect(toHex(encodeGroupMetadata(m))).toBe(`0802${ld("1a", hex(INBOX_A))}228801${members}`);
    expect(decodeGroupMetadata(encodeGroupMetadata(m))).toEqual(m);
  });

  it("rejects garbage and half a dm_members", () => {
    expect(() => decodeGroupMetadata(fromHex("ffff"))).toThrow(ExtensionError);
    expect(() => decodeGroupMetadata(fromHex(`0802${ld("22", ld("0a", ld("0a", "61")))}`))).toThrow(
      /dm_members/,
    );
  });
});

describe("GroupMutableMetadataV1 (prost rules)", () => {
  it("omits empty attribute values, sorts entries and always writes both lists", () => {
    const m = {
      attributes: { group_name: "", description: "d" },
      adminList: [],
      superAdminList: ["x"],
    };
    const expected =
      ld("0a", ld("0a", hex("description")) + ld("12", hex("d"))) +
      ld("0a", ld("0a", hex("group_name"))) +
      "1200" +
      ld("1a", ld("0a", hex("x")));
    expect(toHex(encodeMutableMetadata(m))).toBe(expected);
    expect(decodeMutableMetadata(encodeMutableMetadata(m))).toEqual(m);
    // protobuf-es writes the empty value ("12 00") where prost does not: that is why we do not use it
    const es = toBinary(
      GroupMutableMetadataV1Schema,
      create(GroupMutableMetadataV1Schema, {
        attributes: { description: "d", group_name: "" },
        adminList: { inboxIds: [] },
        superAdminList: { inboxIds: ["x"] },
      }),
    );
    expect(toHex(es)).not.toBe(expected);
    expect(decodeMutableMetadata(es)).toEqual(m);
  });

  it("rejects a metadata without its admin lists, as libxmtp does", () => {
    expect(() => decodeMutableMetadata(fromHex(ld("0a", ld("0a", hex("k")))))).toThrow(
      /admin_list/,
    );
    expect(() => decodeMutableMetadata(fromHex("0aff"))).toThrow(ExtensionError);
  });
});

describe("GroupMembership (prost rules)", () => {
  it("omits a zero sequence id and writes failed installations after the members", () => {
    const m = { members: { [INBOX_B]: 5n, [INBOX_A]: 0n }, failedInstallations: [fromHex("0102")] };
    const expected =
      ld("0a", ld("0a", hex(INBOX_A))) +
      ld("0a", `${ld("0a", hex(INBOX_B))}1005`) +
      ld("12", "0102");
    expect(toHex(encodeGroupMembership(m))).toBe(expected);
    expect(decodeGroupMembership(encodeGroupMembership(m))).toEqual(m);
    const es = toBinary(
      GroupMembershipSchema,
      create(GroupMembershipSchema, { members: { [INBOX_A]: 0n } }),
    );
    expect(toHex(es)).not.toBe(
      toHex(encodeGroupMembership({ members: { [INBOX_A]: 0n }, failedInstallations: [] })),
    );
  });

  it("writes large sequence ids as varints", () => {
    const bytes = encodeGroupMembership({ members: { a: 300n }, failedInstallations: [] });
    expect(toHex(bytes)).toBe(ld("0a", `${ld("0a", hex("a"))}10ac02`));
  });
});

describe("permission policy sets (libxmtp group_permissions.rs)", () => {
  const base = (tag: string, v: number) => ld(tag, `08${v.toString(16).padStart(2, "0")}`);
  const entry = (key: string, v: number) => ld("1a", ld("0a", hex(key)) + base("12", v));

  function expectedBytes(
    add: number,
    remove: number,
    metadata: Record<string, number>,
    admin: number,
  ): string {
    const set =
      base("0a", add) +
      base("12", remove) +
      Object.keys(metadata)
        .sort()
        .map((k) => entry(k, metadata[k] as number))
        .join("") +
      base("22", admin) +
      base("2a", admin) +
      base("32", admin);
    const n = set.length / 2;
    expect(n).toBeGreaterThan(127);
    expect(n).toBeLessThan(16384);
    // GroupMutablePermissionsV1{policies = 1}, the length as a two-byte protobuf varint
    return `0a${((n & 0x7f) | 0x80).toString(16)}${(n >> 7).toString(16).padStart(2, "0")}${set}`;
  }

  it("Default ('All members'): anyone adds, admins remove, metadata open except disappearing (admin) and min version (super admin)", () => {
    const bytes = encodePermissions(defaultPolicySet());
    expect(toHex(bytes)).toBe(
      expectedBytes(
        1,
        3,
        {
          group_name: 1,
          description: 1,
          group_image_url_square: 1,
          app_data: 1,
          message_disappear_from_ns: 3,
          message_disappear_in_ns: 3,
          minimum_supported_protocol_version: 4,
        },
        3,
      ),
    );
    expect(encodePermissions(decodePermissions(bytes))).toEqual(bytes);
  });

  it("AdminsOnly: admins add, remove and edit metadata", () => {
    expect(toHex(encodePermissions(adminsOnlyPolicySet()))).toBe(
      expectedBytes(
        3,
        3,
        {
          group_name: 3,
          description: 3,
          group_image_url_square: 3,
          app_data: 3,
          message_disappear_from_ns: 3,
          message_disappear_in_ns: 3,
          minimum_supported_protocol_version: 4,
        },
        3,
      ),
    );
  });

  it("DM: membership and admin changes denied, all metadata allowed", () => {
    expect(toHex(encodePermissions(dmPolicySet()))).toBe(
      expectedBytes(
        2,
        2,
        {
          group_name: 1,
          description: 1,
          group_image_url_square: 1,
          app_data: 1,
          message_disappear_from_ns: 1,
          message_disappear_in_ns: 1,
          minimum_supported_protocol_version: 1,
        },
        1,
      ),
    );
  });

  it("rejects a policy set missing a policy, as libxmtp's from_proto does", () => {
    const p = defaultPolicySet();
    p.addAdminPolicy = undefined;
    expect(() => decodePermissions(encodePermissions(p))).toThrow(/lacks/);
    expect(() => decodePermissions(new Uint8Array())).toThrow(ExtensionError);
    expect(membershipPolicy(MembershipPolicy_BasePolicy.DENY).kind).toEqual({
      case: "base",
      value: 2,
    });
  });
});
