export const PACKAGE = "@x/crypto";
