import { configDefaults, defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The model-based property tests reach nearly every line of the registry, so
 * they cover most mutants, and they are by far the slowest files. Run last,
 * they only run for a mutant the example tests did not kill (Stryker stops a
 * run at its first failure).
 */
class PropertyTestsLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isProperty = (file: TestSpecification): boolean => file.moduleId.endsWith(".property.test.ts");
    return [...sorted.filter((file) => !isProperty(file)), ...sorted.filter(isProperty)];
  }
}

// The configuration Stryker runs (stryker.config.mjs): the unit tests only.
// They never spawn a runtime or send a real signal, so the end-to-end and
// browser suites, which would take minutes per mutant, stay out; and the DOM
// project is not needed, since no unit test depends on the `browser` condition.
const config: ReturnType<typeof defineConfig> = defineConfig({
  // Vitest's record of past runs, kept out of node_modules (which may be shared).
  cacheDir: ".tmp/vite-mutation",
  test: {
    include: ["test/unit/**/*.test.ts"],
    exclude: [
      ...configDefaults.exclude,
      // It runs the entry bundled by esbuild in a vm context of its own, where
      // no mutant is active: it could kill none, and would only cost time.
      // The entry's source is unit-tested in its sibling browser.source.test.ts.
      "test/unit/adapters/browser.test.ts",
    ],
    // The default, stated because tests rely on it: each file runs in a fresh
    // realm, so the ones about the registry's first use see none before them.
    isolate: true,
    // Instrumented code runs the property tests at half speed or less, two
    // mutants at a time: a test that is merely slow must not count as a kill.
    // A mutant that really hangs is caught by Stryker's own timeout.
    testTimeout: 30_000,
    sequence: { sequencer: PropertyTestsLast },
    // The model-based property tests run for every mutant the example tests
    // leave alive (about 5 s each at 1,000 sequences per property): 500 find
    // what they find there at half the cost, and keep the CI within its time.
    env: { REGISTRY_PROPERTY_RUNS: "500" },
  },
});

export default config;
