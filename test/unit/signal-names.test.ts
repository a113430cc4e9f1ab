// Which signals the server adapters listen to on each platform, and the
// 128+n status for each (adapters/_signals.ts), used where re-raising a
// signal cannot kill (Windows, PID 1).
import { describe, expect, test } from "vitest";
import { denoSignals, exitSignals, SIGNAL_NUMBERS, signalStatus } from "../../adapters/_signals.ts";

describe("exitSignals", () => {
  test("POSIX: SIGINT, SIGTERM and SIGHUP", () => {
    expect(exitSignals("linux")).toEqual(["SIGINT", "SIGTERM", "SIGHUP"]);
    expect(exitSignals("darwin", [])).toEqual(["SIGINT", "SIGTERM", "SIGHUP"]);
  });

  test("POSIX: the configured extra signals after those", () => {
    expect(exitSignals("linux", ["SIGUSR2", "SIGQUIT"])).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGUSR2", "SIGQUIT"]);
  });

  test("a host that does not say its platform is treated as POSIX", () => {
    expect(exitSignals(undefined, ["SIGQUIT"])).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"]);
  });

  test("Windows: SIGBREAK too (Ctrl+Break), and never the extras, which it cannot deliver", () => {
    expect(exitSignals("win32")).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"]);
    expect(exitSignals("win32", ["SIGUSR2", "SIGQUIT"])).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"]);
  });
});

describe("signalStatus", () => {
  test.each([
    ["SIGHUP", 129],
    ["SIGINT", 130],
    ["SIGQUIT", 131],
    ["SIGUSR2", 140],
    ["SIGTERM", 143],
    ["SIGBREAK", 149],
  ])("%s → %i, as a shell reports a death by it", (signal, status) => {
    expect(signalStatus(signal)).toBe(status);
  });

  test("every signal listened to on any platform has a number", () => {
    for (const signal of new Set([...exitSignals("linux", ["SIGUSR2", "SIGQUIT"]), ...exitSignals("win32")])) {
      expect(SIGNAL_NUMBERS[signal]).toBeGreaterThan(0);
    }
  });

  test("a signal without a number gives 128", () => {
    expect(signalStatus("SIGWINCH")).toBe(128);
  });
});

describe("denoSignals", () => {
  test("Deno on Windows delivers only SIGINT and SIGBREAK to its listeners; extras are not added there", () => {
    expect(denoSignals(true)).toEqual(["SIGINT", "SIGBREAK"]);
    expect(denoSignals(true, ["SIGUSR2"])).toEqual(["SIGINT", "SIGBREAK"]);
  });

  test("elsewhere SIGINT, SIGTERM and SIGHUP, then the extras, in order", () => {
    expect(denoSignals(false)).toEqual(["SIGINT", "SIGTERM", "SIGHUP"]);
    expect(denoSignals(false, ["SIGUSR2", "SIGQUIT"])).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGUSR2", "SIGQUIT"]);
  });
});
