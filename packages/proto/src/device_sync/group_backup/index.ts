// @x/proto/device_sync/group_backup: proto package xmtp.device_sync.group_backup.

export * from "../../gen/device_sync/group_backup_pb.js";
