// @x/proto/xmtpv4/payer_api: proto package xmtp.xmtpv4.payer_api.

export * from "../../gen/xmtpv4/payer_api/payer_api_pb.js";
