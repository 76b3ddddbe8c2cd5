export const PACKAGE = "@x/mls";
export * from "./client/index.js";
export * from "./engine/index.js";
