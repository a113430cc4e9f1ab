// Unit tests of the runtime-neutral core (src/registry.ts, src/api.ts) against a
// fake adapter: nothing here ends the process. Registry tests use fresh
// `new Registry()` instances; createApi tests share the realm's registry
// (src/global.ts), which afterEach empties and resets.
import { afterEach, describe, expect, test, vi } from "vitest";
import { runAwaited, runNow, finalStatus, requestExit } from "../../src/run.ts";
import type { Trigger } from "../../src/protocol.ts";
import { createApi } from "../fixtures/api.ts";
import { getRegistry } from "../../src/realm.ts";
import { registrationOf } from "../../src/api.ts";
import { defaultConfig } from "../../src/config.ts";
import { Registry } from "../../src/registry.ts";
import { printError } from "../../src/report.ts";
import type { AtexitConfig, ExitCallback, ExitEvent, RuntimeName } from "../../src/types.ts";

function fakeAdapter(code?: number, runtime: RuntimeName = "unknown") {
  return {
    runtime,
    install: vi.fn(),
    uninstall: vi.fn(),
    currentCode: vi.fn((): number | undefined => code),
    exitProcess: vi.fn(),
  };
}

const manual: Trigger = { reason: "manual", runtime: "unknown", final: false };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A callback that logs `name` (and records the event it got). */
function logger(log: string[], name: string, events?: ExitEvent[]): ExitCallback {
  return (event) => {
    log.push(name);
    events?.push(event);
  };
}

function setup(config: Partial<AtexitConfig> = {}) {
  const registry = new Registry();
  registry.config = Object.freeze({ ...defaultConfig, ...config });
  const adapter = fakeAdapter();
  const log: string[] = [];
  const add = (callback: ExitCallback, options: Parameters<Registry["add"]>[1] = {}) =>
    registrationOf(registry, registry.add(callback, options, adapter));
  return { registry, adapter, log, add };
}

afterEach(() => {
  getRegistry().clear();
  getRegistry().config = defaultConfig;
  vi.restoreAllMocks();
});

describe("Registry: order", () => {
  test("callbacks run last in, first out", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "b"));
    add(logger(log, "c"));
    runNow(registry, manual);
    expect(log).toEqual(["c", "b", "a"]);
  });

  test("runAwaited runs them LIFO too", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(async () => void log.push("b"));
    add(logger(log, "c"));
    await runAwaited(registry, manual);
    expect(log).toEqual(["c", "b", "a"]);
  });

  test("`last: true` callbacks run after every ordinary one, LIFO among themselves", () => {
    const { registry, log, add } = setup();
    add(logger(log, "L1"), { last: true });
    add(logger(log, "a"));
    add(logger(log, "L2"), { last: true });
    add(logger(log, "b"));
    add(logger(log, "L3"), { last: true });
    runNow(registry, manual);
    expect(log).toEqual(["b", "a", "L3", "L2", "L1"]);
  });

  test("`last: false` is an ordinary registration", () => {
    const { registry, log, add } = setup();
    add(logger(log, "L"), { last: true });
    add(logger(log, "a"), { last: false });
    runNow(registry, manual);
    expect(log).toEqual(["a", "L"]);
  });
});

describe("Registry: duplicates and unregister", () => {
  test("the same function may be registered several times and is counted each time", () => {
    const { registry, add } = setup();
    const fn = (): void => {};
    add(fn);
    add(fn);
    add(fn, { last: true });
    expect(registry.size).toBe(3);
  });

  test("unregister(fn) removes every registration of fn and returns how many", () => {
    const { registry, log, add } = setup();
    const fn = logger(log, "fn");
    const other = logger(log, "other");
    add(fn);
    add(other);
    add(fn);
    add(fn, { last: true });
    expect(registry.removeAll(fn)).toBe(3);
    expect(registry.size).toBe(1);
    expect(registry.removeAll(fn)).toBe(0);
    runNow(registry, manual);
    expect(log).toEqual(["other"]);
  });

  test("unregister of a function never registered returns 0 and changes nothing", () => {
    const { registry, add } = setup();
    add(() => {});
    expect(registry.removeAll(() => {})).toBe(0);
    expect(registry.size).toBe(1);
  });

  test("every registration of a duplicated function runs in one run (CPython semantics)", () => {
    const { registry, log, add } = setup();
    const fn = logger(log, "fn");
    add(fn);
    add(logger(log, "x"));
    add(fn);
    runNow(registry, manual);
    expect(log).toEqual(["fn", "x", "fn"]);
    expect(registry.size).toBe(0);
  });

  test("a duplicated function registered as ordinary and as last runs in both places", async () => {
    const { registry, log, add } = setup();
    const fn = logger(log, "fn");
    add(fn, { last: true });
    add(logger(log, "x"));
    add(fn);
    await runAwaited(registry, manual);
    expect(log).toEqual(["fn", "x", "fn"]);
    expect(registry.size).toBe(0);
  });
});

