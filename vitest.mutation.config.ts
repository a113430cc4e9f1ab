import { configDefaults, defineConfig } from "vitest/config";

// The configuration Stryker runs (stryker.config.json): the unit tests only.
// They never spawn a runtime or send a real signal, so the end-to-end and
// browser suites, which would take minutes per mutant, stay out; and the DOM
// project is not needed, since no unit test depends on the `browser` condition.
const config: ReturnType<typeof defineConfig> = defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    exclude: [...configDefaults.exclude],
    // The default, stated because tests rely on it: each file runs in a fresh
    // realm, so the ones about the registry's first use see none before them.
    isolate: true,
  },
});

export default config;
