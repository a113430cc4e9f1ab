// Measure 1: what a library adds to a bundle. Each row is a tiny consumer
// (import + one registration) bundled by esbuild as an application would be,
// for Node and for browsers, then compressed the way a server or CDN would.
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { libraries, root } from "./libraries.mjs";

export const platforms = ["node", "browser"];

const register = `register(() => console.log("bye"));`;

/** atexit's entry points, each with the consumer its documentation shows. */
const atexitEntries = [
  { entry: "atexit", consumer: `import { register } from "atexit";\n${register}` },
  ...["node", "deno", "bun", "browser", "fallback"].map((adapter) => ({
    entry: `atexit/adapters/${adapter}`,
    consumer: `import { register } from "atexit/adapters/${adapter}";\n${register}`,
  })),
  {
    entry: "atexit/beacon",
    consumer: [
      `import { register } from "atexit";`,
      `import { sendOnExit } from "atexit/beacon";`,
      `register(() => void sendOnExit("/analytics", [{ event: "bye" }]));`,
    ].join("\n"),
  },
  {
    entry: "atexit/beacon pending",
    consumer: [`import { pending } from "atexit/beacon";`, `pending("/analytics/position").set({ scrolled: 0 });`].join("\n"),
  },
  {
    entry: "atexit defer",
    consumer: [`import { defer, register } from "atexit";`, register, `defer(Promise.resolve());`].join("\n"),
  },
  {
    entry: "atexit/request",
    consumer: [
      `import { register } from "atexit";`,
      `import { withExit } from "atexit/request";`,
      register,
      `export default { fetch: withExit(() => new Response("ok")) };`,
    ].join("\n"),
  },
];

/** Every row of the table: atexit's entries first, then one per competitor. */
export const sizeRows = [
  ...atexitEntries.map((row) => ({ ...row, library: "atexit", main: row.entry === "atexit" })),
  ...libraries
    .filter((library) => library.name !== "atexit")
    .map((library) => ({ entry: library.name, library: library.name, main: true, consumer: library.consumer })),
];

/**
 * Bundles `contents` as an application's entry. resolveDir is the repo root so
 * that "atexit" resolves like an installed package: the package references
 * itself through its exports map, and the competitors sit in node_modules.
 */
async function bundle(contents, platform, extra = {}) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: root, sourcefile: "consumer.mjs", loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform,
    write: false,
    logLevel: "silent",
    ...extra,
  });
  return result;
}

function sizes(code) {
  const bytes = Buffer.from(code);
  return {
    minified: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
  };
}

/** The first esbuild error, short enough for a table cell. */
function shortError(error) {
  const first = error.errors?.[0];
  if (!first) return String(error.message ?? error).split("\n")[0];
  return first.text;
}

/** { [platform]: { [entry]: { minified, gzip, brotli } | { error } } } */
export async function measureSize() {
  const result = {};
  for (const platform of platforms) {
    result[platform] = {};
    for (const row of sizeRows) {
      try {
        const { outputFiles } = await bundle(row.consumer, platform);
        result[platform][row.entry] = sizes(outputFiles[0].text);
      } catch (error) {
        result[platform][row.entry] = { error: shortError(error) };
      }
    }
  }
  return result;
}

/**
 * Where atexit's bytes come from. The published dist/ is itself bundled into
 * shared chunks, so to name source files this bundles the same entry from the
 * TypeScript sources (esbuild reads them directly) and reads the metafile's
 * bytesInOutput for each input. The total is printed too, to show it matches
 * the dist-based figure.
 */
export async function breakdown(platform) {
  const adapter = platform === "browser" ? "browser" : "node";
  const consumer = `import { register } from "./adapters/${adapter}.ts";\n${register}`;
  const { outputFiles, metafile } = await bundle(consumer, platform, { metafile: true, outdir: "out" });
  const output = Object.values(metafile.outputs)[0];
  const files = Object.entries(output.inputs)
    .map(([file, { bytesInOutput }]) => ({ file: file === "consumer.mjs" ? "(the consumer itself)" : file, bytes: bytesInOutput }))
    .filter((input) => input.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return { platform, entry: `adapters/${adapter}.ts`, total: sizes(outputFiles[0].text), files };
}
