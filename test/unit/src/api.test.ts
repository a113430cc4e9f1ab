// The public functions (src/api.ts), bound to a fake adapter by
// test/fixtures/api.ts as each entry binds them to its own: what register,
// exit, runHandlers, unregister, count, clear and configure do, the handle
// register returns, and adapters that lack optional members (the fallback has
// only a runtime). The functions that only read or remove must not create the
// registry, so importing atexit and asking costs nothing: their tests come
// first, in a realm where nothing has registered yet (vitest gives each file
// a fresh one; isolate: true in vitest.config.ts and
// vitest.mutation.config.ts). The entries run these functions for real in
// test/e2e and test/browser.
import { afterEach, describe, expect, test, vi } from "vitest";
import { createApi } from "../../fixtures/api.ts";
import { clear, configure, count, unregister } from "../../../src/api.ts";
import { defaultConfig } from "../../../src/config.ts";
import type { Adapter } from "../../../src/protocol.ts";
import { observeRun } from "../../../src/exit-report.ts";
import { findRegistry, getRegistry, sharedState } from "../../../src/realm.ts";
import { runNow } from "../../../src/run.ts";
import type { ExitEvent } from "../../../src/types.ts";
import { fakeAdapter, logger, manual, setup, sleep } from "../fresh-registry.ts";

// Found, not got: getting it would create the registry the first tests must not see.
afterEach(() => {
  const registry = findRegistry();
  registry?.clear();
  if (registry) registry.config = defaultConfig;
  vi.restoreAllMocks();
});

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

  // Last: from here on the registry exists.
  test("the first configure() that changes something creates it and sets the change there", () => {
    const config = configure({ timeout: 250 });
    expect(findRegistry()?.config).toBe(config);
    expect(config).toEqual({ ...defaultConfig, timeout: 250 });
    expect(defaultConfig.timeout).toBe(5000);
  });
});

describe("configure({ onReport })", () => {
  test("brings the runs' record into the shared state; other settings do not", () => {
    sharedState().observeRun = undefined;
    configure({ timeout: 100, onReport: undefined });
    expect(sharedState().observeRun).toBeUndefined();
    configure({ onReport: () => {} });
    expect(sharedState().observeRun).toBe(observeRun);
  });
});

describe("the Registration handle", () => {
  test("returns true once, then false, and removes only its own registration", () => {
    const { registry, log, add } = setup();
    const fn = logger(log, "fn");
    add(fn);
    const off = add(fn);
    expect(registry.size).toBe(2);
    expect(off()).toBe(true);
    expect(registry.size).toBe(1);
    expect(off()).toBe(false);
    expect(registry.size).toBe(1);
    runNow(registry, manual);
    expect(log).toEqual(["fn"]);
  });

  test("returns false after unregister(fn) or clear() removed it", () => {
    const { registry, add } = setup();
    const fn = (): void => {};
    const a = add(fn);
    const b = add(() => {});
    registry.removeAll(fn);
    expect(a()).toBe(false);
    registry.clear();
    expect(b()).toBe(false);
  });

  test("returns false after a run consumed the callback", () => {
    const { registry, add } = setup();
    const off = add(() => {});
    runNow(registry, manual);
    expect(off()).toBe(false);
  });

  test("Symbol.dispose unregisters", () => {
    const { registry, log, add } = setup();
    const off = add(logger(log, "a"));
    add(logger(log, "b"));
    off[Symbol.dispose]();
    expect(registry.size).toBe(1);
    off[Symbol.dispose](); // idempotent
    expect(registry.size).toBe(1);
    runNow(registry, manual);
    expect(log).toEqual(["b"]);
  });

  test("a `using` declaration unregisters at the end of the block", () => {
    const { registry, log, add } = setup();
    add(logger(log, "outer"));
    {
      using _scoped = add(logger(log, "scoped"));
      expect(registry.size).toBe(2);
    }
    expect(registry.size).toBe(1);
    runNow(registry, manual);
    expect(log).toEqual(["outer"]);
  });

  test("a `using` declaration unregisters when the block throws", () => {
    const { registry, add } = setup();
    expect(() => {
      using _scoped = add(() => {});
      expect(registry.size).toBe(1);
      throw new Error("boom");
    }).toThrow("boom");
    expect(registry.size).toBe(0);
  });
});

