// @x/proto/device_sync/content: proto package xmtp.device_sync.content.

export * from "../../gen/device_sync/content_pb.js";
