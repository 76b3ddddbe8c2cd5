// @x/proto/identity: proto package xmtp.identity.

export * from "../gen/identity/credential_pb.js";
