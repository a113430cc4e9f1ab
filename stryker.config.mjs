// Mutation testing of the runtime-neutral core (src/) and of the engine the
// server adapters share, by the unit tests alone (vitest.mutation.config.ts):
// the end-to-end suites spawn runtimes and would take minutes per mutant.
// `npm run mutation` runs this, then scripts/mutation-check.mjs holds every
// file, not only the total, to the break threshold.

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
const config = {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  mutate: [
    "src/**/*.ts",
    // Types only: nothing in it runs.
    "!src/types.ts",
    "adapters/_paths.ts",
    "adapters/_signals.ts",
    "adapters/_debug.ts",
  ],
  // Each mutant runs only the tests that reach it.
  coverageAnalysis: "perTest",
  // The CI machine has 2 cores.
  concurrency: 2,
  // On top of each test run's measured time (times timeoutFactor): enough for a
  // slow CI machine, short enough that a mutant which hangs a test costs little.
  timeoutMS: 5000,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
};

export default config;
