import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The package's `#chacha` import map points into dist/, which the tests must not need: in
// the tests it resolves to the Node source, as the "node" condition does once built.
export default defineConfig({
  resolve: {
    alias: {
      "#chacha": fileURLToPath(new URL("./src/chacha-node.ts", import.meta.url)),
    },
  },
});
