// @x/proto/device_sync/message_backup: proto package xmtp.device_sync.message_backup.

export * from "../../gen/device_sync/message_backup_pb.js";
