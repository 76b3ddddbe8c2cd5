// @x/proto/xmtpv4/envelopes: proto package xmtp.xmtpv4.envelopes.

export * from "../../gen/xmtpv4/envelopes/envelopes_pb.js";
export * from "../../gen/xmtpv4/envelopes/payer_report_pb.js";
