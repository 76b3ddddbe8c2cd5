export const PACKAGE = "@x/api";
