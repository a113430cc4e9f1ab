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

// bench/features.mjs measures what each feature costs by stubbing its code
// out of the register-only bundle. A stub that no longer finds its code
// throws; one that finds it but removes nothing would report 0 bytes. Either
// way the table would lie, so each row is held to removing some code here,
// where a refactor that stales it fails at once.
describe("the bench's per-feature table", () => {
  test("every stub applies, and removes code on each platform it is measured on", async () => {
    const { measureFeatures } = await import("../bench/size.mjs");
    const { rows } = await measureFeatures();
    const measured = rows.flatMap((row: Record<string, { minified: number } | string | boolean>) =>
      ["node", "browser"].flatMap((platform) => {
        const cost = row[platform] as { minified: number } | undefined;
        return cost ? [`${platform}: ${String(row.feature)} ${cost.minified > 0 ? "removes code" : "removes nothing"}`] : [];
      }),
    );
    expect(measured.length).toBeGreaterThan(20);
    expect(measured.filter((line) => line.endsWith("removes nothing"))).toEqual([]);
  }, 120_000);
});
