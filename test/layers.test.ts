// The layers, checked from the import statements of every source file:
// src/ is the runtime-neutral core and imports only itself; adapters/ (one
// place per runtime, and the entries) imports the core and itself; helpers/
// (atexit/http, /child, /cluster, /beacon, /request) import the core, themselves, the
// one picker (adapters/_pick.ts) and the structural runtime types; no entry is
// imported by another file; and no file reaches itself through its imports.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(folder, file));
}

const files = [...sources("src"), ...sources("adapters"), ...sources("helpers")];

/** The repository-relative files `file` imports (static, re-exports, type-only and dynamic), relative ones only. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)].map(
    (match) => match[1] ?? match[2]!,
  );
  return specifiers.filter((specifier) => specifier.startsWith(".")).map((specifier) => relative(root, resolve(root, dirname(file), specifier)));
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));
const entries = new Set([
  ...["node", "deno", "bun", "browser", "fallback", "workerd", "auto"].map((name) => `adapters/${name}.ts`),
  ...["http", "child", "cluster", "beacon", "request"].map((name) => `helpers/${name}.ts`),
]);

/** Whether `file` may import `target`. */
function allowed(file: string, target: string): boolean {
  if (file.startsWith("src/")) return target.startsWith("src/");
  if (file.startsWith("adapters/")) return target.startsWith("src/") || target.startsWith("adapters/");
  return target.startsWith("src/") || target.startsWith("helpers/") || target === "adapters/_pick.ts" || target.startsWith("adapters/types/");
}

describe("layers", () => {
  test("the scan sees every folder and the imports between them", () => {
    expect(files).toContain("src/registry.ts");
    expect(graph.get("helpers/http.ts")).toContain("adapters/_pick.ts");
    expect(graph.get("adapters/node.ts")).toContain("src/api.ts");
  });

  test("every import points the right way", () => {
    const wrong = [...graph].flatMap(([file, targets]) => targets.filter((target) => !allowed(file, target)).map((target) => `${file} -> ${target}`));
    expect(wrong).toEqual([]);
  });

  test("every import names a file that exists", () => {
    const missing = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => !graph.has(target) && !target.endsWith(".d.ts")).map((target) => `${file} -> ${target}`),
    );
    expect(missing).toEqual([]);
  });

  test("no entry is imported by another file", () => {
    const importers = [...graph].flatMap(([file, targets]) => targets.filter((target) => entries.has(target)).map((target) => `${file} -> ${target}`));
    expect(importers).toEqual([]);
  });

  test("no cycle", () => {
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") return void cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      state.set(file, "visiting");
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
