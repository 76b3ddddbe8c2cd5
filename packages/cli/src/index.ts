// @x/cli: the `x` command as a library (run it in-process with `run`).
export {
  CliError,
  type CliErrorCode,
  EXIT_FAILURE,
  EXIT_UNREACHABLE,
  EXIT_USAGE,
} from "./errors.js";
export { type RunOptions, run, USAGE } from "./main.js";
export { ENV_URLS, type XmtpEnv } from "./network.js";
export type { Io } from "./output.js";
