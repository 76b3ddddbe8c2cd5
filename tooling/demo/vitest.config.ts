import { defineConfig } from "vitest/config";

// The tests spawn `x` processes (each loads the client and opens an encrypted database): give
// each test up to a minute and run the files one at a time.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