describe("Registry: the Registration handle", () => {
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

describe("Registry: the signal option", () => {
  test("aborting the signal removes the registration", () => {
    const { registry, log, add } = setup();
    const controller = new AbortController();
    add(logger(log, "a"));
    const off = add(logger(log, "b"), { signal: controller.signal });
    expect(registry.size).toBe(2);
    controller.abort();
    expect(registry.size).toBe(1);
    expect(off()).toBe(false);
    runNow(registry, manual);
    expect(log).toEqual(["a"]);
  });

  test("one signal removes every registration it was given", () => {
    const { registry, add } = setup();
    const controller = new AbortController();
    add(() => {}, { signal: controller.signal });
    add(() => {}, { signal: controller.signal, last: true });
    add(() => {});
    controller.abort();
    expect(registry.size).toBe(1);
  });

  test("an already aborted signal registers nothing", () => {
    const { registry, adapter, log, add } = setup();
    const off = add(logger(log, "never"), { signal: AbortSignal.abort() });
    expect(registry.size).toBe(0);
    expect(off()).toBe(false);
    expect(adapter.install).not.toHaveBeenCalled();
    runNow(registry, manual);
    expect(log).toEqual([]);
  });

  test.each([
    ["the handle", (off: () => boolean, _registry: Registry, _fn: ExitCallback) => void off()],
    ["unregister(fn)", (_off: () => boolean, registry: Registry, fn: ExitCallback) => void registry.removeAll(fn)],
    ["clear()", (_off: () => boolean, registry: Registry) => registry.clear()],
    ["a run", (_off: () => boolean, registry: Registry) => void runNow(registry, manual)],
  ])("the abort listener is removed when %s removes the registration", (_name, remove) => {
    const { registry, add } = setup();
    const controller = new AbortController();
    const removeListener = vi.spyOn(controller.signal, "removeEventListener");
    const fn = vi.fn();
    const off = add(fn, { signal: controller.signal });
    const keep = add(() => {});
    remove(off, registry, fn);
    expect(removeListener).toHaveBeenCalledTimes(1);
    expect(removeListener.mock.calls[0]?.[0]).toBe("abort");
    // Aborting afterwards touches nothing.
    const before = registry.size;
    controller.abort();
    expect(registry.size).toBe(before);
    keep();
  });

  test("aborting during a run stops a callback that has not run yet", () => {
    const { registry, log, add } = setup();
    const controller = new AbortController();
    add(logger(log, "a"), { signal: controller.signal });
    add(() => {
      log.push("b");
      controller.abort();
    });
    runNow(registry, manual);
    expect(log).toEqual(["b"]);
    expect(registry.size).toBe(0);
  });
});

describe("Registry: installing the adapter", () => {
  test("install is called once, with the registry, on the first registration", () => {
    const { registry, adapter, add } = setup();
    expect(adapter.install).not.toHaveBeenCalled();
    add(() => {});
    add(() => {});
    add(() => {}, { last: true });
    expect(adapter.install).toHaveBeenCalledTimes(1);
    expect(adapter.install).toHaveBeenCalledWith(registry);
    expect(registry.installed).toBe(adapter);
  });

  test("uninstall is called when the last registration goes, and install again on the next one", () => {
    const { registry, adapter, add } = setup();
    const a = add(() => {});
    const b = add(() => {});
    a();
    expect(adapter.uninstall).not.toHaveBeenCalled();
    b();
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
    expect(registry.installed).toBeUndefined();
    add(() => {});
    expect(adapter.install).toHaveBeenCalledTimes(2);
  });

  test.each([
    ["unregister(fn)", (registry: Registry, fn: ExitCallback, _c: AbortController) => void registry.removeAll(fn)],
    ["an abort", (_registry: Registry, _fn: ExitCallback, controller: AbortController) => controller.abort()],
    ["clear()", (registry: Registry) => registry.clear()],
    ["runNow", (registry: Registry) => void runNow(registry, manual)],
  ])("uninstall is called when %s removes the last registration", (_name, remove) => {
    const { registry, adapter, add } = setup();
    const controller = new AbortController();
    const fn = (): void => {};
    add(fn, { signal: controller.signal });
    remove(registry, fn, controller);
    expect(registry.size).toBe(0);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
  });

  test("uninstall is called after an awaited run that consumed everything, not during it", async () => {
    const { registry, adapter, add } = setup();
    const seen: number[] = [];
    add(() => void seen.push(adapter.uninstall.mock.calls.length));
    add(async () => {
      await sleep(1);
      seen.push(adapter.uninstall.mock.calls.length);
    });
    await runAwaited(registry, manual);
    expect(seen).toEqual([0, 0]);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
  });

  test("clear() during a run does not uninstall before the run is over", () => {
    const { registry, adapter, add } = setup();
    let during = -1;
    add(() => {});
    add(() => {
      registry.clear();
      during = adapter.uninstall.mock.calls.length;
    });
    runNow(registry, manual);
    expect(during).toBe(0);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
  });

  test("a run that leaves a deferred registration keeps the adapter installed", () => {
    const { registry, adapter, add } = setup();
    let runs = 0;
    const again: ExitCallback = () => void (++runs < 5 && add(again));
    add(again);
    runNow(registry, manual);
    expect(registry.size).toBe(1);
    expect(adapter.uninstall).not.toHaveBeenCalled();
  });

  test("detach() uninstalls at once, whatever is still registered", () => {
    const { registry, adapter, add } = setup();
    add(() => {});
    registry.detach();
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
    expect(registry.installed).toBeUndefined();
    expect(registry.size).toBe(1);
  });

  test("an adapter without install is never hooked", () => {
    const registry = new Registry();
    registry.add(() => {}, {}, { runtime: "unknown" });
    expect(registry.installed).toBeUndefined();
    expect(registry.size).toBe(1);
  });
});

describe("Registry: awaited runs", () => {
  test("async callbacks are awaited one after another, never concurrently", async () => {
    const { registry, log, add } = setup();
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = (name: string): ExitCallback => async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      log.push(`start ${name}`);
      await sleep(5);
      log.push(`end ${name}`);
      inFlight--;
    };
    add(slow("a"));
    add(slow("b"));
    add(slow("c"));
    await runAwaited(registry, manual);
    expect(maxInFlight).toBe(1);
    expect(log).toEqual(["start c", "end c", "start b", "end b", "start a", "end a"]);
  });

  test("a callback that overruns its timeout is cut: its deadline aborts with a TimeoutError and the run moves on", async () => {
    const onError = vi.fn();
    const { registry, log, add } = setup({ timeout: 30, onError });
    let deadline: AbortSignal | undefined;
    add(logger(log, "after"));
    add((event) => {
      deadline = event.deadline;
      return new Promise(() => {}); // never settles
    });
    const startedAt = performance.now();
    const result = await runAwaited(registry, manual);
    const elapsed = performance.now() - startedAt;
    expect(log).toEqual(["after"]);
    expect(elapsed).toBeGreaterThanOrEqual(25);
    expect(elapsed).toBeLessThan(1000);
    expect(deadline?.aborted).toBe(true);
    expect((deadline?.reason as Error).name).toBe("TimeoutError");
    expect(result.failed).toBe(true);
    expect(onError).toHaveBeenCalledTimes(1);
    const [error, event] = onError.mock.calls[0] as [Error, ExitEvent];
    expect(error.name).toBe("TimeoutError");
    expect(error.message).toContain("30 ms");
    expect(error).toBe(deadline?.reason);
    expect(event.awaited).toBe(true);
  });

  test("the per-registration timeout overrides the configured one", async () => {
    const onError = vi.fn();
    const { registry, add } = setup({ timeout: 20_000, onError });
    add(() => new Promise(() => {}), { timeout: 30 });
    const startedAt = performance.now();
    await runAwaited(registry, manual);
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect((onError.mock.calls[0]?.[0] as Error).name).toBe("TimeoutError");
  });

  test("a callback that settles in time is not cut and its deadline never aborts", async () => {
    const onError = vi.fn();
    const { registry, add } = setup({ timeout: 40, onError });
    let deadline: AbortSignal | undefined;
    add(async (event) => {
      deadline = event.deadline;
      await sleep(2);
    });
    const result = await runAwaited(registry, manual);
    await sleep(80); // well past the 40 ms the timer would have fired at
    expect(deadline?.aborted).toBe(false);
    expect(onError).not.toHaveBeenCalled();
    expect(result.failed).toBe(false);
  });

  test("timeout: Infinity waits without a timer (within the total deadline)", async () => {
    const onError = vi.fn();
    const { registry, log, add } = setup({ timeout: Infinity, totalTimeout: Infinity, onError });
    add(async () => {
      await sleep(30);
      log.push("done");
    });
    await runAwaited(registry, manual);
    expect(log).toEqual(["done"]);
    expect(onError).not.toHaveBeenCalled();
  });

  test("callbacks left when totalTimeout has passed are called with awaited:false and an aborted deadline", async () => {
    const onError = vi.fn();
    const { registry, log, add } = setup({ totalTimeout: 20, onError });
    const events: ExitEvent[] = [];
    add(logger(log, "a", events));
    add(logger(log, "b", events), { last: true });
    add(async (event) => {
      log.push("c");
      events.push(event);
    });
    add((event) => {
      log.push("busy");
      events.push(event);
      const until = performance.now() + 40; // past the 20 ms total
      while (performance.now() < until) {
        /* spin */
      }
    });
    await runAwaited(registry, manual);
    expect(log).toEqual(["busy", "c", "a", "b"]);
    expect(events[0]?.awaited).toBe(true);
    for (const event of events.slice(1)) {
      expect(event.awaited).toBe(false);
      expect(event.deadline.aborted).toBe(true);
      expect((event.deadline.reason as Error).name).toBe("TimeoutError");
    }
    expect(registry.size).toBe(0);
  });

  test("the total deadline cuts a callback whose own timeout is longer", async () => {
    const onError = vi.fn();
    const { registry, log, add } = setup({ timeout: 20_000, totalTimeout: 40, onError });
    let deadline: AbortSignal | undefined;
    add(logger(log, "next"));
    add((event) => {
      deadline = event.deadline;
      return new Promise(() => {});
    });
    const startedAt = performance.now();
    await runAwaited(registry, manual);
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(deadline?.aborted).toBe(true);
    expect(log).toEqual(["next"]);
    expect((onError.mock.calls[0]?.[0] as Error).name).toBe("TimeoutError");
  });
});

describe("Registry: error isolation", () => {
  test("a throwing callback is reported to onError and the others still run (runNow)", () => {
    const onError = vi.fn();
    const { registry, log, add } = setup({ onError });
    const boom = new Error("boom");
    add(logger(log, "a"));
    add(() => {
      throw boom;
    });
    add(logger(log, "c"));
    const result = runNow(registry, { reason: "exit", code: 0, runtime: "node", final: true });
    expect(log).toEqual(["c", "a"]);
    expect(result.failed).toBe(true);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toBe(boom);
    expect(onError.mock.calls[0]?.[1]).toMatchObject({ reason: "exit", code: 0, awaited: false });
  });

  test("throwing and rejecting callbacks are reported and the others still run (runAwaited)", async () => {
    const onError = vi.fn();
    const { registry, log, add } = setup({ onError });
    const thrown = new Error("thrown");
    const rejected = new Error("rejected");
    add(logger(log, "a"));
    add(async () => {
      await sleep(1);
      throw rejected;
    });
    add(logger(log, "b"));
    add(() => {
      throw thrown;
    });
    add(logger(log, "c"));
    const result = await runAwaited(registry, manual);
    expect(log).toEqual(["c", "b", "a"]);
    expect(result.failed).toBe(true);
    expect(onError.mock.calls.map(([error]) => error)).toEqual([thrown, rejected]);
    expect(onError.mock.calls[0]?.[1]).toMatchObject({ reason: "manual", awaited: true });
  });

  test("a rejection from a callback of runNow is reported once it happens", async () => {
    const onError = vi.fn();
    const { registry, log, add } = setup({ onError });
    const rejected = new Error("later");
    add(logger(log, "a"));
    add(() => Promise.reject(rejected));
    runNow(registry, manual);
    expect(log).toEqual(["a"]);
    await sleep(0);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toBe(rejected);
  });

  test("a run with no failure reports failed: false", async () => {
    const onError = vi.fn();
    const { registry, add } = setup({ onError });
    add(() => {});
    add(async () => {});
    expect((await runAwaited(registry, manual)).failed).toBe(false);
    expect(onError).not.toHaveBeenCalled();
  });

  test("an onError that throws does not break the run; its failure is printed", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = new Error("onError broke");
    const { registry, log, add } = setup({
      onError: () => {
        throw broken;
      },
    });
    add(logger(log, "a"));
    add(() => {
      throw new Error("first");
    });
    add(logger(log, "c"));
    const result = await runAwaited(registry, manual);
    expect(log).toEqual(["c", "a"]);
    expect(result.failed).toBe(true);
    expect(printed).toHaveBeenCalledTimes(1);
    expect(printed.mock.calls[0]?.[0]).toMatch(/^\[atexit\]/);
    expect(printed.mock.calls[0]).toContain(broken);
  });

  test("the default onError prints to stderr with the [atexit] prefix", () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const { registry, add } = setup();
    expect(registry.config.onError).toBe(printError);
    const boom = new Error("boom");
    add(() => {
      throw boom;
    });
    runNow(registry, manual);
    expect(printed).toHaveBeenCalledTimes(1);
    expect(printed.mock.calls[0]?.[0]).toMatch(/^\[atexit\]/);
    expect(printed.mock.calls[0]).toContain(boom);
  });
});

