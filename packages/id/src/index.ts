export const PACKAGE = "@x/id";
