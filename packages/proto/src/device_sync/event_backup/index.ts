// @x/proto/device_sync/event_backup: proto package xmtp.device_sync.event_backup.

export * from "../../gen/device_sync/event_backup_pb.js";
