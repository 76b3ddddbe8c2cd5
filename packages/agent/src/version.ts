/** This package's version (package.json's). */
export const AGENT_VERSION = "0.0.0";
