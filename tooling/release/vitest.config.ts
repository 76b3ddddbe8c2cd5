import { defineConfig } from "vitest/config";

// One file; packing and `npm install` (which builds the native SQLite module) take minutes.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 900_000,
  },
});
