// @x/proto/xmtpv4/message_api: proto package xmtp.xmtpv4.message_api.

export * from "../../gen/xmtpv4/message_api/message_api_pb.js";
export * from "../../gen/xmtpv4/message_api/misbehavior_api_pb.js";
export * from "../../gen/xmtpv4/message_api/notification_api_pb.js";
export * from "../../gen/xmtpv4/message_api/publish_api_pb.js";
export * from "../../gen/xmtpv4/message_api/query_api_pb.js";
