import type { Options } from "tsup";

// One output file per entry point: `atexit` and `atexit/adapters/node` resolve to
// the same dist/adapters/node.js, so both routes load one module.
const config: Options = {
  entry: {
    "adapters/node": "adapters/node.ts",
    "adapters/bun": "adapters/bun.ts",
    "adapters/deno": "adapters/deno.ts",
    "adapters/browser": "adapters/browser.ts",
    beacon: "helpers/beacon.ts",
    child: "helpers/child.ts",
    cluster: "helpers/cluster.ts",
    http: "helpers/http.ts",
    request: "helpers/request.ts",
    "adapters/workerd": "adapters/workerd.ts",
    "adapters/fallback": "adapters/fallback.ts",
    "adapters/auto": "adapters/auto.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  target: "es2022",
  platform: "neutral",
  clean: true,
  tsconfig: "tsconfig.json",
  treeshake: true,
  // Shared chunks for the CommonJS build too: each CommonJS entry would
  // otherwise carry its own copy of the core (about 4 times the package).
  splitting: true,
  // workerd's built-in module, which only the workerd entry imports.
  external: ["cloudflare:workers"],
};

export default config;
