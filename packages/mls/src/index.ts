export const PACKAGE = "@x/mls";