describe("createApi with a fake adapter", () => {
  test("runHandlers() from a callback after an await returns at once instead of waiting on its own run", async () => {
    const api = createApi(() => fakeAdapter());
    const log: string[] = [];
    api.register(logger(log, "a"));
    api.register(
      async () => {
        await sleep(1);
        await api.runHandlers();
        log.push("inner returned");
      },
      { timeout: 5000 },
    );
    const onError = vi.fn();
    api.configure({ onError });
    await api.runHandlers();
    expect(log).toEqual(["inner returned", "a"]);
    expect(onError).not.toHaveBeenCalled();
  });

  test("resolves the adapter lazily, on first use", () => {
    const adapter = fakeAdapter();
    const resolve = vi.fn(() => adapter);
    const api = createApi(resolve);
    expect(resolve).not.toHaveBeenCalled();
    api.register(() => {});
    api.register(() => {});
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(adapter.install).toHaveBeenCalledWith(getRegistry());
  });

  test("exit(3) runs the callbacks, then ends with 3", async () => {
    const adapter = fakeAdapter(0, "deno");
    const api = createApi(() => adapter);
    const log: string[] = [];
    const events: ExitEvent[] = [];
    adapter.exitProcess.mockImplementation((code: number) => void log.push(`end ${code}`));
    api.register(logger(log, "a", events));
    api.register(logger(log, "b", events));
    await api.exit(3);
    expect(log).toEqual(["b", "a", "end 3"]);
    expect(adapter.exitProcess).toHaveBeenCalledTimes(1);
    expect(events[0]).toMatchObject({ reason: "exit", code: 3, runtime: "deno", final: true, awaited: true });
    expect(api.count()).toBe(0);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
  });

  test("exit(3) awaits async callbacks before ending", async () => {
    const adapter = fakeAdapter();
    const api = createApi(() => adapter);
    const log: string[] = [];
    adapter.exitProcess.mockImplementation((code: number) => void log.push(`end ${code}`));
    api.register(async () => {
      await sleep(5);
      log.push("flushed");
    });
    await api.exit(3);
    expect(log).toEqual(["flushed", "end 3"]);
  });

  test("exit() without a code ends with the adapter's current code, else 0", async () => {
    const withCode = fakeAdapter(4);
    const api = createApi(() => withCode);
    let code: number | undefined;
    api.register((event) => void (code = event.code));
    await api.exit();
    expect(code).toBe(4);
    expect(withCode.exitProcess).toHaveBeenCalledWith(4);

    const without = fakeAdapter(undefined);
    await createApi(() => without).exit();
    expect(without.exitProcess).toHaveBeenCalledWith(0);
  });

  test("exit() with nothing registered still ends the program", async () => {
    const adapter = fakeAdapter();
    await createApi(() => adapter).exit(9);
    expect(adapter.exitProcess).toHaveBeenCalledWith(9);
  });

  test("exit(code) from inside a callback does not start a second run, resolves, and sets the status", async () => {
    const adapter = fakeAdapter(0);
    const api = createApi(() => adapter);
    const log: string[] = [];
    const codes: (number | undefined)[] = [];
    api.register((event) => {
      log.push("a");
      codes.push(event.code);
    });
    api.register(async () => {
      log.push("b");
      await api.exit(5);
      log.push("b resolved");
    });
    api.register(logger(log, "c"));
    await api.exit(3);
    expect(log).toEqual(["c", "b", "b resolved", "a"]);
    expect(codes).toEqual([5]);
    expect(adapter.exitProcess).toHaveBeenCalledTimes(1);
    expect(adapter.exitProcess).toHaveBeenCalledWith(5);
  });

  test("exit() without a code inside a callback of exit(3) keeps the status 3", async () => {
    const adapter = fakeAdapter(0); // like Node with no process.exitCode set
    const api = createApi(() => adapter);
    api.register(async () => {
      await api.exit();
    });
    await api.exit(3);
    expect(adapter.exitProcess).toHaveBeenCalledTimes(1);
    expect(adapter.exitProcess).toHaveBeenCalledWith(3);
  });

  test("a failing callback does not change the status unless errorExitCode is set", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const adapter = fakeAdapter(0);
    const api = createApi(() => adapter);
    const fail = (): void => {
      throw new Error("fail");
    };
    api.register(fail);
    await api.exit(0);
    expect(adapter.exitProcess).toHaveBeenLastCalledWith(0);

    api.configure({ errorExitCode: 70 });
    api.register(fail);
    await api.exit(0);
    expect(adapter.exitProcess).toHaveBeenLastCalledWith(70);

    api.register(fail);
    await api.exit(2);
    expect(adapter.exitProcess).toHaveBeenLastCalledWith(2);
  });

  test("exit(3) called while runHandlers() is running still ends the program with 3 after the run", async () => {
    const adapter = fakeAdapter(0);
    const api = createApi(() => adapter);
    const log: string[] = [];
    api.register(async () => {
      await sleep(5);
      log.push("a");
    });
    const flushing = api.runHandlers();
    await api.exit(3);
    await flushing;
    expect(log).toEqual(["a"]);
    expect(adapter.exitProcess).toHaveBeenCalledTimes(1);
    expect(adapter.exitProcess).toHaveBeenCalledWith(3);
  });

  test("exit(3) called by a callback during runHandlers() ends the program with 3 after the run", async () => {
    const adapter = fakeAdapter(0);
    const api = createApi(() => adapter);
    api.register(async () => {
      await api.exit(3);
    });
    await api.runHandlers();
    expect(adapter.exitProcess).toHaveBeenCalledTimes(1);
    expect(adapter.exitProcess).toHaveBeenCalledWith(3);
  });

  test("runHandlers() runs the callbacks with reason manual, final false, awaited, and does not end", async () => {
    const adapter = fakeAdapter(0, "worker");
    const api = createApi(() => adapter);
    const log: string[] = [];
    const events: ExitEvent[] = [];
    api.register(logger(log, "a", events));
    api.register(async (event) => {
      await sleep(1);
      log.push("b");
      events.push(event);
    });
    await api.runHandlers();
    expect(log).toEqual(["b", "a"]);
    expect(events[0]).toMatchObject({ reason: "manual", final: false, awaited: true, runtime: "worker" });
    expect(events[0]?.code).toBeUndefined();
    expect(adapter.exitProcess).not.toHaveBeenCalled();
    expect(api.count()).toBe(0);
    await api.runHandlers();
    expect(log).toEqual(["b", "a"]);
  });

  test("register returns a working handle; unregister removes every registration of fn", () => {
    const api = createApi(() => fakeAdapter());
    const fn = (): void => {};
    const off = api.register(fn);
    api.register(fn);
    api.register(() => {});
    expect(api.count()).toBe(3);
    expect(off()).toBe(true);
    expect(off()).toBe(false);
    expect(api.unregister(fn)).toBe(1);
    expect(api.count()).toBe(1);
  });

  test("count() and clear()", () => {
    const adapter = fakeAdapter();
    const api = createApi(() => adapter);
    expect(api.count()).toBe(0);
    api.register(() => {});
    api.register(() => {}, { last: true });
    expect(api.count()).toBe(2);
    api.clear();
    expect(api.count()).toBe(0);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
  });

  test("configure() merges, freezes, and returns the configuration in force", () => {
    const api = createApi(() => fakeAdapter());
    const onError = (): void => {};
    const first = api.configure({ timeout: 100 });
    expect(first).toEqual({ ...defaultConfig, timeout: 100 });
    expect(Object.isFrozen(first)).toBe(true);
    const second = api.configure({ totalTimeout: 500, onError, errorExitCode: 1 });
    expect(second).toEqual({ ...defaultConfig, timeout: 100, totalTimeout: 500, onError, errorExitCode: 1 });
    expect(Object.isFrozen(second)).toBe(true);
    expect(getRegistry().config).toBe(second);
    expect(api.configure()).toEqual(second);
    expect(first.timeout).toBe(100); // an earlier result is a snapshot, not changed by later calls
    expect(first.totalTimeout).toBe(defaultConfig.totalTimeout);
  });

  test("no listener is installed again during a run, nor before the first registration", async () => {
    const adapter = fakeAdapter();
    const api = createApi(() => adapter);
    api.configure({ awaitCrash: true });
    expect(adapter.install).not.toHaveBeenCalled();
    api.register(async () => {
      api.configure({ awaitCrash: false });
    });
    await api.runHandlers();
    expect(adapter.install).toHaveBeenCalledTimes(1);
  });

  test("configure's onError receives callback failures from exit()", async () => {
    const adapter = fakeAdapter(0);
    const api = createApi(() => adapter);
    const onError = vi.fn();
    api.configure({ onError });
    const boom = new Error("boom");
    api.register(() => {
      throw boom;
    });
    await api.exit(0);
    // The callback is an anonymous arrow: reports call it "anonymous".
    expect(onError).toHaveBeenCalledWith(boom, expect.objectContaining({ reason: "exit", code: 0 }), "anonymous");
  });

  test("configure's timeout applies to exit()", async () => {
    const adapter = fakeAdapter(0);
    const api = createApi(() => adapter);
    const onError = vi.fn();
    api.configure({ timeout: 30, onError });
    api.register(() => new Promise(() => {}));
    const startedAt = performance.now();
    await api.exit(1);
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect((onError.mock.calls[0]?.[0] as Error).name).toBe("TimeoutError");
    expect(adapter.exitProcess).toHaveBeenCalledWith(1);
  });
});

