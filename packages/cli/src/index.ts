export const PACKAGE = "@x/cli";
