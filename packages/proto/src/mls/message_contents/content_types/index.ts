// @x/proto/mls/message_contents/content_types: proto package xmtp.mls.message_contents.content_types.

export * from "../../../gen/mls/message_contents/content_types/delete_message_pb.js";
export * from "../../../gen/mls/message_contents/content_types/edit_message_pb.js";
export * from "../../../gen/mls/message_contents/content_types/leave_request_pb.js";
export * from "../../../gen/mls/message_contents/content_types/multi_remote_attachment_pb.js";
export * from "../../../gen/mls/message_contents/content_types/reaction_pb.js";
export * from "../../../gen/mls/message_contents/content_types/wallet_send_calls_pb.js";
