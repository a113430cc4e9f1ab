import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";
import { scenarios } from "../fixtures/scenarios.mjs";

const paths = fileURLToPath(new URL("../fixtures/node/paths.mjs", import.meta.url));

describe("node: every exit path", () => {
  for (const scenario of scenarios) {
    test(scenario.name, async () => {
      const outcome = await runProgram(process.execPath, [paths, ...scenario.args], { signals: scenario.signals });
      expect(outcome.lines).toEqual(scenario.stdout);
      expect({ code: outcome.code, signal: outcome.signal }).toEqual({
        code: scenario.code,
        signal: scenario.signal ?? null,
      });
      if (scenario.stderr) expect(outcome.stderr).toMatch(scenario.stderr);
    });
  }
});
