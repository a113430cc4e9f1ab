// What an application's bundler makes of atexit: a browser bundle holds no
// Node code, and every route (platform=browser, or the `browser` condition
// alone) lands on the browser adapter.
import { fileURLToPath } from "node:url";
import { build, type BuildOptions } from "esbuild";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

async function bundle(source: string, options: BuildOptions): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    logLevel: "silent",
    ...options,
  });
  return result.outputFiles![0]!.text;
}

const consumer = `import { register } from "atexit"; register(() => {});`;
// Names only the Node, Deno or Bun adapters use.
const serverOnly = ["beforeExit", "uncaughtExceptionMonitor", "SIGTERM", "addSignalListener", "process.exit", "node:"];

describe("bundling for the browser", () => {
  const routes: Array<[string, BuildOptions]> = [
    ["esbuild platform=browser", { platform: "browser" }],
    ["the browser condition alone", { platform: "neutral", conditions: ["browser"], mainFields: ["module", "main"] }],
  ];
  for (const [route, options] of routes) {
    test(`${route}: the browser adapter, and no Node, Deno or Bun code`, async () => {
      const code = await bundle(consumer, options);
      expect(code).toContain("visibilitychange");
      expect(code).toContain("pagehide");
      for (const name of serverOnly) expect(code, name).not.toContain(name);
    });
  }

  test("the Node bundle, for contrast, has the Node adapter and no page events", async () => {
    const code = await bundle(consumer, { platform: "node" });
    expect(code).toContain("beforeExit");
    expect(code).not.toContain("visibilitychange");
  });
});
