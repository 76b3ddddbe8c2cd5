// @x/proto/identity/associations: proto package xmtp.identity.associations.

export * from "../../gen/identity/associations/association_pb.js";
export * from "../../gen/identity/associations/signature_pb.js";
