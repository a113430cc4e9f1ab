// The published declarations, type-checked by tsc from the consumer projects
// in test/fixtures/types (one tsconfig per configuration an application may
// have), against the built dist/ through the package's own exports map.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = `${root}test/fixtures/types`;

function tsc(config: string): { status: number | null; output: string } {
  const result = spawnSync(`${root}node_modules/.bin/tsc`, ["-p", `${fixtures}/${config}`], { cwd: fixtures, encoding: "utf8" });
  return { status: result.status, output: (result.stdout + result.stderr).trim() };
}

describe("the published types compile in consumer projects", () => {
  test.each([
    ["tsconfig.dom.json", "lib ES2022 + DOM, no Disposable in the lib"],
    ["tsconfig.dom-disposable.json", "lib ES2022 + ESNext.Disposable + DOM: `using` a registration"],
    ["tsconfig.esnext.json", "lib ESNext + DOM: `using` a registration"],
    ["tsconfig.node.json", "@types/node, lib ES2022: `using` a registration"],
    ["tsconfig.node-esnext.json", "@types/node and lib ESNext, both declaring Disposable"],
  ])("%s (%s)", (config) => {
    const { status, output } = tsc(config);
    expect(output).toBe("");
    expect(status).toBe(0);
  });
});
