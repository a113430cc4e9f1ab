// What JSR needs: the TypeScript sources type-check under Deno, and a publish
// dry run (which refuses slow types: exports without explicit types) passes.
// And every example in the TSDoc type-checks against the sources.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const entries = Object.values<string>(JSON.parse(readFileSync(`${root}deno.json`, "utf8")).exports);

function deno(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(`${root}node_modules/.bin/deno`, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe("JSR", () => {
  test("deno check passes on every deno.json export", () => {
    expect(entries).toContain("./adapters/deno.ts");
    const { status, output } = deno(["check", ...entries]);
    expect(output).not.toMatch(/error/i);
    expect(status).toBe(0);
  });

  test("every TSDoc example in src/, adapters/ and helpers/ type-checks (deno check --doc), `atexit` resolved to the sources", () => {
    const files = ["src", "adapters", "helpers"].flatMap((dir) =>
      readdirSync(`${root}${dir}`)
        .filter((name) => name.endsWith(".ts"))
        .map((name) => `${dir}/${name}`),
    );
    expect(files).toContain("src/types.ts");
    const { status, output } = deno(["check", "--doc", "--import-map", "test/fixtures/doc-imports.json", ...files]);
    // Each example is checked as a module of its own, named after its lines.
    expect(output).toMatch(/Check .*src\/types\.ts#\d+-\d+\.ts/);
    expect(output).not.toMatch(/error/i);
    expect(status).toBe(0);
  });

  test("deno publish --dry-run passes, with no slow types and no warning", () => {
    const { status, output } = deno(["publish", "--dry-run", "--allow-dirty"]);
    expect(output).toContain("Dry run complete");
    expect(output).not.toMatch(/warning/i);
    expect(status).toBe(0);
  });
});
