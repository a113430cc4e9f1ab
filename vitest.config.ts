import { defineConfig } from "vitest/config";

// One file at a time: the end-to-end suites spawn runtimes and send real
// signals, and on a 2-core machine parallel files would make their timing lie.
const config: ReturnType<typeof defineConfig> = defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

export default config;
