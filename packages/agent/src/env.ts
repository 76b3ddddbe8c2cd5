// Agent.createFromEnv's configuration: agent-sdk's variable names, plus XMTP_API_URL (ours).
import path from "node:path";
import type { ClientOptions, XmtpEnv } from "@x/sdk";

export class AgentError extends Error {
  override name = "AgentError";
  constructor(
    readonly code: "AGENT_ENV" | "AGENT_STATE",
    message: string,
  ) {
    super(message);
  }
}

const ENVS: readonly string[] = ["local", "dev", "production"];
const LEVELS: readonly string[] = ["off", "error", "warn", "info", "debug", "trace"];

const hexKey = (name: string, value: string): string => {
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(value)) {
    throw new AgentError("AGENT_ENV", `${name} must be 64 hex digits (with or without 0x)`);
  }
  return value.startsWith("0x") ? value : `0x${value}`;
};

/**
 * Reads XMTP_WALLET_KEY (required), XMTP_DB_ENCRYPTION_KEY, XMTP_ENV, XMTP_DB_DIRECTORY,
 * XMTP_GATEWAY_HOST, XMTP_FORCE_DEBUG_LEVEL (agent-sdk's) and XMTP_API_URL (ours: a v3 node's
 * URL, e.g. a local `x-node`).
 */
export function readAgentEnv(env: NodeJS.ProcessEnv = process.env): {
  walletKey: string;
  options: ClientOptions;
} {
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
  const key = get("XMTP_WALLET_KEY");
  if (key === undefined) throw new AgentError("AGENT_ENV", "XMTP_WALLET_KEY is not set");
  const walletKey = hexKey("XMTP_WALLET_KEY", key);
  const options: ClientOptions = {};
  const dbKey = get("XMTP_DB_ENCRYPTION_KEY");
  if (dbKey !== undefined) options.dbEncryptionKey = hexKey("XMTP_DB_ENCRYPTION_KEY", dbKey);
  const xmtpEnv = get("XMTP_ENV");
  if (xmtpEnv !== undefined) {
    if (!ENVS.includes(xmtpEnv)) {
      throw new AgentError("AGENT_ENV", `XMTP_ENV must be one of ${ENVS.join(", ")}`);
    }
    options.env = xmtpEnv as XmtpEnv;
  }
  const dir = get("XMTP_DB_DIRECTORY");
  if (dir !== undefined) {
    const envName = options.env ?? "dev";
    options.dbPath = (inboxId) => path.join(dir, `xmtp-${envName}-${inboxId}.db3`);
  }
  const gatewayHost = get("XMTP_GATEWAY_HOST");
  if (gatewayHost !== undefined) options.gatewayHost = gatewayHost;
  const apiUrl = get("XMTP_API_URL");
  if (apiUrl !== undefined) options.apiUrl = apiUrl;
  const level = get("XMTP_FORCE_DEBUG_LEVEL")?.toLowerCase();
  if (level !== undefined) {
    if (!LEVELS.includes(level)) {
      throw new AgentError(
        "AGENT_ENV",
        `XMTP_FORCE_DEBUG_LEVEL must be one of ${LEVELS.join(", ")}`,
      );
    }
    options.loggingLevel = level as NonNullable<ClientOptions["loggingLevel"]>;
  }
  return { walletKey, options };
}
