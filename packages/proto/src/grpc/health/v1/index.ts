// @x/proto/grpc/health/v1: proto package grpc.health.v1.

export * from "../../../gen/grpc/health/v1/health_pb.js";
