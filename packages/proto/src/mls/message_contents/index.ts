// @x/proto/mls/message_contents: proto package xmtp.mls.message_contents.

export * from "../../gen/mls/message_contents/commit_log_pb.js";
export * from "../../gen/mls/message_contents/component_permissions_pb.js";
export * from "../../gen/mls/message_contents/content_pb.js";
export * from "../../gen/mls/message_contents/external_commit_policy_pb.js";
export * from "../../gen/mls/message_contents/external_invite_pb.js";
export * from "../../gen/mls/message_contents/group_membership_pb.js";
export * from "../../gen/mls/message_contents/group_metadata_pb.js";
export * from "../../gen/mls/message_contents/group_mutable_metadata_pb.js";
export * from "../../gen/mls/message_contents/group_permissions_pb.js";
export * from "../../gen/mls/message_contents/oneshot_pb.js";
export * from "../../gen/mls/message_contents/proposal_support_pb.js";
export * from "../../gen/mls/message_contents/transcript_messages_pb.js";
export * from "../../gen/mls/message_contents/welcome_pointer_pb.js";
export * from "../../gen/mls/message_contents/wrapper_encryption_pb.js";
