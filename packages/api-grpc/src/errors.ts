// Connect errors to @x/api's typed errors: the mapping lives in @x/api (transport-neutral, so
// every API implementation maps the same way); re-exported here for existing importers.
export { toApiError } from "@x/api";
