// @x/proto/device_sync: proto package xmtp.device_sync.

export * from "../gen/device_sync/device_sync_pb.js";
