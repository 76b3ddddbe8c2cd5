// @x/agent: agent-sdk 2.3's model (events, middleware, contexts, filters, commands) over @x/sdk,
// which it re-exports whole (as agent-sdk re-exports node-sdk).
export * from "@x/sdk";
export { Agent, type AgentOptions } from "./agent.js";
export {
  type CommandHandler,
  CommandRouter,
  type CommandRouterOptions,
  type ParsedCommand,
  parseCommand,
} from "./command-router.js";
export {
  AgentBaseContext,
  type AgentMessage,
  ConversationContext,
  MessageContext,
} from "./context.js";
export { AgentError, readAgentEnv } from "./env.js";
export type { AgentEventName, AgentEvents } from "./events.js";
export { f, filter } from "./filters.js";
export type { AgentErrorMiddleware, AgentMiddleware } from "./middleware.js";
export { AGENT_VERSION } from "./version.js";
