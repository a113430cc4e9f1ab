// What JSR needs: the TypeScript sources type-check under Deno, and a publish
// dry run (which refuses slow types: exports without explicit types) passes.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
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

  test("deno publish --dry-run passes, with no slow types", () => {
    const { status, output } = deno(["publish", "--dry-run", "--allow-dirty"]);
    expect(output).toContain("Dry run complete");
    expect(status).toBe(0);
  });
});
