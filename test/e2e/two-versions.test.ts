// Two versions of atexit in one process, as an application gets when two
// dependencies pin different ones: the packed 0.1.0 (a dev dependency,
// "atexit-0.1.0", from test/fixtures/atexit-0.1.0.tgz) and this one, either
// loaded first. Every callback runs once, LIFO across the copies, and the
// process ends once, with the status or by the signal it would have alone.
import { describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";
import { fixture, runtimes, type RuntimeId } from "./runtimes.ts";

const ids: RuntimeId[] = ["node", "deno", "bun"];
const lifo = (reason: string): string[] => ["D", "C", `B start ${reason}`, "B done", "A"];

describe.each(ids)("%s", (id) => {
  const { command, args } = runtimes[id];
  const run = (first: string, path: string, signal?: NodeJS.Signals) =>
    runProgram(command, [...args, fixture("two-versions.mjs"), first, path], { signals: signal ? [{ signal }] : [] });

  describe.each(["older", "newer"])("%s copy loaded first", (first) => {
    test("natural end: every callback once, status 0", async () => {
      const outcome = await run(first, "natural");
      expect(outcome.lines).toEqual(lifo("natural"));
      expect(outcome.code).toBe(0);
    });

    test.each(["exit-first", "exit-second"])("%s: exit(4) of that copy runs all, awaited, and ends with 4", async (path) => {
      const outcome = await run(first, path);
      expect(outcome.lines).toEqual(lifo("exit"));
      expect(outcome.code).toBe(4);
    });

    test("process.exit(5): every callback once, status 5", async () => {
      const outcome = await run(first, "process-exit");
      expect(outcome.lines).toEqual(["D", "C", "B start exit", "A"]);
      expect(outcome.code).toBe(5);
    });

    test("an uncaught exception: every callback once, the error shown, status 1", async () => {
      const outcome = await run(first, "crash");
      expect(outcome.lines).toEqual(["D", "C", "B start exception", "A"]);
      expect(outcome.stderr).toContain("boom");
      expect(outcome.code).toBe(1);
    });

    test("unregister through the other copy removes what the first registered", async () => {
      const outcome = await run(first, "unregister");
      expect(outcome.lines).toEqual(["removed 1 count 4 4", ...lifo("natural")]);
      expect(outcome.code).toBe(0);
    });

    test.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)("%s: every callback once, awaited, then dies by it", async (signal) => {
      const outcome = await run(first, "signal", signal);
      expect(outcome.lines).toEqual(lifo(`signal ${signal}`));
      expect(outcome.signal).toBe(signal);
    });
  });
});
