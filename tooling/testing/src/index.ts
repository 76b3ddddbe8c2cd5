export {
  ENSURE_POSTGRES_SCRIPT,
  findPostgresBin,
  type PostgresServer,
  PostgresUnavailableError,
  startPostgres,
} from "./postgres.js";
