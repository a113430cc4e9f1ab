// Every code sample in README.md is run here as a real program, and what it
// prints is checked. A new sample without an expectation fails the suite.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { transformSync } from "esbuild";
import { afterAll, describe, expect, test } from "vitest";
import { runProgram } from "./fixtures/run.mjs";
import { BROWSER_SAMPLE, samples } from "./readme-samples.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
// Inside the package folder, so `import "atexit"` resolves to this package by name.
const scratch = `${root}.tmp/readme`;

const deno = `${root}node_modules/.bin/deno`;
const bun = `${root}node_modules/.bin/bun`;
// "@atexit/atexit" (the JSR name) mapped to the sources JSR publishes.
const denoArgs = ["run", "--import-map", `${root}test/fixtures/jsr-import-map.json`];

const expected: Record<string, { stdout: string[]; code: number; command?: string; args?: string[] }> = {
  "Node.js (npm install atexit)": { stdout: ["working", "database closed (natural)", "logs flushed"], code: 0 },
  "Deno (deno add jsr:@atexit/atexit, or npm:atexit)": {
    stdout: ["flushed on deno (natural)"],
    code: 2,
    command: deno,
    args: denoArgs,
  },
  "Bun (bun add atexit)": { stdout: ["flushed on bun (natural)"], code: 0, command: bun },
  "register(callback, options?)": { stdout: ["true false", "this one runs"], code: 0 },
  "unregister(callback)": { stdout: ["2 0"], code: 0 },
  "exit(code?)": { stdout: ["saved"], code: 3 },
  "runHandlers()": { stdout: ["flushed early", "0"], code: 0 },
  "count() and clear()": { stdout: ["2", "0"], code: 0 },
  "configure(options)": { stdout: ["2000"], code: 0 },
};

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("README", () => {
  test("opens with the two commands", () => {
    const first = samples[0]!;
    expect(first.heading).toBe("atexit");
    expect(first.lang).toBe("sh");
    expect(first.code).toMatch(/^npm start\b.*\nnpm test\b/);
  });

  test("every TypeScript sample has an expectation here (the browser one runs in test/browser)", () => {
    const headings = samples.filter((sample) => sample.lang === "ts").map((sample) => sample.heading);
    expect(headings.sort()).toEqual([...Object.keys(expected), BROWSER_SAMPLE].sort());
  });

  for (const sample of samples.filter((s) => s.lang === "ts" && s.heading !== BROWSER_SAMPLE)) {
    const expectation = expected[sample.heading];
    test.runIf(expectation)(`sample under "${sample.heading}" runs and prints what it says`, async () => {
      // esbuild strips the types and lowers `using`, which Node 20 lacks.
      const { code } = transformSync(sample.code, { loader: "ts", format: "esm", target: "node20" });
      mkdirSync(scratch, { recursive: true });
      const file = `${scratch}/${sample.heading.replace(/\W+/g, "-")}.mjs`;
      writeFileSync(file, code);
      const { command = process.execPath, args = [] } = expectation!;
      const outcome = await runProgram(command, [...args, file]);
      expect(outcome.stderr).toBe("");
      expect(outcome.lines).toEqual(expectation!.stdout);
      expect(outcome.code).toBe(expectation!.code);
    });
  }
});
