// @x/proto/migration/api/v1: proto package xmtp.migration.api.v1.

export * from "../../../gen/migration/api/v1/migration_pb.js";
