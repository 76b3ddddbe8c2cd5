export const PACKAGE = "@x/api-d14n";
