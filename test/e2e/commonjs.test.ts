// CommonJS programs on every runtime: a library written in CommonJS that
// requires atexit must work in whatever program loads it. Deno's require()
// resolves exports with the "node" condition, never "deno", so there
// require("atexit") must reach a build that detects Deno.
import { describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";
import { fixture, runtimes } from "./runtimes.ts";

const ids = ["node", "deno", "bun"] as const;

/** Asserts that `before` was printed, and earlier than `after`. */
function expectBefore(lines: string[], before: string, after: string): void {
  expect(lines).toContain(before);
  expect(lines.indexOf(before)).toBeLessThan(lines.indexOf(after));
}

describe.each(ids)("%s", (id) => {
  const { command, args } = runtimes[id];
  // The program listens, spawns and reads the environment (node:child_process).
  const runArgs = id === "deno" ? [...args, "-A"] : args;
  const run = (path: string, signals: Parameters<typeof runProgram>[2] = {}) =>
    runProgram(command, [...runArgs, fixture("commonjs.cjs"), path], signals);

  test("require() of atexit, atexit/http, atexit/child, atexit/request and atexit/beacon: natural end", async () => {
    const outcome = await run("natural");
    expect(outcome.stderr).toBe("");
    expect({ code: outcome.code, signal: outcome.signal }).toEqual({ code: 0, signal: null });
    const { lines } = outcome;
    expect([...lines].sort()).toEqual(
      [
        "beacon function",
        "handler response",
        "deferred done",
        `B request ${id}`,
        "A request",
        "child ended by SIGTERM",
        `B natural ${id}`,
        "A natural",
      ].sort(),
    );
    // The invocation's phase (LIFO), then the program's end: the child is
    // killed then, not at the invocation's end, and the deferred work settles first.
    expectBefore(lines, `B request ${id}`, "A request");
    expectBefore(lines, "A request", "child ended by SIGTERM");
    expectBefore(lines, "deferred done", `B natural ${id}`);
    expectBefore(lines, "child ended by SIGTERM", `B natural ${id}`);
    expectBefore(lines, `B natural ${id}`, "A natural");
  });

  test("the same program on SIGTERM: the child is killed, the callbacks run, and it dies by SIGTERM", async () => {
    // Once the invocation's phase is over: a signal run under way leaves a phase nothing to run.
    const outcome = await run("signal", { signals: [{ signal: "SIGTERM", afterLine: "A request" }] });
    expect(outcome.stderr).toBe("");
    expect(outcome.signal).toBe("SIGTERM");
    const { lines } = outcome;
    expectBefore(lines, "child ended by SIGTERM", `B signal ${id}`);
    expectBefore(lines, "deferred done", `B signal ${id}`);
    expectBefore(lines, `B signal ${id}`, "A signal");
    expect(lines.filter((line) => line.startsWith("B ")).sort()).toEqual([`B request ${id}`, `B signal ${id}`]);
  });
});
