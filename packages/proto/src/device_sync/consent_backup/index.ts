// @x/proto/device_sync/consent_backup: proto package xmtp.device_sync.consent_backup.

export * from "../../gen/device_sync/consent_backup_pb.js";
