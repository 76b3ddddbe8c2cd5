// The SDK's log: what a bot operator needs to see (skipped messages, new installations, stream
// retries and failures), through the app's logger or the console, filtered by level.
import type { LogLevel } from "../enums.js";
import { invalidOption } from "../errors.js";

/** Anything console-shaped. */
export interface Logger {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

const ORDER: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 };

export type LogFn = (...args: unknown[]) => void;

export interface SdkLog {
  level: LogLevel;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
}

const PREFIX = "[@x/sdk]";

/** A level from node-sdk's LogLevel ("Warn") or ours ("warn"); default warn. */
export function checkLogLevel(level: unknown): LogLevel {
  if (level === undefined) return "warn";
  const lower = typeof level === "string" ? level.toLowerCase() : level;
  if (typeof lower === "string" && lower in ORDER) return lower as LogLevel;
  throw invalidOption(
    `loggingLevel must be one of off, error, warn, info, debug, trace, got ${JSON.stringify(level)}`,
  );
}

export function makeLog(level: unknown, logger: Logger | undefined): SdkLog {
  const lvl = checkLogLevel(level);
  if (logger !== undefined) {
    for (const m of ["error", "warn", "info", "debug"] as const) {
      if (typeof logger[m] !== "function") {
        throw invalidOption(`logger.${m} must be a function (a console-shaped logger)`);
      }
    }
  }
  const out = logger ?? console;
  const at = (want: LogLevel, fn: LogFn): LogFn =>
    ORDER[lvl] >= ORDER[want] ? (...args) => fn.call(out, PREFIX, ...args) : () => {};
  return {
    level: lvl,
    error: at("error", out.error),
    warn: at("warn", out.warn),
    info: at("info", out.info),
    debug: at("debug", out.debug),
  };
}
