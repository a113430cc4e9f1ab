// A sandbox that blanks `process` ({} or null) before atexit loads: on every
// runtime and entry, registering works, hooks nothing, and the callbacks run
// through runHandlers(). A host without a usable process is the fallback
// host, never an error.
import { describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";
import { fixture, runtimes } from "./runtimes.ts";

const entries = { node: "atexit/adapters/node", deno: "atexit/adapters/deno", bun: "atexit/adapters/bun" } as const;

describe.each(["node", "deno", "bun"] as const)("%s", (id) => {
  const { command, args: runArgs } = runtimes[id];
  // Deno asks for read permission to import the entry dynamically; atexit itself needs none.
  const args = id === "deno" ? [...runArgs, "--allow-read"] : runArgs;
  test.each(["{}", "null"])("process = %s: atexit, its own adapter and the fallback register and run", async (value) => {
    for (const entry of ["atexit", entries[id], "atexit/adapters/fallback"]) {
      const outcome = await runProgram(command, [...args, fixture("blank-process.mjs"), value, entry]);
      expect({ entry, lines: outcome.lines, stderr: outcome.stderr, code: outcome.code }).toEqual({
        entry,
        lines: ["count 1", "ran manual", "count 0"],
        stderr: "",
        code: 0,
      });
    }
  });
});
