import { configDefaults, defineConfig } from "vitest/config";

// One file at a time: the end-to-end suites spawn runtimes and send real
// signals, and on a 2-core machine parallel files would make their timing lie.
const config: ReturnType<typeof defineConfig> = defineConfig({
  test: {
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: "main", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, "test/dom/**"] },
      },
      {
        // The DOM environments (happy-dom, jsdom) resolve `atexit` as a browser
        // bundler would, through the `browser` export condition. A group of
        // its own, so these files never run beside the main ones either.
        extends: true,
        resolve: { conditions: ["browser"] },
        test: { name: "dom", include: ["test/dom/**/*.test.ts"], sequence: { groupOrder: 1 } },
      },
    ],
  },
});

export default config;