describe("Registry: finalStatus", () => {
  test.each([
    // [exitCode asked during the run, failed, status, errorExitCode, expected]
    [7, true, 0, 1, 7],
    [7, false, 3, undefined, 7],
    [0, false, 5, undefined, 0], // exit(0) in a callback wins even over a non-zero status
    [undefined, true, 0, 1, 1],
    [undefined, true, 2, 1, 2], // errorExitCode applies only when the status was 0
    [undefined, false, 0, 1, 0], // and only when a callback failed
    [undefined, true, 0, undefined, 0], // default: a failure does not change the status
    [undefined, false, 130, undefined, 130],
  ] as const)("exitCode %s, failed %s, status %s, errorExitCode %s → %s", (exitCode, failed, status, errorExitCode, expected) => {
    const { registry } = setup({ errorExitCode });
    expect(finalStatus(registry.config, { exitRequested: exitCode !== undefined, exitCode, failed }, status)).toBe(expected);
  });

  test("exit() without a status during the run keeps the status the run was to end with", () => {
    const { registry } = setup({ errorExitCode: 1 });
    expect(finalStatus(registry.config, { exitRequested: true, exitCode: undefined, failed: true }, 3)).toBe(3);
  });
});

describe("Registry: runs consume callbacks", () => {
  test("a second run runs nothing; count is 0 after a run", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "b"), { last: true });
    runNow(registry, manual);
    expect(registry.size).toBe(0);
    runNow(registry, manual);
    await runAwaited(registry, manual);
    expect(log).toEqual(["a", "b"]);
  });

  test("after an awaited run, count is 0 and the next run runs only new registrations", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    await runAwaited(registry, manual);
    expect(registry.size).toBe(0);
    add(logger(log, "b"));
    await runAwaited(registry, manual);
    expect(log).toEqual(["a", "b"]);
  });

  test("running reports whether a run is under way", async () => {
    const { registry, add } = setup();
    const seen: boolean[] = [];
    add(async () => void seen.push((registry.current !== undefined)));
    expect((registry.current !== undefined)).toBe(false);
    const promise = runAwaited(registry, manual);
    expect((registry.current !== undefined)).toBe(true);
    await promise;
    expect((registry.current !== undefined)).toBe(false);
    expect(seen).toEqual([true]);
  });
});

