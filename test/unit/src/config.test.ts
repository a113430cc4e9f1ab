// The settings table (src/config.ts): the defaults a fresh realm starts with,
// which settings `configure({ key: undefined })` turns back off (the others
// it leaves alone), and which settings reinstall the adapter's listeners when
// they change. Read through configure() (src/api.ts), the one function that
// applies the table; how each value is checked is test/unit/src/validate.test.ts's.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { OptInSignal } from "../../../src/types.ts";
import { fakeAdapter } from "../fresh-registry.ts";

// Loaded afresh for each test, with what reads the tables (configure() and
// its checks), so that the tables config.ts makes as it loads are made inside
// the test (a mutation run's changes to them are only active while a test runs).
const load = async () => ({
  ...(await import("../../fixtures/api.ts")),
  ...(await import("../../../src/api.ts")),
  ...(await import("../../../src/config.ts")),
  ...(await import("../../../src/realm.ts")),
  ...(await import("../../../src/report.ts")),
});
let { createApi, configure, defaultConfig, getRegistry, printError, OPT_IN_SIGNALS, STOP_SIGNALS } = await load();
beforeEach(async () => {
  vi.resetModules();
  ({ createApi, configure, defaultConfig, getRegistry, printError, OPT_IN_SIGNALS, STOP_SIGNALS } = await load());
  getRegistry().config = defaultConfig;
});

afterEach(() => {
  getRegistry().clear();
  getRegistry().config = defaultConfig;
});

describe("the defaults", () => {
  test("the defaults are the documented ones, frozen", () => {
    expect(configure()).toEqual({
      timeout: 5000,
      totalTimeout: 9000,
      onError: printError,
      errorExitCode: undefined,
      duplicateSignalWindow: 100,
      extraSignals: [],
      awaitCrash: false,
      shutdownMessage: undefined,
      onReport: undefined,
    });
    expect(Object.isFrozen(defaultConfig)).toBe(true);
    expect(Object.isFrozen(defaultConfig.extraSignals)).toBe(true);
  });
});

describe("the signal lists", () => {
  // The README's Signals table states both lists; a change to either is a change to it.
  test("the requests to stop, listened to by default, are refused as extras: they are handled already", () => {
    expect(STOP_SIGNALS).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", "SIGBREAK"]);
    for (const signal of STOP_SIGNALS) {
      // The type refuses it already; a program without types is refused at the call.
      expect(() => configure({ extraSignals: [signal as OptInSignal] })).toThrow(`cannot take ${signal} (it is handled by default)`);
    }
  });

  test("extraSignals takes each catchable signal that ends a process and is not listened to already", () => {
    expect(OPT_IN_SIGNALS).toEqual([
      "SIGQUIT",
      "SIGUSR2",
      "SIGALRM",
      "SIGVTALRM",
      "SIGXFSZ",
      "SIGIO",
      "SIGSTKFLT",
      "SIGABRT",
      "SIGTRAP",
      "SIGSYS",
    ]);
    expect(configure({ extraSignals: OPT_IN_SIGNALS as readonly OptInSignal[] }).extraSignals).toEqual(OPT_IN_SIGNALS);
  });
});

describe("configure({ key: undefined })", () => {
  test("configure({ timeout: undefined }) leaves the timeout unchanged; errorExitCode: undefined resets it", () => {
    const api = createApi(() => fakeAdapter());
    api.configure({ timeout: 100, totalTimeout: 200, errorExitCode: 3 });
    const config = api.configure({ timeout: undefined, totalTimeout: undefined, onError: undefined, errorExitCode: undefined });
    expect(config.timeout).toBe(100);
    expect(config.totalTimeout).toBe(200);
    expect(config.onError).toBe(printError);
    expect(config.errorExitCode).toBeUndefined();
    expect("errorExitCode" in config).toBe(true);
  });

  test("shutdownMessage: undefined turns it back off; awaitCrash: undefined leaves it as it was", () => {
    const api = createApi(() => fakeAdapter());
    api.configure({ shutdownMessage: "shutdown", awaitCrash: true });
    const config = api.configure({ shutdownMessage: undefined, awaitCrash: undefined });
    expect(config.shutdownMessage).toBeUndefined();
    expect(config.awaitCrash).toBe(true);
  });

  test("onReport: undefined turns it back off; a configure() without it leaves it as it was", () => {
    const api = createApi(() => fakeAdapter());
    const onReport = (): void => {};
    expect(api.configure({ onReport }).onReport).toBe(onReport);
    expect(api.configure({ timeout: 10 }).onReport).toBe(onReport);
    const config = api.configure({ onReport: undefined });
    expect(config.onReport).toBeUndefined();
    expect("onReport" in config).toBe(true);
  });
});

describe("the settings the listeners depend on", () => {
  test("configure() of a key that decides the listeners installs them again; other keys do not", () => {
    const adapter = fakeAdapter();
    const api = createApi(() => adapter);
    api.register(() => {});
    expect(adapter.install).toHaveBeenCalledTimes(1);
    api.configure({ timeout: 10, duplicateSignalWindow: 50 });
    expect(adapter.install).toHaveBeenCalledTimes(1);
    for (const change of [{ extraSignals: ["SIGUSR2"] }, { awaitCrash: true }, { shutdownMessage: "shutdown" }] as const) {
      api.configure(change);
    }
    expect(adapter.uninstall).toHaveBeenCalledTimes(3);
    expect(adapter.install).toHaveBeenCalledTimes(4);
    api.configure({ awaitCrash: true }); // no change
    expect(adapter.install).toHaveBeenCalledTimes(4);
  });
});
