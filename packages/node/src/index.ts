export const PACKAGE = "@x/node";
