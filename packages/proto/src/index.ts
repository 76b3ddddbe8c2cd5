export const PACKAGE = "@x/proto";