describe("an adapter with only a runtime (the fallback)", () => {
  const api = createApi((): Adapter => ({ runtime: "unknown" }));

  test("exit() runs the callbacks with status 0 and resolves", async () => {
    const events: ExitEvent[] = [];
    api.register((event) => void events.push(event));
    await expect(api.exit()).resolves.toBeUndefined();
    expect(events.map((event) => [event.reason, event.code])).toEqual([["exit", 0]]);
  });

  test("exit() requested during runHandlers() resolves once the run is over", async () => {
    const log: string[] = [];
    api.register(() => void log.push("older"));
    api.register(() => {
      log.push("asks to exit");
      void api.exit(4);
    });
    await expect(api.runHandlers()).resolves.toBeUndefined();
    expect(log).toEqual(["asks to exit", "older"]);
  });
});

describe("an adapter that can end the program", () => {
  function setup(currentCode?: () => number | undefined) {
    const end = vi.fn();
    const adapter: Adapter = { runtime: "unknown", exitProcess: end, ...(currentCode && { currentCode }) };
    return { api: createApi(() => adapter), end };
  }

  test("exit() requested without a status during runHandlers() ends with the status the program has now", async () => {
    const { api, end } = setup(() => 5);
    api.register(() => void api.exit());
    await api.runHandlers();
    expect(end).toHaveBeenCalledWith(5);
  });

  test("... or with 0 if the adapter cannot tell", async () => {
    const { api, end } = setup();
    api.register(() => void api.exit());
    await api.runHandlers();
    expect(end).toHaveBeenCalledWith(0);
  });

  test("exit() without a status ends with 0 if the adapter cannot tell the current one", async () => {
    const { api, end } = setup();
    const codes: Array<number | undefined> = [];
    api.register((event) => void codes.push(event.code));
    await api.exit();
    expect(codes).toEqual([0]);
    expect(end).toHaveBeenCalledWith(0);
  });
});
