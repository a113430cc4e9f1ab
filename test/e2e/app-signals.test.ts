// The application's own signal handling, next to atexit's: a Deno app that
// owns SIGTERM through Deno.addSignalListener (before or after atexit's first
// registration), and what ATEXIT_DEBUG=1 makes visible about cut work.
import { describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";
import { fixture, runtimes, type RuntimeId } from "./runtimes.ts";

describe.each(["deno", "deno-source"] as const)("%s: Deno.addSignalListener makes the application the owner of SIGTERM", (id) => {
  const { command, args } = runtimes[id];
  for (const when of ["before", "after"]) {
    for (const how of ["exit", "natural"]) {
      const ending = how === "exit" ? "Deno.exit(0)" : "letting the loop end";
      test(`listener added ${when} the first registration, app ends by ${ending}: its handler runs once`, async () => {
        const outcome = await runProgram(command, [...args, fixture("deno-app-signal.mjs"), when, how], {
          signals: [{ signal: "SIGTERM" }],
        });
        // Deno.exit() cannot wait for B; the natural end awaits it.
        const b = how === "exit" ? ["B exit"] : ["B natural", "B done"];
        expect(outcome.lines).toEqual(["app handles SIGTERM", ...b, "A"]);
        expect({ code: outcome.code, signal: outcome.signal }).toEqual({ code: 0, signal: null });
        expect(outcome.stderr).toBe("");
      });
    }
  }
});

const debugIds: RuntimeId[] = ["node", "deno", "bun"];
describe.each(debugIds)("%s: ATEXIT_DEBUG=1", (id) => {
  const { command } = runtimes[id];
  // Deno reads the variable only where the program may (no prompt otherwise).
  const args = id === "deno" ? [...runtimes[id].args, "--allow-env=ATEXIT_DEBUG"] : runtimes[id].args;
  const run = (path: string, env: Record<string, string>, signals: Parameters<typeof runProgram>[2]) =>
    runProgram(command, [...args, fixture("debug.mjs"), path], { env, ...signals });

  test("reports an app-owned signal and the async work its process.exit() cut", async () => {
    const outcome = await run("app-exit", { ATEXIT_DEBUG: "1" }, { signals: [{ signal: "SIGTERM" }] });
    expect(outcome.lines).toEqual(["app exits", "flush start"]);
    expect(outcome.code).toBe(0);
    expect(outcome.stderr.split("\n").filter(Boolean)).toEqual([
      "[atexit] SIGTERM: the application listens to it, so it owns it; the callbacks run at the exit it chooses",
      '[atexit] exit callback "flush" returned a promise on exit, which cannot wait: its async work is cut',
    ]);
  });

  test("reports a duplicate delivery it ignored", async () => {
    const outcome = await run("duplicate", { ATEXIT_DEBUG: "1" }, {
      signals: [{ signal: "SIGINT" }, { signal: "SIGINT", afterLine: "flush start" }],
    });
    expect(outcome.lines).toEqual(["flush start", "flush done"]);
    expect(outcome.signal).toBe("SIGINT");
    expect(outcome.stderr).toMatch(/^\[atexit\] SIGINT again \d+ ms after the first: a duplicate delivery, ignored\n$/);
  });

  test("without it, the same paths print nothing", async () => {
    const owned = await run("app-exit", {}, { signals: [{ signal: "SIGTERM" }] });
    const duplicate = await run("duplicate", { ATEXIT_DEBUG: "0" }, {
      signals: [{ signal: "SIGINT" }, { signal: "SIGINT", afterLine: "flush start" }],
    });
    expect([owned.lines, owned.code, owned.stderr]).toEqual([["app exits", "flush start"], 0, ""]);
    expect([duplicate.lines, duplicate.signal, duplicate.stderr]).toEqual([["flush start", "flush done"], "SIGINT", ""]);
  });
});

test("deno: without --allow-env, ATEXIT_DEBUG=1 is not read: no prompt, no report, no error", async () => {
  const { command, args } = runtimes.deno;
  const outcome = await runProgram(command, [...args, fixture("debug.mjs"), "app-exit"], {
    env: { ATEXIT_DEBUG: "1" },
    signals: [{ signal: "SIGTERM" }],
  });
  expect([outcome.lines, outcome.code, outcome.stderr]).toEqual([["app exits", "flush start"], 0, ""]);
});
