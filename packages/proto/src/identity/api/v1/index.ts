// @x/proto/identity/api/v1: proto package xmtp.identity.api.v1.

export * from "../../../gen/identity/api/v1/identity_pb.js";
