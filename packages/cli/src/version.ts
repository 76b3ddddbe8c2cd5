// @x/cli's version (package.json); a repo check keeps the two equal.
export const CLI_VERSION = "0.0.0";
