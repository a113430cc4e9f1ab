// The ATEXIT_DEBUG switch of the server adapters (adapters/_debug.ts).
import { afterEach, describe, expect, test, vi } from "vitest";
import { debugRequested, printDebug } from "../../adapters/_debug.ts";

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
