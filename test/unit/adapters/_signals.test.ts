// Which signals the server adapters listen to on each platform, and the
// 128+n status for each (adapters/_signals.ts), used where re-raising a
// signal cannot kill (Windows, PID 1).
import { beforeEach, describe, expect, test, vi } from "vitest";
import { OPT_IN_SIGNALS } from "../../../src/config.ts";

// Loaded afresh for each test, so that the tables the module makes as it
// loads are made inside the test (a mutation run's changes to them are only
// active while a test runs).
let { BUN_UNHEARD, DENO_UNRAISABLE, denoSignals, exitSignals, SIGNAL_NUMBERS, signalStatus } = await import(
  "../../../adapters/_signals.ts"
);
beforeEach(async () => {
  vi.resetModules();
  ({ BUN_UNHEARD, DENO_UNRAISABLE, denoSignals, exitSignals, SIGNAL_NUMBERS, signalStatus } = await import(
    "../../../adapters/_signals.ts"
  ));
});

describe("exitSignals", () => {
  test("Linux: the requests to stop, SIGINT, SIGTERM, SIGHUP, SIGPWR and SIGXCPU", () => {
    expect(exitSignals("linux")).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU"]);
  });

  test("other POSIX hosts: the same but SIGPWR, which only Linux has", () => {
    expect(exitSignals("darwin", [])).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGXCPU"]);
  });

  test("POSIX: the configured extra signals after those; SIGSTKFLT on Linux only", () => {
    expect(exitSignals("linux", ["SIGUSR2", "SIGQUIT", "SIGSTKFLT"])).toEqual([
      "SIGINT",
      "SIGTERM",
      "SIGHUP",
      "SIGPWR",
      "SIGXCPU",
      "SIGUSR2",
      "SIGQUIT",
      "SIGSTKFLT",
    ]);
    expect(exitSignals("darwin", ["SIGUSR2", "SIGSTKFLT"])).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGXCPU", "SIGUSR2"]);
  });

  test("a host that does not say its platform is treated as POSIX, not Linux", () => {
    expect(exitSignals(undefined, ["SIGQUIT"])).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGXCPU", "SIGQUIT"]);
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
    ["SIGXCPU", 152],
    ["SIGPWR", 158],
    ["SIGSYS", 159],
  ])("%s → %i, as a shell reports a death by it", (signal, status) => {
    expect(signalStatus(signal)).toBe(status);
  });

  test("every signal listened to on any platform, by default or opted into, has a number", () => {
    for (const signal of new Set([...exitSignals("linux", OPT_IN_SIGNALS), ...exitSignals("win32")])) {
      expect(SIGNAL_NUMBERS[signal]).toBeGreaterThan(0);
    }
  });

  test("a signal without a number gives 128", () => {
    expect(signalStatus("SIGWINCH")).toBe(128);
  });
});

describe("denoSignals", () => {
  test("Deno on Windows delivers only SIGINT and SIGBREAK to its listeners; extras are not added there", () => {
    expect(denoSignals("windows")).toEqual(["SIGINT", "SIGBREAK"]);
    expect(denoSignals("windows", ["SIGUSR2"])).toEqual(["SIGINT", "SIGBREAK"]);
  });

  test("on Linux the requests to stop, then the extras, in order", () => {
    expect(denoSignals("linux")).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU"]);
    expect(denoSignals("linux", ["SIGUSR2", "SIGQUIT"])).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", "SIGUSR2", "SIGQUIT"]);
  });

  test("on other POSIX hosts without the Linux-only signals, which Deno would refuse", () => {
    expect(denoSignals("darwin", ["SIGSTKFLT", "SIGQUIT"])).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGXCPU", "SIGQUIT"]);
  });
});

describe("the runtimes' exceptions", () => {
  // Measured with Bun 1.4 and Deno 2.9; the e2e signal rows of each runtime
  // (test/e2e) show what atexit does on each, these only pin the lists.
  test("Bun: SIGPWR and SIGSTKFLT never reach a listener, so they are not listened to", () => {
    expect(BUN_UNHEARD).toEqual(["SIGPWR", "SIGSTKFLT"]);
  });

  test("Deno: SIGPWR, SIGSTKFLT and SIGIO cannot be re-raised once listened to, so it ends with 128+n", () => {
    expect(DENO_UNRAISABLE).toEqual(["SIGPWR", "SIGSTKFLT", "SIGIO"]);
  });
});
