export const PACKAGE = "@x/mls";
// The client's group options (a preset or a policy set) over the engine's (a policy set).
export type { CreateGroupOptions } from "./client/index.js";
export * from "./client/index.js";
export * from "./engine/index.js";
