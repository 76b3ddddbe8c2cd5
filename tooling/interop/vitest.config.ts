import { defineConfig } from "vitest/config";

// libxmtp clients are heavy (native threads, SQLCipher databases): run the files one at a time
// so two cores are enough, and give each test up to a minute.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
