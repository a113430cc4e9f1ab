import type { Options } from "tsup";

// One output file per entry point: `atexit` and `atexit/adapters/node` resolve to
// the same dist/adapters/node.js, so both routes load one module.
const config: Options = {
  entry: {
    "adapters/node": "adapters/node.ts",
    "adapters/bun": "adapters/bun.ts",
    "adapters/deno": "adapters/deno.ts",
    "adapters/browser": "adapters/browser.ts",
    beacon: "src/beacon.ts",
    child: "src/child.ts",
    http: "src/http.ts",
    request: "src/request.ts",
    "request-edge": "src/request-edge.ts",
    "request-workerd": "src/request-workerd.ts",
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
  // workerd's built-in module, which only the workerd entry imports.
  external: ["cloudflare:workers"],
};

export default config;
