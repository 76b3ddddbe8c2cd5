// libxmtp's system content types: protobuf content, no fallback, never pushed.
import {
  type GroupMembershipChanges,
  GroupMembershipChangesSchema,
  type GroupUpdated,
  GroupUpdatedSchema,
} from "@x/proto/mls/message_contents";
import {
  DeleteMessageSchema,
  LeaveRequestSchema,
} from "@x/proto/mls/message_contents/content_types";
import { type ContentTypeId, contentTypeId } from "../content-type-id.js";
import { ProtoContentCodec } from "./proto-codec.js";

export type { GroupMembershipChanges, GroupUpdated };

export const ContentTypeGroupUpdated: ContentTypeId = contentTypeId(
  "xmtp.org",
  "group_updated",
  1,
  0,
);
export const ContentTypeGroupMembershipChange: ContentTypeId = contentTypeId(
  "xmtp.org",
  "group_membership_change",
  1,
  0,
);
// The proto comment says "leaveRequest", but libxmtp sends "leave_request".
export const ContentTypeLeaveRequest: ContentTypeId = contentTypeId(
  "xmtp.org",
  "leave_request",
  1,
  0,
);
export const ContentTypeDeleteMessage: ContentTypeId = contentTypeId(
  "xmtp.org",
  "deleteMessage",
  1,
  0,
);

/**
 * `xmtp.org/group_updated:1.0`: the GroupUpdated transcript of a commit (the @x/proto message;
 * build one with `create(GroupUpdatedSchema, {...})`).
 */
export class GroupUpdatedCodec extends ProtoContentCodec<typeof GroupUpdatedSchema, GroupUpdated> {
  readonly contentType = ContentTypeGroupUpdated;
  protected readonly schema = GroupUpdatedSchema;
  protected fromMessage(message: GroupUpdated): GroupUpdated {
    return message;
  }
}

/** `xmtp.org/group_membership_change:1.0`: the older GroupMembershipChanges transcript. */
export class GroupMembershipChangeCodec extends ProtoContentCodec<
  typeof GroupMembershipChangesSchema,
  GroupMembershipChanges
> {
  readonly contentType = ContentTypeGroupMembershipChange;
  protected readonly schema = GroupMembershipChangesSchema;
  protected fromMessage(message: GroupMembershipChanges): GroupMembershipChanges {
    return message;
  }
}

export interface LeaveRequest {
  /** A serialized AuthenticatedNote, when the sender attached one. */
  authenticatedNote?: Uint8Array | undefined;
}

/** `xmtp.org/leave_request:1.0`: a member asks the admins to remove it from the group. */
export class LeaveRequestCodec extends ProtoContentCodec<typeof LeaveRequestSchema, LeaveRequest> {
  readonly contentType = ContentTypeLeaveRequest;
  protected readonly schema = LeaveRequestSchema;
  protected fromMessage(message: LeaveRequest): LeaveRequest {
    return message.authenticatedNote === undefined
      ? {}
      : { authenticatedNote: message.authenticatedNote };
  }
}

export interface DeleteMessage {
  /** Hex id of the message to delete. */
  messageId: string;
}

/** `xmtp.org/deleteMessage:1.0`: deletes a message (only its sender or a super admin may). */
export class DeleteMessageCodec extends ProtoContentCodec<
  typeof DeleteMessageSchema,
  DeleteMessage
> {
  readonly contentType = ContentTypeDeleteMessage;
  protected readonly schema = DeleteMessageSchema;
  protected fromMessage(message: DeleteMessage): DeleteMessage {
    return { messageId: message.messageId };
  }
}