describe("Registry: overlapping runs", () => {
  test("a second runAwaited during a run joins it: same promise, callbacks run once", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(async () => {
      await sleep(5);
      log.push("b");
    });
    const first = runAwaited(registry, manual);
    const second = runAwaited(registry, { reason: "signal", signal: "SIGINT", runtime: "node", final: true });
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(log).toEqual(["b", "a"]);
  });

  test("a finished run is not joined: the next runAwaited is a new run", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    const first = runAwaited(registry, manual);
    await first;
    add(logger(log, "b"));
    const second = runAwaited(registry, manual);
    expect(second).not.toBe(first);
    await second;
    expect(log).toEqual(["a", "b"]);
  });

  test("runNow during an awaited run drains the rest synchronously; the awaited run then finishes without repeats", async () => {
    const { registry, adapter, log, add } = setup();
    const events: ExitEvent[] = [];
    let release!: () => void;
    add(logger(log, "a", events));
    add(logger(log, "b", events));
    add(async () => {
      log.push("c");
      await new Promise<void>((resolve) => (release = resolve));
      log.push("c done");
    });
    const awaited = runAwaited(registry, manual);
    await sleep(0);
    expect(log).toEqual(["c"]);
    const result = runNow(registry, { reason: "exit", code: 2, runtime: "unknown", final: true });
    expect(log).toEqual(["c", "b", "a"]);
    expect(result.failed).toBe(false);
    expect(events.map((event) => [event.reason, event.awaited])).toEqual([
      ["exit", false],
      ["exit", false],
    ]);
    expect((registry.current !== undefined)).toBe(true); // the awaited run still owns the run
    expect(adapter.uninstall).not.toHaveBeenCalled();
    release();
    await awaited;
    expect(log).toEqual(["c", "b", "a", "c done"]);
    expect((registry.current !== undefined)).toBe(false);
    expect(registry.size).toBe(0);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
  });

  test("runNow from inside an awaited callback (process.exit() in a callback) carries on with the rest", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "b"));
    add(async () => {
      log.push("c");
      await sleep(1);
      runNow(registry, { reason: "exit", code: 0, runtime: "unknown", final: true });
      log.push("c after runNow");
    });
    await runAwaited(registry, manual);
    expect(log).toEqual(["c", "b", "a", "c after runNow"]);
    expect(registry.size).toBe(0);
  });

  test("runNow nested in a callback of runNow carries on with the callbacks not run yet; nothing runs twice", () => {
    const { registry, adapter, log, add } = setup();
    const inner: string[] = [];
    add(logger(log, "a"));
    add(logger(log, "b"), { last: true });
    add(logger(log, "c"));
    add(() => {
      log.push("d");
      runNow(registry, { reason: "exit", code: 0, runtime: "browser", final: true });
      inner.push(...log);
      log.push("d after");
    });
    add(logger(log, "e"));
    const result = runNow(registry, { reason: "pagehide", runtime: "browser", final: true });
    expect(inner).toEqual(["e", "d", "c", "a", "b"]);
    expect(log).toEqual(["e", "d", "c", "a", "b", "d after"]);
    expect(result.failed).toBe(false);
    expect((registry.current !== undefined)).toBe(false);
    expect(registry.size).toBe(0);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
    runNow(registry, manual);
    expect(log).toHaveLength(6);
  });

  test("runAwaited inside a runNow callback does not start a second run", async () => {
    const { registry, log, add } = setup();
    let joined: Promise<unknown> | undefined;
    add(logger(log, "a"));
    add(() => {
      log.push("b");
      joined = runAwaited(registry, manual);
    });
    runNow(registry, manual);
    await joined;
    expect(log).toEqual(["b", "a"]);
  });
});

