// Errors of the x command: a stable code, a message that says what happened and what to do, and
// the process exit code.
import { ApiError } from "@x/api";

export type CliErrorCode =
  | "cli.usage"
  | "cli.profile_missing"
  | "cli.profile_exists"
  | "cli.profile_invalid"
  | "cli.bad_key"
  | "cli.node_unreachable"
  | "cli.not_found"
  | "cli.unsupported"
  | "cli.failed";

/** Exit codes: 1 the command failed, 2 bad usage, 3 the node could not be reached. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;

export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: number;
  readonly retryable: boolean;

  constructor(
    code: CliErrorCode,
    message: string,
    options: { cause?: unknown; exitCode?: number; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.code = code;
    this.exitCode =
      options.exitCode ??
      (code === "cli.usage"
        ? EXIT_USAGE
        : code === "cli.node_unreachable"
          ? EXIT_UNREACHABLE
          : EXIT_FAILURE);
    this.retryable = options.retryable ?? code === "cli.node_unreachable";
  }
}

export function usageError(message: string): CliError {
  return new CliError("cli.usage", `${message} (see \`x --help\`)`);
}

const UNREACHABLE = new Set(["api.unavailable", "api.connection_lost", "api.deadline_exceeded"]);

function isLocal(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    return false;
  }
}

/** Turns a network failure into the advice a user needs; other errors pass through. */
export function explainNetworkError(error: unknown, url: string): unknown {
  if (!(error instanceof ApiError) || !UNREACHABLE.has(error.code)) return error;
  const advice = isLocal(url)
    ? "start one with `x node` (in another terminal), or pass --url / --env"
    : "check the URL and your connection, or pass another --url / --env";
  return new CliError("cli.node_unreachable", `no node at ${url} — ${advice}`, { cause: error });
}

/** The code of any typed error of ours (CliError, ApiError, ClientError, DbError, ...). */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "cli.failed";
}
