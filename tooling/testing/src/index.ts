export { type FuzzOptions, type FuzzTarget, fuzzTarget, mutate, prng } from "./fuzz.js";
export {
  ENSURE_POSTGRES_SCRIPT,
  findPostgresBin,
  type PostgresServer,
  PostgresUnavailableError,
  startPostgres,
} from "./postgres.js";
