// @x/proto/xmtpv4/gateway_api: proto package xmtp.xmtpv4.gateway_api.

export * from "../../gen/xmtpv4/gateway_api/gateway_api_pb.js";
