// @x/proto/mls/api/v1: proto package xmtp.mls.api.v1.

export * from "../../../gen/mls/api/v1/mls_pb.js";
