// The debugging reports of the server adapters (adapters/_debug.ts): the
// ATEXIT_DEBUG switch, the one-line report, and the report of a callback's
// async work that a path which cannot wait had to cut, which a run
// (src/run.ts) makes only through an adapter that asks for it. The server
// runtimes print these for real in test/e2e.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { Trigger } from "../../../src/protocol.ts";
import { runAwaited, runNow } from "../../../src/run.ts";
import type { ExitEvent } from "../../../src/types.ts";
import { setup } from "../fresh-registry.ts";

// Loaded afresh for each test, so that the functions the module makes as it
// loads are made inside the test (a mutation run's changes to them are only
// active while a test runs).
let { debugRequested, printCut, printDebug } = await import("../../../adapters/_debug.ts");
beforeEach(async () => {
  vi.resetModules();
  ({ debugRequested, printCut, printDebug } = await import("../../../adapters/_debug.ts"));
});

const exitTrigger: Trigger = { reason: "exit", code: 0, runtime: "node", final: true };

afterEach(() => vi.restoreAllMocks());

describe("debugRequested", () => {
  test.each([
    ["unset", undefined],
    ["empty", ""],
    ["0", "0"],
  ])("off when %s", (_what, value) => {
    expect(debugRequested(value)).toBe(false);
  });

  test.each(["1", "true", "yes", "00", " 0"])("on for any other value: %j", (value) => {
    expect(debugRequested(value)).toBe(true);
  });
});

describe("printDebug", () => {
  test("writes one line on stderr, prefixed with [atexit]", () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    printDebug("SIGINT again 3 ms after the first: a duplicate delivery, ignored");
    expect(printed.mock.calls).toEqual([["[atexit] SIGINT again 3 ms after the first: a duplicate delivery, ignored"]]);
  });
});

describe("debugging reports (an adapter that reports cut work, as the server adapters do with ATEXIT_DEBUG)", () => {
  const events: ExitEvent[] = [];
  const asyncCallback = async function upload(event: ExitEvent): Promise<void> {
    events.push(event);
  };

  test("a promise returned on a synchronous path is reported as cut work", () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const { registry, add } = setup({}, { runtime: "node", install: () => {}, reportCut: printCut });
    add(asyncCallback);
    add(() => "not a promise");
    runNow(registry, exitTrigger);
    expect(printed.mock.calls).toEqual([
      ['[atexit] exit callback "upload" returned a promise on exit, which cannot wait: its async work is cut'],
    ]);
  });

  test("quiet without debug, and quiet on awaited paths", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const quiet = setup();
    quiet.add(asyncCallback);
    runNow(quiet.registry, exitTrigger);
    const awaited = setup({}, { runtime: "node", install: () => {}, reportCut: printCut });
    awaited.add(asyncCallback);
    await runAwaited(awaited.registry, exitTrigger);
    expect(printed).not.toHaveBeenCalled();
  });
});
