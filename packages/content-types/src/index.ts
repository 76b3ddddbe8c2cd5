export const PACKAGE = "@x/content-types";
