import { Agent, CommandRouter } from "@x/agent";

const agent = await Agent.createFromEnv(); // XMTP_WALLET_KEY, XMTP_ENV, XMTP_DB_DIRECTORY, ...
agent.use(new CommandRouter().command("/ping", (ctx) => ctx.sendText("pong")).middleware());
agent.on("text", (ctx) => ctx.sendText(`echo: ${ctx.message.content}`));
agent.on("start", () => console.log(`echo agent ${agent.address} ready: inbox ${agent.inboxId}`));
process.once("SIGTERM", () => agent.stop()); // then nothing is left running: the process exits
await agent.start();
