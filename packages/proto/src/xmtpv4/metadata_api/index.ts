// @x/proto/xmtpv4/metadata_api: proto package xmtp.xmtpv4.metadata_api.

export * from "../../gen/xmtpv4/metadata_api/metadata_api_pb.js";