describe("Registry: changes during a run", () => {
  test("a callback registered by a running callback runs next, in the same run", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(() => {
      log.push("b");
      add(logger(log, "new"));
    });
    add(logger(log, "c"));
    runNow(registry, manual);
    expect(log).toEqual(["c", "b", "new", "a"]);
    expect(registry.size).toBe(0);
  });

  test("the same in an awaited run", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(async () => {
      log.push("b");
      await sleep(1);
      add(async () => void log.push("new"));
    });
    await runAwaited(registry, manual);
    expect(log).toEqual(["b", "new", "a"]);
  });

  test("a `last` callback registered during the run runs after the remaining ordinary ones, before older last ones", () => {
    const { registry, log, add } = setup();
    add(logger(log, "L1"), { last: true });
    add(logger(log, "a"));
    add(() => {
      log.push("b");
      add(logger(log, "L2"), { last: true });
    });
    runNow(registry, manual);
    expect(log).toEqual(["b", "a", "L2", "L1"]);
  });

  test("a callback that registers itself again does not loop: deferred, counted, and run in the next run", () => {
    const { registry, log, add } = setup();
    let runs = 0;
    const again: ExitCallback = () => {
      log.push("again");
      // Bounded so that a missing loop guard fails the test instead of hanging it.
      if (++runs < 5) add(again);
    };
    add(logger(log, "a"));
    add(again);
    runNow(registry, manual);
    expect(log).toEqual(["again", "a"]);
    expect(registry.size).toBe(1);
    expect((registry.current !== undefined)).toBe(false);
    runNow(registry, manual);
    expect(log).toEqual(["again", "a", "again"]);
    expect(registry.size).toBe(1);
  });

  test("self re-registration in an awaited run is deferred to the next run too", async () => {
    const { registry, log, add } = setup();
    let runs = 0;
    const again: ExitCallback = async () => {
      log.push("again");
      if (++runs < 5) add(again);
    };
    add(again);
    await runAwaited(registry, manual);
    expect(log).toEqual(["again"]);
    expect(registry.size).toBe(1);
    await runAwaited(registry, manual);
    expect(log).toEqual(["again", "again"]);
  });

  test("a deferred re-registration can still be removed before the next run", () => {
    const { registry, adapter, log, add } = setup();
    let off: (() => boolean) | undefined;
    let runs = 0;
    const again: ExitCallback = () => {
      log.push("again");
      if (++runs < 5) off = add(again); // bounded: a missing loop guard fails, not hangs
    };
    add(again);
    runNow(registry, manual);
    expect(off?.()).toBe(true);
    expect(registry.size).toBe(0);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
    runNow(registry, manual);
    expect(log).toEqual(["again"]);
  });

  test("callbacks that already ran and are registered again keep LIFO order in the next run", () => {
    const { registry, log, add } = setup();
    const a = logger(log, "a");
    const b = logger(log, "b");
    add(() => {
      log.push("c");
      add(a);
      add(b); // registered after a: runs before a
    });
    add(b);
    add(a);
    runNow(registry, manual);
    expect(log).toEqual(["a", "b", "c"]);
    log.length = 0;
    runNow(registry, manual);
    expect(log).toEqual(["b", "a"]);
  });

  test("unregistering a callback that has not run yet stops it from running", () => {
    const { registry, log, add } = setup();
    const a = logger(log, "a");
    const controller = new AbortController();
    add(a);
    const offB = add(logger(log, "b"));
    add(logger(log, "c"), { signal: controller.signal });
    add(() => {
      log.push("d");
      expect(registry.removeAll(a)).toBe(1);
      expect(offB()).toBe(true);
      controller.abort();
    });
    runNow(registry, manual);
    expect(log).toEqual(["d"]);
    expect(registry.size).toBe(0);
  });

  test("unregistering a callback that already ran returns 0 / false", () => {
    const { registry, log, add } = setup();
    const a = logger(log, "a");
    let results: unknown[] = [];
    add(() => {
      results = [registry.removeAll(a), offA()];
    });
    const offA = add(a);
    runNow(registry, manual);
    expect(log).toEqual(["a"]);
    expect(results).toEqual([0, false]);
  });

  test("requestExit(code) during a run shows in later callbacks' event.code and in the RunResult", async () => {
    const { registry, add } = setup();
    const codes: (number | undefined)[] = [];
    add((event) => void codes.push(event.code));
    add((event) => {
      codes.push(event.code);
      requestExit(registry, undefined); // no code: keeps the one asked for
    });
    add((event) => {
      codes.push(event.code);
      requestExit(registry, 7);
    });
    const result = await runAwaited(registry, { reason: "exit", code: 3, runtime: "unknown", final: true });
    expect(codes).toEqual([3, 7, 7]);
    expect(result.exitCode).toBe(7);
  });

  test("requestExit outside a run does nothing", () => {
    const { registry, add } = setup();
    requestExit(registry, 9);
    add(() => {});
    expect(runNow(registry, manual).exitCode).toBeUndefined();
  });
});

