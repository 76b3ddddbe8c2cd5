export const PACKAGE = "@x/api-grpc";
