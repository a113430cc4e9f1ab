// Before anything is registered: the functions that only read or remove
// (unregister, count, clear, configure() without a change) work without the
// registry and do not create it, so importing atexit and asking costs
// nothing. Each test file runs in a fresh realm, so here it does not exist yet.
import { describe, expect, test } from "vitest";
import { findRegistry } from "../../src/realm.ts";
import { clear, configure, count, unregister } from "../../src/api.ts";
import { defaultConfig } from "../../src/config.ts";
import { printError } from "../../src/report.ts";

describe("before the registry exists", () => {
  test("unregister() returns 0, count() 0 and clear() does nothing, and none of them creates it", () => {
    expect(unregister(() => {})).toBe(0);
    expect(count()).toBe(0);
    clear();
    expect(findRegistry()).toBeUndefined();
  });

  test("configure() with no change returns the defaults without creating it", () => {
    expect(configure()).toBe(defaultConfig);
    expect(configure({})).toBe(defaultConfig);
    // `undefined` leaves these keys as they were: still no change.
    expect(configure({ timeout: undefined, awaitCrash: undefined, extraSignals: undefined })).toBe(defaultConfig);
    expect(findRegistry()).toBeUndefined();
  });

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
    });
    expect(Object.isFrozen(defaultConfig)).toBe(true);
    expect(Object.isFrozen(defaultConfig.extraSignals)).toBe(true);
  });

  // Last: from here on the registry exists.
  test("the first configure() that changes something creates it and sets the change there", () => {
    const config = configure({ timeout: 250 });
    expect(findRegistry()?.config).toBe(config);
    expect(config).toEqual({ ...defaultConfig, timeout: 250 });
    expect(defaultConfig.timeout).toBe(5000);
  });
});
