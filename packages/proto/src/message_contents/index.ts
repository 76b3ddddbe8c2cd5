// @x/proto/message_contents: proto package xmtp.message_contents.

export * from "../gen/message_contents/public_key_pb.js";
export * from "../gen/message_contents/signature_pb.js";
