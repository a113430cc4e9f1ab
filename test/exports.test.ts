// The npm exports map, the JSR manifest and the build entries must describe
// the same entry points, and every condition must name a file the build makes.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import tsup from "../tsup.config.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const json = (file: string) => JSON.parse(readFileSync(`${root}${file}`, "utf8"));
const pkg = json("package.json");
const deno = json("deno.json");
const entries = tsup.entry as Record<string, string>;

type Conditions = { [condition: string]: string | Conditions };
const targets = (value: string | Conditions): string[] =>
  typeof value === "string" ? [value] : Object.values(value).flatMap(targets);

describe("entry points", () => {
  test("package.json and deno.json export the same subpaths", () => {
    // The workerd entry imports workerd's built-in "cloudflare:workers", which
    // JSR cannot resolve: a Worker takes atexit from npm, by its condition.
    const npmPaths = Object.keys(pkg.exports).filter((path) => path !== "./package.json" && path !== "./adapters/workerd");
    expect(npmPaths.sort()).toEqual(Object.keys(deno.exports).sort());
  });

  test("each deno.json export is the source of the file npm gets under the same subpath", () => {
    for (const [path, source] of Object.entries<string>(deno.exports)) {
      if (path === ".") continue; // the root is the detecting entry on JSR; npm picks by condition
      const built = pkg.exports[path].import.default as string;
      const name = built.replace(/^\.\/dist\//, "").replace(/\.js$/, "");
      expect(`./${entries[name]}`, path).toBe(source);
    }
    expect(deno.exports["."]).toBe("./adapters/auto.ts");
    expect(pkg.exports["."].import.default).toBe("./dist/adapters/auto.js");
  });

  test("every export target is built by tsup, in both formats with types", () => {
    const built = new Set(
      Object.keys(entries).flatMap((name) => [".js", ".cjs", ".d.ts", ".d.cts"].map((ext) => `./dist/${name}${ext}`)),
    );
    const all = Object.values<string | Conditions>(pkg.exports).flatMap(targets);
    for (const target of all.filter((file) => file !== "./package.json")) expect(built).toContain(target);
  });

  test("the root lists types first, then the request-scoped hosts (whose bundlers also set browser, and workerd node), then deno, bun and browser before node, and default last", () => {
    for (const branch of ["import", "require"]) {
      expect(Object.keys(pkg.exports["."][branch])).toEqual(["types", "workerd", "edge-light", "worker", "deno", "bun", "browser", "node", "default"]);
    }
  });

  test("typesVersions maps every subpath to its CommonJS types, for node10 resolution (no exports map there)", () => {
    const subpaths = Object.keys(pkg.exports).filter((path) => path !== "." && path !== "./package.json");
    const mapped = pkg.typesVersions?.["*"] ?? {};
    expect(Object.keys(mapped).sort()).toEqual(subpaths.map((path) => path.slice(2)).sort());
    for (const path of subpaths) expect(mapped[path.slice(2)], path).toEqual([pkg.exports[path].require.types]);
    expect(pkg.types).toBe(pkg.exports["."].require.types);
  });

  test("the build made every file the exports name", () => {
    const all = Object.values<string | Conditions>(pkg.exports).flatMap(targets);
    for (const target of all) expect(existsSync(`${root}${target}`), target).toBe(true);
  });
});
