import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The package's `#platform` import map points into dist/, which the tests must not need: in the
// tests it resolves to the Node source, as the default condition does once built.
export default defineConfig({
  resolve: {
    alias: {
      "#platform": fileURLToPath(new URL("./src/client/platform-node.ts", import.meta.url)),
    },
  },
});
