// Two copies of this version of atexit in one process (the protocol's own
// case; docs/5.internals/protocol.md): the ES module and CommonJS builds, and
// on Deno and Bun the TypeScript sources beside the npm build, either one
// loaded and used first. They share one slot: one LIFO stack across both,
// one count, one listener per event, one run on SIGTERM, one death by it.
import { describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";
import { fixture, runtimes } from "../e2e/runtimes.ts";

const cases = [
  ["node", "esm+cjs"],
  ["deno", "esm+cjs"],
  ["deno", "source+dist"],
  ["bun", "esm+cjs"],
  ["bun", "source+dist"],
] as const;

describe.each(cases)("%s, %s", (id, pair) => {
  const { command, args } = runtimes[id];
  const runArgs = id === "deno" ? [...args, "--allow-read", "--allow-env"] : args;
  test.each(["first", "second"])("copy A used %s: one stack, one count, one run on SIGTERM, then death by it", async (order) => {
    const outcome = await runProgram(command, [...runArgs, fixture("copies.mjs"), pair, order], { signals: [{ signal: "SIGTERM" }] });
    const [one, two] = order === "first" ? ["A", "B"] : ["B", "A"];
    expect(outcome.stderr).toBe("");
    expect(outcome.lines).toEqual([
      "two copies: true",
      "count A=4 B=4",
      // One listener for the whole process, whichever copy installed it (Deno's cannot be counted).
      ...(id === "deno" ? [] : ["SIGTERM listeners: 1"]),
      `4 (${two}) signal`,
      `3 (${one})`,
      `2 (${two})`,
      `1 (${one})`,
    ]);
    expect(outcome.signal).toBe("SIGTERM");
  });
});

describe.each(["node", "deno", "bun"] as const)("%s, a worker", (id) => {
  const { command, args } = runtimes[id];
  const runArgs = id === "deno" ? [...args, "--allow-read", "--allow-env"] : args;
  test("the ES module and CommonJS builds there share the worker's slot: one stack, one run", async () => {
    const outcome = await runProgram(command, [...runArgs, fixture("copies-worker.mjs")]);
    expect(outcome.stderr).toBe("");
    expect(outcome.lines).toEqual([
      "two copies: true",
      "count esm=4 cjs=4",
      "4 (cjs) manual",
      "3 (esm)",
      "2 (cjs)",
      "1 (esm)",
      "count after=0",
    ]);
    expect(outcome.code).toBe(0);
  });
});