describe("Registry: the ExitEvent", () => {
  test("runAwaited passes the trigger through, with awaited: true and a live deadline", async () => {
    const { registry, add } = setup();
    const events: ExitEvent[] = [];
    add(async (event) => void events.push(event));
    add((event) => void events.push(event));
    await runAwaited(registry, { reason: "signal", code: 130, signal: "SIGINT", runtime: "node", final: true });
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({
        reason: "signal",
        code: 130,
        signal: "SIGINT",
        runtime: "node",
        final: true,
        awaited: true,
      });
      expect(event.deadline).toBeInstanceOf(AbortSignal);
      expect(event.deadline.aborted).toBe(false);
    }
    expect(events[0]?.deadline).not.toBe(events[1]?.deadline); // one deadline per callback
  });

  test("runNow passes the trigger through, with awaited: false and a deadline that never aborts", () => {
    const { registry, add } = setup();
    const error = new Error("crash");
    let seen: ExitEvent | undefined;
    add((event) => void (seen = event));
    runNow(registry, { reason: "exception", code: 1, error, runtime: "bun", final: true });
    expect(seen).toMatchObject({ reason: "exception", code: 1, runtime: "bun", final: true, awaited: false });
    expect(seen?.error).toBe(error);
    expect(seen?.deadline).toBeInstanceOf(AbortSignal);
    expect(seen?.deadline.aborted).toBe(false);
  });

  test("a browser hide is passed through with final: false and no code", () => {
    const { registry, add } = setup();
    let seen: ExitEvent | undefined;
    add((event) => void (seen = event));
    runNow(registry, { reason: "hidden", runtime: "browser", final: false });
    expect(seen).toMatchObject({ reason: "hidden", runtime: "browser", final: false, awaited: false });
    expect(seen?.code).toBeUndefined();
    expect(seen?.signal).toBeUndefined();
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

describe("Registry: runs that keep callbacks (browsers: a page may be hidden again)", () => {
  const hidden: Trigger = { reason: "hidden", runtime: "browser", final: false };

  test("callbacks run LIFO, stay registered in their order, and run again next time", () => {
    const { registry, log, add } = setup();
    add(logger(log, "L"), { last: true });
    add(logger(log, "a"));
    add(logger(log, "b"));
    runNow(registry, hidden, { keep: true });
    expect(registry.size).toBe(3);
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["b", "a", "L", "b", "a", "L"]);
  });

  test("`once` callbacks run in the first run only", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "once"), { once: true });
    runNow(registry, hidden, { keep: true });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["once", "a", "a"]);
    expect(registry.size).toBe(1);
  });

  test("a trigger nested inside a callback carries on, and nothing runs twice or is lost", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "b"));
    add(() => {
      log.push("c");
      runNow(registry, { ...hidden, reason: "pagehide", final: true }, { keep: true });
      log.push("c after nested");
    });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["c", "b", "a", "c after nested"]);
    log.length = 0;
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["c", "b", "a", "c after nested"]);
  });

  // Firefox, closing a tab, ends the script of the pagehide listener at a
  // function call (no catch, no finally), then dispatches visibilitychange,
  // whose trigger resumes. Here the resuming call is made from inside the
  // callback, which leaves the registry in the state such an end leaves it;
  // test/unit/browser-termination.test.ts ends a real script.
  test("resume: the trigger after a cut callback carries on with the rest and ends the run; the cut one is not called again", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "b"));
    let calls = 0;
    add(() => {
      calls++;
      log.push(`c${calls}`);
      if (calls > 1) return;
      runNow(registry, hidden, { keep: true, takeOver: true });
      log.push(`running ${(registry.current !== undefined)}`);
    });
    const pagehide: Trigger = { ...hidden, reason: "pagehide", final: true };
    runNow(registry, pagehide, { keep: true, episode: true });
    // The call that was cut takes nothing more once its run was taken over.
    expect(log).toEqual(["c1", "b", "a", "running false"]);
    expect((registry.current !== undefined)).toBe(false);
    expect(registry.size).toBe(3);
    log.length = 0;
    runNow(registry, hidden, { keep: true, episode: true });
    expect(log).toEqual(["c2", "b", "a"]);
  });

  test("resume with no run under way is an ordinary run", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "b"));
    runNow(registry, hidden, { keep: true, takeOver: true });
    expect(log).toEqual(["b", "a"]);
    expect((registry.current !== undefined)).toBe(false);
    expect(registry.size).toBe(2);
  });

  test("resume between two callbacks: carries on with the rest and ends the run", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "b"));
    add(() => {
      log.push("c");
      // Read after the callback returned: no callback is being called then.
      return {
        get then() {
          runNow(registry, hidden, { keep: true, takeOver: true });
          return undefined;
        },
      };
    });
    runNow(registry, { ...hidden, reason: "pagehide", final: true }, { keep: true, episode: true });
    expect(log).toEqual(["c", "b", "a"]);
    expect((registry.current !== undefined)).toBe(false);
    log.length = 0;
    runNow(registry, hidden, { keep: true, episode: true });
    expect(log).toEqual(["c", "b", "a"]);
  });

  test("without resume (a script's own event nested in a callback) the run's own call ends it", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(() => {
      log.push("b");
      runNow(registry, hidden, { keep: true, takeOver: false });
      log.push(`running ${(registry.current !== undefined)}`);
    });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["b", "a", "running true"]);
    expect((registry.current !== undefined)).toBe(false);
  });

  test("resume during an awaited run carries it on; the awaited run still ends itself", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(async () => {
      log.push("b");
      await sleep(5);
      log.push("b done");
    });
    const result = runAwaited(registry, manual);
    await sleep(1);
    runNow(registry, hidden, { keep: true, takeOver: true });
    expect(log).toEqual(["b", "a"]);
    expect((registry.current !== undefined)).toBe(true);
    await result;
    expect(log).toEqual(["b", "a", "b done"]);
    expect((registry.current !== undefined)).toBe(false);
  });

  test("a callback registered during the run runs and is kept, in registration order", () => {
    const { registry, log, add } = setup();
    const late = logger(log, "late");
    add(logger(log, "a"));
    add(() => {
      log.push("b");
      if (registry.size === 2) add(late);
    });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["b", "late", "a"]);
    log.length = 0;
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["late", "b", "a"]);
  });

  test("a callback unregistered during the run does not run and is not linked back", () => {
    const { registry, log, add } = setup();
    const off = add(logger(log, "a"));
    add(() => {
      log.push("b");
      off();
    });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["b"]);
    const offB = add(logger(log, "c"));
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["b", "c", "b"]);
    expect(offB()).toBe(true);
    expect(registry.size).toBe(1);
  });
});
