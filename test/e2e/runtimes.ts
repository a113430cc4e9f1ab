// The runtimes the end-to-end suites run on, and how to start each one on a
// program: Deno and Bun come from the npm packages (node_modules/.bin).
import { fileURLToPath } from "node:url";

export type RuntimeId = "node" | "deno" | "bun" | "deno-source";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const bin = (name: string): string => here(`../../node_modules/.bin/${name}`);

interface Runtime {
  /** The runtime the program runs on (what scenarios are filtered by). */
  readonly runtime: "node" | "deno" | "bun";
  readonly command: string;
  /** Arguments before the program. Deno runs with no permission flags. */
  readonly args: string[];
}

export const runtimes: Record<RuntimeId, Runtime> = {
  node: { runtime: "node", command: process.execPath, args: [] },
  // `import "atexit"` through node_modules: the npm package, by its `deno` condition.
  deno: { runtime: "deno", command: bin("deno"), args: ["run"] },
  bun: { runtime: "bun", command: bin("bun"), args: [] },
  // `import "atexit"` mapped to the TypeScript sources: what JSR publishes (deno.json exports).
  "deno-source": {
    runtime: "deno",
    command: bin("deno"),
    args: ["run", "--import-map", here("../fixtures/jsr-import-map.json")],
  },
};

export const fixture = (name: string): string => here(`../fixtures/programs/${name}`);
