import { create } from "@bufbuild/protobuf";
import {
  GroupMembershipChangesSchema,
  GroupUpdated_InboxSchema,
  GroupUpdated_MetadataFieldChangeSchema,
  GroupUpdatedSchema,
  MembershipChangeSchema,
} from "@x/proto/mls/message_contents";
import { describe, expect, it } from "vitest";
import { createEncodedContent } from "../codec.js";
import { contentTypeToString } from "../content-type-id.js";
import { encodeContent } from "../encoding.js";
import { ContentDecodeError, ContentTypeMismatchError } from "../errors.js";
import { golden } from "../test-utils/libxmtp-fixtures.js";
import {
  ContentTypeDeleteMessage,
  ContentTypeGroupUpdated,
  ContentTypeLeaveRequest,
  DeleteMessageCodec,
  GroupMembershipChangeCodec,
  GroupUpdatedCodec,
  LeaveRequestCodec,
} from "./system.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));

describe("system content types", () => {
  it("use libxmtp's type ids, carry no fallback and are never pushed", () => {
    const codecs = [
      new GroupUpdatedCodec(),
      new GroupMembershipChangeCodec(),
      new LeaveRequestCodec(),
      new DeleteMessageCodec(),
    ];
    expect(codecs.map((c) => contentTypeToString(c.contentType))).toEqual([
      "xmtp.org/group_updated:1.0",
      "xmtp.org/group_membership_change:1.0",
      "xmtp.org/leave_request:1.0",
      "xmtp.org/deleteMessage:1.0",
    ]);
    for (const codec of codecs) {
      expect(codec.shouldPush()).toBe(false);
      expect(codec.fallback()).toBeUndefined();
    }
  });

  it("GroupUpdated encodes to the golden bytes and round-trips", () => {
    const codec = new GroupUpdatedCodec();
    const renamed = create(GroupUpdatedSchema, {
      initiatedByInboxId: "inbox-123",
      metadataFieldChanges: [
        create(GroupUpdated_MetadataFieldChangeSchema, {
          fieldName: "group_name",
          oldValue: "Old Name",
          newValue: "New Name",
        }),
      ],
    });
    expect(encodeContent(codec, renamed)).toEqual(golden("Group name updated"));
    const added = create(GroupUpdatedSchema, {
      initiatedByInboxId: "admin-inbox",
      addedInboxes: ["new-member-1", "new-member-2"].map((inboxId) =>
        create(GroupUpdated_InboxSchema, { inboxId }),
      ),
    });
    expect(encodeContent(codec, added)).toEqual(golden("Members added to group"));
    const withAdmins = create(GroupUpdatedSchema, {
      initiatedByInboxId: "a",
      leftInboxes: [create(GroupUpdated_InboxSchema, { inboxId: "l" })],
      addedSuperAdminInboxes: [create(GroupUpdated_InboxSchema, { inboxId: "s" })],
    });
    expect(codec.decode(codec.encode(withAdmins))).toEqual(withAdmins);
  });

  it("GroupUpdated refuses a truncated protobuf with a typed error", () => {
    const codec = new GroupUpdatedCodec();
    const bad = createEncodedContent({
      type: ContentTypeGroupUpdated,
      content: hex("0a0b61646d696e"),
    });
    expect(() => codec.decode(bad)).toThrow(ContentDecodeError);
    expect(() => codec.decode(bad)).toThrow(
      /not a valid xmtp.mls.message_contents.GroupUpdated protobuf/,
    );
  });

  it("GroupMembershipChanges round-trips", () => {
    const codec = new GroupMembershipChangeCodec();
    const value = create(GroupMembershipChangesSchema, {
      membersAdded: [
        create(MembershipChangeSchema, {
          installationIds: [new Uint8Array([1, 2])],
          accountAddress: "0xabc",
        }),
      ],
    });
    expect(codec.decode(codec.encode(value))).toEqual(value);
  });

  it("LeaveRequest is field 1 bytes, optional", () => {
    const codec = new LeaveRequestCodec();
    expect(codec.encode({}).content).toEqual(new Uint8Array());
    expect(codec.decode(codec.encode({}))).toEqual({});
    const note = codec.encode({ authenticatedNote: new Uint8Array([7, 8]) });
    expect(note.content).toEqual(hex("0a020708"));
    expect(codec.decode(note)).toEqual({ authenticatedNote: new Uint8Array([7, 8]) });
    expect(note.type?.typeId).toBe("leave_request");
  });

  it("DeleteMessage is field 1 message_id", () => {
    const codec = new DeleteMessageCodec();
    const encoded = codec.encode({ messageId: "ab01" });
    expect(encoded.content).toEqual(hex("0a0461623031"));
    expect(encoded.parameters).toEqual({});
    expect(codec.decode(encoded)).toEqual({ messageId: "ab01" });
    const truncated = createEncodedContent({
      type: ContentTypeDeleteMessage,
      content: hex("0a04616230"),
    });
    expect(() => codec.decode(truncated)).toThrow(ContentDecodeError);
    expect(() => codec.decode(new LeaveRequestCodec().encode({}))).toThrow(
      ContentTypeMismatchError,
    );
    const camel = createEncodedContent({
      type: { ...ContentTypeLeaveRequest, typeId: "leaveRequest" },
    });
    expect(() => new LeaveRequestCodec().decode(camel)).toThrow(ContentTypeMismatchError);
  });
});
