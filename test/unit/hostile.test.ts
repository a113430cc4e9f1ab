// Hostile input at every door of the public API: return values whose `then`
// throws, signal-like objects and adapters that throw, options whose getters
// answer differently the second time, revoked Proxies. The contract: the run
// is never broken by what a callback returns, a call that throws leaves no
// trace, a call that returns is fully installed, and every bad input gets an
// `[atexit]` error naming the function.
import { afterEach, describe, expect, test, vi } from "vitest";
import { runAwaited, runNow } from "../../src/run.ts";
import type { Adapter, Trigger } from "../../src/protocol.ts";
import { createApi } from "../fixtures/api.ts";
import { getRegistry } from "../../src/realm.ts";
import { registrationOf } from "../../src/api.ts";
import { defaultConfig } from "../../src/config.ts";
import { Registry } from "../../src/registry.ts";
import type { ExitCallback } from "../../src/types.ts";

const manual: Trigger = { reason: "manual", runtime: "unknown", final: false };
const loose = <T>(value: unknown): T => value as T;

function revoked<T extends object>(target: T): T {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** Values whose `then` cannot be read, or throws when called. */
const hostileResults: Array<[string, () => unknown]> = [
  ["a getter that throws", () => ({ get then() { throw new Error("then getter"); } })],
  ["a Proxy whose get trap throws", () => new Proxy({}, { get: () => { throw new Error("get trap"); } })],
  ["a revoked Proxy", () => revoked({})],
  ["a revoked Proxy of a function", () => revoked(() => {})],
  ["a then that throws", () => ({ then: () => { throw new Error("then throws"); } })],
];

function setup() {
  const registry = new Registry();
  const onError = vi.fn();
  registry.config = Object.freeze({ ...defaultConfig, onError, timeout: 50 });
  const adapter: Adapter = { runtime: "unknown", install: vi.fn(), uninstall: vi.fn() };
  const log: string[] = [];
  const add = (fn: ExitCallback) => registry.add(fn, {}, adapter);
  return { registry, onError, adapter, log, add };
}

afterEach(() => {
  getRegistry().clear();
  getRegistry().config = defaultConfig;
  vi.restoreAllMocks();
});

describe("what a callback returns is the callback's business", () => {
  for (const [name, make] of hostileResults) {
    test(`awaited run: ${name} is reported as that callback's failure and the others still run`, async () => {
      const { registry, onError, log, add } = setup();
      add(() => void log.push("A"));
      add(make);
      add(() => void log.push("C"));
      const result = await runAwaited(registry, manual);
      expect(log).toEqual(["C", "A"]);
      expect(result.failed).toBe(true);
      expect(onError).toHaveBeenCalledTimes(1);
      expect(registry.size).toBe(0);
    });

    test(`synchronous run: ${name} is reported and the others still run`, async () => {
      const { registry, onError, log, add } = setup();
      add(() => void log.push("A"));
      add(make);
      runNow(registry, manual);
      await Promise.resolve();
      expect(log).toEqual(["A"]);
      expect(onError).toHaveBeenCalledTimes(1);
    });
  }

  test("null, a plain object and a function without then are plain results: nothing is awaited or reported", async () => {
    const { registry, onError, add } = setup();
    for (const value of [null, {}, () => {}, { then: 42 }]) add(() => value);
    const result = await runAwaited(registry, manual);
    expect(result.failed).toBe(false);
    expect(onError).not.toHaveBeenCalled();
  });

  test("a thenable function is awaited like a promise", async () => {
    const { registry, log, add } = setup();
    const thenable = Object.assign(() => {}, {
      then: (resolve: () => void) => setTimeout(() => (log.push("settled"), resolve()), 5),
    });
    add(() => void log.push("after"));
    add(() => thenable);
    await runAwaited(registry, manual);
    expect(log).toEqual(["settled", "after"]);
  });
});

describe("a register() that throws leaves no trace", () => {
  const throwingSignals: Array<[string, object]> = [
    ["addEventListener throws", { aborted: false, addEventListener: () => { throw new Error("nope"); }, removeEventListener() {} }],
    ["aborted is a getter that throws", { get aborted(): boolean { throw new Error("nope"); }, addEventListener() {}, removeEventListener() {} }],
  ];
  for (const [name, signal] of throwingSignals) {
    test(`a signal-like whose ${name}: an [atexit] TypeError, nothing registered, nothing installed`, () => {
      const adapter = { runtime: "unknown" as const, install: vi.fn(), uninstall: vi.fn() };
      const api = createApi(() => adapter);
      expect(() => api.register(() => {}, { signal: loose(signal) })).toThrow(/^\[atexit\] register\(\) option "signal"/);
      expect(api.count()).toBe(0);
      expect(adapter.install).not.toHaveBeenCalled();
      api.register(() => {});
      expect(adapter.install).toHaveBeenCalledTimes(1);
    });
  }

  test("an adapter whose install throws: the error surfaces, the registration is undone, the next one installs", () => {
    let fail = true;
    const adapter = {
      runtime: "unknown" as const,
      install: vi.fn(() => {
        if (fail) throw new Error("install failed");
      }),
      uninstall: vi.fn(),
    };
    const api = createApi(() => adapter);
    expect(() => api.register(() => {})).toThrow("install failed");
    expect(api.count()).toBe(0);
    expect(getRegistry().installed).toBeUndefined();
    fail = false;
    api.register(() => {});
    expect(api.count()).toBe(1);
    expect(getRegistry().installed).toBe(adapter);
  });

  test("a signal-like whose removeEventListener throws does not stop a run", async () => {
    const { registry, log } = setup();
    const signal = loose<AbortSignal>({ aborted: false, addEventListener() {}, removeEventListener: () => { throw new Error("x"); } });
    registry.add(() => void log.push("A"), { signal }, { runtime: "unknown" });
    registry.add(() => void log.push("B"), {}, { runtime: "unknown" });
    await runAwaited(registry, manual);
    expect(log).toEqual(["B", "A"]);
  });
});

describe("options are read once: the value checked is the value used", () => {
  /** An object whose `key` answers `first`, then `later` on every further read. */
  const shifty = (key: string, first: unknown, later: unknown) => {
    let reads = 0;
    return Object.defineProperty({}, key, { enumerable: true, get: () => (reads++ === 0 ? first : later) });
  };

  test("register: a timeout read as 30 and then as \"abc\" still cuts a never-settling callback at 30 ms", async () => {
    const adapter = { runtime: "unknown" as const, install: vi.fn(), currentCode: () => 0, exitProcess: vi.fn() };
    const api = createApi(() => adapter);
    const onError = vi.fn();
    api.configure({ onError });
    api.register(() => new Promise(() => {}), loose(shifty("timeout", 30, "abc")));
    const started = Date.now();
    await api.runHandlers();
    expect(Date.now() - started).toBeLessThan(2000);
    expect((onError.mock.calls[0]?.[0] as Error).message).toMatch(/did not finish within 30 ms/);
  });

  test.each([
    ["timeout", 10, -5],
    ["totalTimeout", 10, "soon"],
    ["onError", () => {}, 42],
    ["duplicateSignalWindow", 10, -1],
  ])("configure: %s read as %s, then as %s, stores the first", (key, first, later) => {
    const api = createApi(() => ({ runtime: "unknown" }));
    const config = api.configure(loose(shifty(key, first, later)));
    expect(config[key as keyof typeof config]).toBe(first);
  });
});

describe("revoked Proxies and throwing traps get [atexit] errors", () => {
  const api = () => createApi(() => ({ runtime: "unknown" as const, currentCode: () => 0, exitProcess: vi.fn() }));

  test.each([
    ["register(fn, revoked)", () => api().register(() => {}, loose(revoked({})))],
    ["configure(revoked)", () => api().configure(loose(revoked({})))],
    ["exit(revoked)", () => void api().exit(loose(revoked({})))],
    ["register(revoked array)", () => api().register(loose(revoked([])))],
  ])("%s → a TypeError naming the function", (_, call) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(/^\[atexit\] (register|configure|exit)\(\)/);
  });

  test("extraSignals: a revoked array Proxy, or one whose get trap throws → the array TypeError (found by the property test)", () => {
    for (const value of [revoked([]), new Proxy(["SIGUSR2"], { get: () => { throw new Error("trap"); } })]) {
      expect(() => api().configure({ extraSignals: loose(value) })).toThrow(
        /^\[atexit\] configure\(\) option "extraSignals" must be an array of signal names, got /,
      );
    }
  });

  test("unregister(a revoked Proxy of a function) → 0, as for any function never registered", () => {
    expect(api().unregister(revoked(() => {}))).toBe(0);
  });

  test("options whose ownKeys trap throws → \"could not read its options\"", () => {
    const options = new Proxy({}, { ownKeys: () => { throw new Error("trap"); } });
    expect(() => api().register(() => {}, loose(options))).toThrow('[atexit] register() could not read its options: trap');
    expect(api().count()).toBe(0);
  });

  test("a getter that throws → \"could not read its options\", nothing changed", () => {
    const before = api().configure();
    const options = { get timeout(): number { throw new Error("getter"); } };
    expect(() => api().configure(options)).toThrow('[atexit] configure() could not read its options: getter');
    expect(api().configure()).toBe(before);
  });

  test("after any of these, a normal register and run still work", async () => {
    const log: string[] = [];
    const a = api();
    for (const bad of [revoked({}), new Proxy({}, { ownKeys: () => { throw 1; } })]) {
      expect(() => a.register(() => {}, loose(bad))).toThrow(/^\[atexit\]/);
    }
    a.register(() => void log.push("ran"));
    await a.runHandlers();
    expect(log).toEqual(["ran"]);
  });
});
