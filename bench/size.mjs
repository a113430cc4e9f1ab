// Measure 1: what a library adds to a bundle. Each row is a tiny consumer
// (import + one registration) bundled by esbuild as an application would be,
// for Node and for browsers, then compressed the way a server or CDN would.
import { readFile } from "node:fs/promises";
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

// Measure 1b: what each feature costs a program that only registers. A
// feature's bytes are the register-only bundle's minus those of a variant in
// which the feature's code is replaced by a stub (bench/features.mjs names
// each stub): minified and brotli, each bundled from the TypeScript sources
// as `breakdown` does. Brotli is measured, not apportioned: a feature's
// brotli bytes are what leaving it out saves, its context included. Features
// share code and compression context, so the rows do not add up to the total.

/** The named declaration `path` ("listen.onExit", "Registry.removeAll") in `source`, found by its chain of named ancestors. */
function findDeclaration(ts, source, path) {
  const wanted = path.split(".");
  const found = [];
  const visit = (node, chain) => {
    const name = node.name && ts.isIdentifier(node.name) || node.name && ts.isPrivateIdentifier(node.name) ? node.name.text : undefined;
    const named = name !== undefined && (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isVariableDeclaration(node) ||
      ts.isPropertyAssignment(node) || ts.isClassDeclaration(node) || ts.isPropertyDeclaration(node) || ts.isGetAccessor(node));
    const here = named ? [...chain, name] : chain;
    if (named && here.length === wanted.length && here.every((part, i) => part === wanted[i])) found.push(node);
    ts.forEachChild(node, (child) => visit(child, here));
  };
  visit(source, []);
  if (found.length !== 1) throw new Error(`features: ${path} names ${found.length} declarations in ${source.fileName}`);
  return found[0];
}

/** `text` with each of `edits` applied (each edit must apply exactly once). */
function applyEdits(ts, file, text, edits) {
  let out = text;
  for (const edit of edits) {
    if (edit.find !== undefined) {
      const at = out.indexOf(edit.find);
      if (at < 0 || out.indexOf(edit.find, at + 1) >= 0) throw new Error(`features: ${JSON.stringify(edit.find)} is not found exactly once in ${file}`);
      out = out.slice(0, at) + edit.replace + out.slice(at + edit.find.length);
      continue;
    }
    const source = ts.createSourceFile(file, out, ts.ScriptTarget.Latest, true);
    const node = findDeclaration(ts, source, edit.name);
    // `body`: the function's (or method's, or arrow's) statements; `value`: the initializer's expression.
    const fn = node.initializer && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer)) ? node.initializer : node;
    const target = edit.body !== undefined ? fn.body : node.initializer;
    if (!target) throw new Error(`features: ${edit.name} in ${file} has no ${edit.body !== undefined ? "body" : "initializer"}`);
    const replacement = edit.body !== undefined ? `{ ${edit.body} }` : edit.value;
    out = out.slice(0, target.getStart(source)) + replacement + out.slice(target.end);
  }
  return out;
}

/** An esbuild plugin that loads each file of `stubs` ({ file: edits[] }) with its edits applied. */
function stubPlugin(ts, stubs) {
  return {
    name: "feature-stubs",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const file = args.path.slice(root.length).replaceAll("\\", "/").replace(/^\//, "");
        const edits = stubs[file];
        if (!edits) return undefined;
        return { contents: applyEdits(ts, file, await readFile(args.path, "utf8"), edits), loader: "ts" };
      });
    },
  };
}

/** The register-only consumer of one platform's entry, from the TypeScript sources. */
const sourceConsumer = (platform) => `import { register } from "./adapters/${platform === "browser" ? "browser" : "node"}.ts";\n${register}`;

/**
 * { total: { [platform]: sizes }, rows: [{ feature, where, note, [platform]: { minified, brotli } | undefined }] }:
 * for each feature, the bytes its stub saves on each platform it is measured on.
 */
export async function measureFeatures() {
  const ts = (await import("typescript")).default;
  const { features } = await import("./features.mjs");
  const total = {};
  for (const platform of platforms) total[platform] = sizes((await bundle(sourceConsumer(platform), platform)).outputFiles[0].text);
  const rows = [];
  for (const feature of features) {
    const row = { feature: feature.feature, where: feature.where, estimate: feature.estimate === true };
    for (const platform of platforms) {
      if (!feature.platforms.includes(platform)) continue;
      const variant = await bundle(sourceConsumer(platform), platform, { plugins: [stubPlugin(ts, feature.stubs)] });
      const without = sizes(variant.outputFiles[0].text);
      row[platform] = { minified: total[platform].minified - without.minified, brotli: total[platform].brotli - without.brotli };
    }
    rows.push(row);
  }
  return { total, rows };
}
