// The published declarations, type-checked by tsc from the consumer projects
// in test/fixtures/types (one tsconfig per configuration an application may
// have), against the built dist/: through the package's own exports map, and
// for node10 resolution through a copy installed from the packed tarball.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = `${root}test/fixtures/types`;
const modules = `${fixtures}/node_modules`;

function run(command: string, args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  return { status: result.status, output: (result.stdout + result.stderr).trim() };
}

const tsc = (config: string) => run(`${root}node_modules/.bin/tsc`, ["-p", `${fixtures}/${config}`], fixtures);

// Installed from the packed tarball, as npm would (only what "files" ships):
// node10 resolution knows no exports map, so it cannot find the package by its
// own name from inside it, as node16 and bundler resolution do.
beforeAll(() => {
  rmSync(modules, { recursive: true, force: true });
  mkdirSync(`${modules}/atexit`, { recursive: true });
  const packed = spawnSync("npm", ["pack", "--json", "--pack-destination", modules], { cwd: root, encoding: "utf8" });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  const unpacked = run("tar", ["-xzf", `${modules}/${filename}`, "-C", `${modules}/atexit`, "--strip-components=1"], root);
  expect(unpacked.status, unpacked.output).toBe(0);
});
afterAll(() => rmSync(modules, { recursive: true, force: true }));

describe("the published types compile in consumer projects", () => {
  test.each([
    ["tsconfig.dom.json", "lib ES2022 + DOM, no Disposable in the lib"],
    ["tsconfig.dom-disposable.json", "lib ES2022 + ESNext.Disposable + DOM: `using` a registration"],
    ["tsconfig.esnext.json", "lib ESNext + DOM: `using` a registration"],
    ["tsconfig.node.json", "@types/node, lib ES2022: `using` a registration"],
    ["tsconfig.node-esnext.json", "@types/node and lib ESNext, both declaring Disposable"],
    ["tsconfig.node-dom.json", "@types/node beside lib DOM: `using` a registration"],
    ["tsconfig.node10.json", "module CommonJS, node10 resolution: every subpath"],
    ["tsconfig.exact.json", "exactOptionalPropertyTypes: options may be undefined"],
  ])("%s (%s)", (config) => {
    const { status, output } = tsc(config);
    expect(output).toBe("");
    expect(status).toBe(0);
  });
});
