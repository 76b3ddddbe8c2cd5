export const PACKAGE = "@x/db";
