// Mutation testing of every source file (src/, adapters/, helpers/) by the
// unit tests alone (vitest.mutation.config.ts): the end-to-end suites spawn
// runtimes and would take minutes per mutant. Waits go through src/time.ts,
// which the unit tests drive with fake timers where a real one would be slow.
// `npm run mutation` runs this, then scripts/mutation-check.mjs holds every
// file, not only the total, to the break threshold.

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
const config = {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  mutate: [
    "src/**/*.ts",
    "adapters/**/*.ts",
    "helpers/**/*.ts",
    // Types and constants only: nothing in them runs.
    "!src/types.ts",
    "!src/protocol.ts",
    "!adapters/_host.ts",
    "!adapters/types/**",
  ],
  // Each mutant runs only the tests that reach it.
  coverageAnalysis: "perTest",
  // A static mutant (code run only while a module loads: constant tables,
  // defaults) reloads everything and runs every test, about 15 s each here;
  // they made the run longer than the CI's 20 minutes. They are left out of
  // the score; the values themselves are asserted by the unit tests (the
  // defaults in test/unit/src/config.test.ts, signal numbers in
  // test/unit/adapters/_signals.test.ts).
  ignoreStatic: true,
  // The CI machine has 2 cores.
  concurrency: 2,
  // A mutant's run may take timeoutFactor (1.5) times its tests' measured
  // time, plus the initial run's overhead (about 5 s here), plus this. Mutants
  // that hang a run (a promise nothing settles) wait all of it out, but 2000
  // was tried and turned equivalent mutants whose run includes the property
  // tests into false "timeouts" (counted as detected) on a loaded machine.
  timeoutMS: 5000,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
};

export default config;
