// The exit-path suite every server runtime must pass: the scenario table run
// on the real runtime, asserting callbacks, order, output and exit status.
import { describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";
import { scenarios } from "../fixtures/scenarios.mjs";
import { fixture, runtimes, type RuntimeId } from "./runtimes.ts";

export function exitPathSuite(id: RuntimeId): void {
  const { runtime, command, args } = runtimes[id];
  describe(`${id}: every exit path`, () => {
    for (const scenario of scenarios.filter((s) => !s.only || s.only.includes(runtime))) {
      test(scenario.name, async () => {
        const outcome = await runProgram(command, [...args, fixture("paths.mjs"), ...scenario.args], {
          signals: scenario.signals,
        });
        expect(outcome.lines).toEqual(scenario.stdout);
        expect({ code: outcome.code, signal: outcome.signal }).toEqual({
          code: scenario.code,
          signal: scenario.signal ?? null,
        });
        if (scenario.stderr) expect(outcome.stderr).toMatch(scenario.stderr);
      });
    }
  });
}
