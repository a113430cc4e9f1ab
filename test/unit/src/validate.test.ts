// The checks at the call site (src/validate.ts): bad input to register,
// unregister, exit and configure gets the right class (TypeError or
// RangeError), a message that names the function and what it got, and no
// side effect (docs/1.guide/01.api.md, "Bad input"); options are read once,
// so the value checked is the value used, and hostile values (revoked
// Proxies, throwing traps and getters) get the same [atexit] errors. The
// property test of arbitrary input to every public function is
// test/unit/api.property.test.ts.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createApi } from "../../fixtures/api.ts";
import { defaultConfig } from "../../../src/config.ts";
import { getRegistry } from "../../../src/realm.ts";
import type { ExitCallback, RegisterOptions } from "../../../src/types.ts";
import { fakeAdapter } from "../fresh-registry.ts";

function setup() {
  const adapter = fakeAdapter(0);
  const api = createApi(() => adapter);
  return { adapter, api };
}

/** Calls `fn` and returns what it threw (fails if it did not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  expect.fail("expected a throw");
}

/** Checks the class exactly (a RangeError is not accepted where a TypeError is due) and the message. */
function expectError(error: unknown, type: typeof TypeError | typeof RangeError | typeof Error, message: string): void {
  expect(error).toBeInstanceOf(type);
  expect((error as Error).constructor).toBe(type);
  expect((error as Error).message).toBe(message);
}

// Calls with arguments the types forbid: the runtime check is what is under test.
const loose = <T>(value: unknown): T => value as T;

const fn: ExitCallback = () => {};

function revoked<T extends object>(target: T): T {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

afterEach(() => {
  vi.restoreAllMocks();
  getRegistry().clear();
  getRegistry().config = defaultConfig;
});

describe("register()", () => {
  test("register(42) → TypeError naming the type it got", () => {
    const { api } = setup();
    expectError(thrown(() => api.register(loose(42))), TypeError, "[atexit] register() expects a function, got number");
  });

  test.each([
    [undefined, "undefined"],
    [null, "null"],
    ["fn", "string"],
    [{}, "object"],
    [[], "array"],
    [true, "boolean"],
    [Symbol("s"), "symbol"],
    [10n, "bigint"],
  ])("register(%s) → TypeError \"expects a function, got %s\"", (value, got) => {
    const { api } = setup();
    expectError(thrown(() => api.register(loose(value))), TypeError, `[atexit] register() expects a function, got ${got}`);
  });

  test.each([
    ["x", "string"],
    [null, "null"],
    [[], "array"],
    [() => {}, "function"],
  ])("register(fn, %s) → TypeError \"expects an options object, got %s\"", (options, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.register(fn, loose(options))),
      TypeError,
      `[atexit] register() expects an options object, got ${got}`,
    );
  });

  test("an unknown option key → TypeError naming the key and the known ones", () => {
    const { api } = setup();
    expectError(
      thrown(() => api.register(fn, loose({ timeOut: 5 }))),
      TypeError,
      '[atexit] register() got an unknown option "timeOut" (known: timeout, first, last, signal, once, name)',
    );
  });

  test.each([
    [-1, "-1"],
    [NaN, "NaN"],
    [-Infinity, "-Infinity"],
  ])("timeout %s → RangeError", (timeout, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.register(fn, { timeout })),
      RangeError,
      `[atexit] register() option "timeout" must be 0 or more milliseconds, got ${got}`,
    );
  });

  test.each([
    ["5", "string"],
    [null, "null"],
    [{}, "object"],
  ])("timeout %s → TypeError", (timeout, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.register(fn, loose({ timeout }))),
      TypeError,
      `[atexit] register() option "timeout" must be a number of milliseconds, got ${got}`,
    );
  });

  test.each([
    ["yes", "string"],
    [null, "null"],
  ])("last: %s → TypeError", (last, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.register(fn, loose({ last }))),
      TypeError,
      `[atexit] register() option "last" must be a boolean, got ${got}`,
    );
  });

  test.each([
    ["yes", "string"],
    [0, "number"],
  ])("first: %s → TypeError", (first, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.register(fn, loose({ first }))),
      TypeError,
      `[atexit] register() option "first" must be a boolean, got ${got}`,
    );
  });

  test("first and last together → RangeError: a callback runs in one phase; nothing is registered", () => {
    const { api, adapter } = setup();
    expectError(
      thrown(() => api.register(fn, { first: true, last: true })),
      RangeError,
      '[atexit] register() options "first" and "last" exclude each other',
    );
    expect(api.count()).toBe(0);
    expect(adapter.install).not.toHaveBeenCalled();
  });

  test("last: 1 → TypeError (1 is not a boolean)", () => {
    const { api } = setup();
    const error = thrown(() => api.register(fn, loose({ last: 1 })));
    expect(error).toBeInstanceOf(TypeError);
    // TypeErrors name the type ("got number") ("got number"); the value is accepted too.
    expect((error as Error).message).toMatch(/^\[atexit\] register\(\) option "last" must be a boolean, got (number|1)$/);
  });

  test.each([
    [{}, "object"],
    [new AbortController(), "object"], // the controller, not its signal
    ["signal", "string"],
    [null, "null"],
  ])("signal: %s → TypeError", (signal, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.register(fn, loose({ signal }))),
      TypeError,
      `[atexit] register() option "signal" must be an AbortSignal, got ${got}`,
    );
  });

  test("a rejected registration registers nothing and installs nothing", () => {
    const { api, adapter } = setup();
    const bad: unknown[] = [[42], [fn, "x"], [fn, { timeout: -1 }], [fn, { last: "yes" }], [fn, { signal: {} }], [fn, { nope: 1 }]];
    for (const args of bad) {
      expect(() => (api.register as (...args: unknown[]) => unknown)(...(args as unknown[]))).toThrow();
    }
    expect(api.count()).toBe(0);
    expect(adapter.install).not.toHaveBeenCalled();
  });

  test.each<[string, RegisterOptions | undefined]>([
    ["no options", undefined],
    ["{}", {}],
    ["timeout 0", { timeout: 0 }],
    ["timeout Infinity", { timeout: Infinity }],
    ["timeout 2.5", { timeout: 2.5 }],
    ["last true", { last: true }],
    ["last false", { last: false }],
    ["first true", { first: true }],
    ["first true, last false", { first: true, last: false }],
    ["first false, last true", { first: false, last: true }],
    ["a live signal", { signal: new AbortController().signal }],
    ["AbortSignal.timeout()", { signal: AbortSignal.timeout(60_000) }],
    ["explicit undefined values", { timeout: undefined, last: undefined, signal: undefined }],
  ])("valid options are accepted: %s", (_name, options) => {
    const { api } = setup();
    const off = api.register(fn, options);
    expect(typeof off).toBe("function");
    expect(api.count()).toBe(1);
    expect(off()).toBe(true);
  });
});

describe("register() option once", () => {
  test.each([true, false])("once: %s is accepted", (once) => {
    const { api } = setup();
    api.register(fn, { once });
    expect(api.count()).toBe(1);
  });

  test.each([
    ["yes", "string"],
    [1, "number"],
    [null, "null"],
  ])("once: %s → TypeError naming what it got", (once, got) => {
    const { api } = setup();
    expect(() => api.register(fn, loose({ once }))).toThrow(
      new TypeError(`[atexit] register() option "once" must be a boolean, got ${got}`),
    );
    expect(api.count()).toBe(0);
  });
});

describe("register() option signal", () => {
  const signalLike = () => Object.assign(new EventTarget(), { aborted: false });

  test.each([
    ["an object with only aborted: false", { aborted: false }, "object"],
    ["a bare EventTarget (no aborted flag)", new EventTarget(), "object"],
    ["an EventTarget whose aborted is not a boolean", Object.assign(new EventTarget(), { aborted: "false" }), "object"],
    ["a function with aborted and addEventListener", Object.assign(() => {}, { aborted: false, addEventListener: () => {} }), "function"],
  ])("%s → TypeError", (_what, signal, got) => {
    const { api } = setup();
    expect(() => api.register(fn, loose({ signal }))).toThrow(
      new TypeError(`[atexit] register() option "signal" must be an AbortSignal, got ${got}`),
    );
    expect(api.count()).toBe(0);
  });

  test("something shaped like a signal (another realm's, a polyfill) is accepted, and its abort event removes the registration", () => {
    const { api } = setup();
    const signal = signalLike();
    const off = api.register(fn, loose({ signal }));
    expect(api.count()).toBe(1);
    signal.dispatchEvent(new Event("abort"));
    expect(api.count()).toBe(0);
    expect(off()).toBe(false);
  });

  test("one that says it is already aborted registers nothing", () => {
    const { api } = setup();
    const signal = Object.assign(new EventTarget(), { aborted: true });
    api.register(fn, loose({ signal }));
    expect(api.count()).toBe(0);
  });
});

describe("unregister()", () => {
  test.each([
    ["x", "string"],
    [42, "number"],
    [undefined, "undefined"],
    [null, "null"],
  ])("unregister(%s) → TypeError", (value, got) => {
    const { api } = setup();
    expectError(thrown(() => api.unregister(loose(value))), TypeError, `[atexit] unregister() expects a function, got ${got}`);
  });
});

describe("exit()", () => {
  // exit() returns a promise, but bad input throws at the call site, before any callback runs.
  test.each([
    [1.5, "1.5"],
    [-1, "-1"],
    [256, "256"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
  ])("exit(%s) → RangeError", (code, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.exit(code)),
      RangeError,
      `[atexit] exit() expects the status to be an integer from 0 to 255, got ${got}`,
    );
  });

  test.each([
    ["3", "string"],
    [null, "null"],
    [true, "boolean"],
  ])("exit(%s) → TypeError", (code, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.exit(loose(code))),
      TypeError,
      `[atexit] exit() expects the status to be an integer from 0 to 255, got ${got}`,
    );
  });

  test("an exit() refused for bad input runs no callback and does not end the program", async () => {
    const { api, adapter } = setup();
    const callback = vi.fn();
    api.register(callback);
    expect(() => api.exit(-1)).toThrow(RangeError);
    expect(() => api.exit(loose("3"))).toThrow(TypeError);
    await Promise.resolve();
    expect(callback).not.toHaveBeenCalled();
    expect(adapter.exitProcess).not.toHaveBeenCalled();
    expect(api.count()).toBe(1);
  });

  test("a bad status is refused during a run too, without touching the requested status", async () => {
    const { api, adapter } = setup();
    let error: unknown;
    api.register(() => {
      error = thrown(() => api.exit(300));
    });
    await api.exit(4);
    expect(error).toBeInstanceOf(RangeError);
    expect(adapter.exitProcess).toHaveBeenCalledWith(4);
  });

  test.each([0, 255, 1, 42])("exit(%s) is accepted", async (code) => {
    const { api, adapter } = setup();
    await expect(api.exit(code)).resolves.toBeUndefined();
    expect(adapter.exitProcess).toHaveBeenCalledWith(code);
  });
});

describe("register() option name", () => {
  test.each([
    [42, "number"],
    [null, "null"],
    [{}, "object"],
  ])("name: %s → TypeError", (name, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.register(fn, loose({ name }))),
      TypeError,
      `[atexit] register() option "name" must be a string, got ${got}`,
    );
    expect(api.count()).toBe(0);
  });

  test('name: "" (then the function name is used) and a name with spaces are accepted', () => {
    const { api } = setup();
    api.register(fn, { name: "" });
    api.register(fn, { name: "flush the queue" });
    expect(api.count()).toBe(2);
  });
});

describe("configure()", () => {
  test("an unknown key → TypeError naming the key and the known ones", () => {
    const { api } = setup();
    expectError(
      thrown(() => api.configure(loose({ timeOut: 1 }))),
      TypeError,
      '[atexit] configure() got an unknown option "timeOut" (known: timeout, totalTimeout, onError, errorExitCode, duplicateSignalWindow, extraSignals, awaitCrash, shutdownMessage, onReport)',
    );
  });

  test.each([
    ["x", "string"],
    [null, "null"],
    [[], "array"],
  ])("configure(%s) → TypeError", (options, got) => {
    const { api } = setup();
    expectError(thrown(() => api.configure(loose(options))), TypeError, `[atexit] configure() expects an options object, got ${got}`);
  });

  test.each([
    ["timeout", -1, "-1"],
    ["timeout", NaN, "NaN"],
    ["totalTimeout", -5, "-5"],
    ["totalTimeout", NaN, "NaN"],
  ])("%s %s → RangeError", (key, value, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.configure({ [key]: value })),
      RangeError,
      `[atexit] configure() option "${key}" must be 0 or more milliseconds, got ${got}`,
    );
  });

  test.each([
    ["timeout", "5", "string"],
    ["totalTimeout", null, "null"],
  ])("%s %s → TypeError", (key, value, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.configure(loose({ [key]: value }))),
      TypeError,
      `[atexit] configure() option "${key}" must be a number of milliseconds, got ${got}`,
    );
  });

  test.each([
    ["log", "string"],
    [null, "null"],
    [{}, "object"],
  ])("onError: %s → TypeError", (onError, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.configure(loose({ onError }))),
      TypeError,
      `[atexit] configure() option "onError" must be a function, got ${got}`,
    );
  });

  test.each([
    ["log", "string"],
    [null, "null"],
    [1, "number"],
    [[], "array"],
    [{ handleEvent() {} }, "object"],
  ])("onReport: %s → TypeError, and the report setting stays as it was", (onReport, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.configure(loose({ onReport }))),
      TypeError,
      `[atexit] configure() option "onReport" must be a function, got ${got}`,
    );
    expect(api.configure().onReport).toBeUndefined();
  });

  test("onReport: a getter that throws → TypeError, and nothing changed", () => {
    const { api } = setup();
    const hostile = { timeout: 1, get onReport(): never { throw new Error("boom"); } };
    expectError(thrown(() => api.configure(loose(hostile))), TypeError, "[atexit] configure() could not read its options: boom");
    expect(api.configure().timeout).toBe(5000);
    expect(api.configure().onReport).toBeUndefined();
  });

  test.each([
    [300, RangeError, "300"],
    [-1, RangeError, "-1"],
    [1.5, RangeError, "1.5"],
    ["1", TypeError, "string"],
    [null, TypeError, "null"],
  ] as const)("errorExitCode %s → %o", (errorExitCode, type, got) => {
    const { api } = setup();
    expectError(
      thrown(() => api.configure(loose({ errorExitCode }))),
      type,
      `[atexit] configure() expects option "errorExitCode" to be an integer from 0 to 255, got ${got}`,
    );
  });

  test.each([
    [-1, RangeError, 'must be 0 or more milliseconds, got -1'],
    [NaN, RangeError, 'must be 0 or more milliseconds, got NaN'],
    ["50", TypeError, 'must be a number of milliseconds, got string'],
  ] as const)("duplicateSignalWindow %s → %o", (duplicateSignalWindow, type, message) => {
    const { api } = setup();
    expectError(
      thrown(() => api.configure(loose({ duplicateSignalWindow }))),
      type,
      `[atexit] configure() option "duplicateSignalWindow" ${message}`,
    );
  });

  test.each([
    ["SIGUSR2", TypeError, 'must be an array of signal names, got string'],
    [null, TypeError, 'must be an array of signal names, got null'],
    [[2], TypeError, 'must hold signal names, got number'],
    [["SIGKILL"], RangeError, 'cannot take SIGKILL (it can take: SIGQUIT, SIGUSR2, SIGALRM, SIGVTALRM, SIGXFSZ, SIGIO, SIGSTKFLT, SIGABRT, SIGTRAP, SIGSYS)'],
    [["SIGUSR2", "SIGSEGV"], RangeError, 'cannot take SIGSEGV (it can take: SIGQUIT, SIGUSR2, SIGALRM, SIGVTALRM, SIGXFSZ, SIGIO, SIGSTKFLT, SIGABRT, SIGTRAP, SIGSYS)'],
    [["SIGINT"], RangeError, 'cannot take SIGINT (it is handled by default)'],
    [["SIGPWR"], RangeError, 'cannot take SIGPWR (it is handled by default)'],
    [["SIGUSR1"], RangeError, 'cannot take SIGUSR1 (it can take: SIGQUIT, SIGUSR2, SIGALRM, SIGVTALRM, SIGXFSZ, SIGIO, SIGSTKFLT, SIGABRT, SIGTRAP, SIGSYS)'],
    [["SIGPIPE"], RangeError, 'cannot take SIGPIPE (it can take: SIGQUIT, SIGUSR2, SIGALRM, SIGVTALRM, SIGXFSZ, SIGIO, SIGSTKFLT, SIGABRT, SIGTRAP, SIGSYS)'],
  ] as const)("extraSignals %j → %o", (extraSignals, type, message) => {
    const { api } = setup();
    expectError(thrown(() => api.configure(loose({ extraSignals }))), type, `[atexit] configure() option "extraSignals" ${message}`);
  });

  test("extraSignals is copied and frozen: changing the caller's array later changes nothing", () => {
    const { api } = setup();
    const signals: Array<"SIGUSR2" | "SIGQUIT"> = ["SIGUSR2", "SIGUSR2"];
    const config = api.configure({ extraSignals: signals });
    signals.push("SIGQUIT");
    expect(config.extraSignals).toEqual(["SIGUSR2"]);
    expect(Object.isFrozen(config.extraSignals)).toBe(true);
  });

  test.each([
    ["awaitCrash", "yes", 'must be a boolean, got string'],
    ["awaitCrash", 1, 'must be a boolean, got number'],
    ["shutdownMessage", 1, 'must be a string, got number'],
    ["shutdownMessage", null, 'must be a string, got null'],
  ] as const)("%s %s → TypeError", (key, value, message) => {
    const { api } = setup();
    expectError(thrown(() => api.configure(loose({ [key]: value }))), TypeError, `[atexit] configure() option "${key}" ${message}`);
  });

  test("a rejected configure() changes nothing, even the valid keys beside the bad one", () => {
    const { api } = setup();
    const before = api.configure();
    expect(() => api.configure({ timeout: 10, totalTimeout: -1 })).toThrow(RangeError);
    expect(() => api.configure(loose({ timeout: 10, extra: true }))).toThrow(TypeError);
    expect(api.configure()).toEqual(before);
    expect(api.configure().timeout).toBe(defaultConfig.timeout);
    expect(api.configure().totalTimeout).toBe(defaultConfig.totalTimeout);
  });

  test("valid edge values are accepted", () => {
    const { api } = setup();
    expect(api.configure({ timeout: 0, totalTimeout: 0 })).toMatchObject({ timeout: 0, totalTimeout: 0 });
    expect(api.configure({ timeout: Infinity, totalTimeout: Infinity })).toMatchObject({
      timeout: Infinity,
      totalTimeout: Infinity,
    });
    expect(api.configure({ errorExitCode: 0 }).errorExitCode).toBe(0);
    expect(api.configure({ errorExitCode: 255 }).errorExitCode).toBe(255);
    expect(api.configure({ errorExitCode: undefined }).errorExitCode).toBeUndefined();
  });

  test("fractional durations are accepted, and a fractional callback timeout still cuts the callback", async () => {
    const { api } = setup();
    expect(api.configure({ timeout: 1.5, totalTimeout: 2.5, duplicateSignalWindow: 0.5 })).toMatchObject({
      timeout: 1.5,
      totalTimeout: 2.5,
      duplicateSignalWindow: 0.5,
    });
    const onError = vi.fn();
    api.configure({ timeout: 5000, totalTimeout: 9000, duplicateSignalWindow: 100, onError });
    api.register(() => new Promise(() => {}), { timeout: 1.5 });
    await api.runHandlers();
    expect(onError).toHaveBeenCalledTimes(1);
    expect((onError.mock.calls[0]![0] as Error).name).toBe("TimeoutError");
  });
});

describe("hostile input: options are read once: the value checked is the value used", () => {
  /** An object whose `key` answers `first`, then `later` on every further read. */
  const shifty = (key: string, first: unknown, later: unknown) => {
    let reads = 0;
    return Object.defineProperty({}, key, { enumerable: true, get: () => (reads++ === 0 ? first : later) });
  };

  test("register: a timeout read as 30 and then as \"abc\" still cuts a never-settling callback at 30 ms", async () => {
    const { api } = setup();
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
    const { api } = setup();
    const config = api.configure(loose(shifty(key, first, later)));
    expect(config[key as keyof typeof config]).toBe(first);
  });
});

describe("hostile input: revoked Proxies and throwing traps get [atexit] errors", () => {
  const api = () => setup().api;

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

  test("options that are a revoked Proxy are named as such: no options object", () => {
    expectError(
      thrown(() => api().register(() => {}, loose(revoked({})))),
      TypeError,
      "[atexit] register() expects an options object, got revoked proxy",
    );
  });

  test("a thrown value that cannot even be made text is \"an unreadable error\"", () => {
    // No prototype: String() of it throws.
    const options = { get timeout(): number { throw Object.create(null); } };
    expectError(thrown(() => api().register(() => {}, options)), TypeError, "[atexit] register() could not read its options: an unreadable error");
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

describe("errors carry a cause only when something was thrown underneath", () => {
  test("bad input itself: no cause", () => {
    const error = thrown(() => setup().api.register(loose(42)));
    expect(error).toBeInstanceOf(TypeError);
    expect("cause" in (error as Error)).toBe(false);
  });

  test("a getter that threw: that is the cause", () => {
    const boom = new Error("getter");
    const error = thrown(() => setup().api.configure({ get timeout(): number { throw boom; } }));
    expect((error as Error).cause).toBe(boom);
  });
});

// Loaded afresh for each test below, so that the tables of checks the module
// makes as it loads are made inside the test (a mutation run's changes to
// them are only active while a test runs).
let validate = await import("../../../src/validate.ts");

describe("the checks made as the module loads, one per kind of option", () => {
  beforeEach(async () => {
    vi.resetModules();
    validate = await import("../../../src/validate.ts");
  });

  test.each([
    [{ timeout: "5" }, TypeError, 'option "timeout" must be a number of milliseconds, got string'],
    [{ first: 1 }, TypeError, 'option "first" must be a boolean, got number'],
    [{ last: 1 }, TypeError, 'option "last" must be a boolean, got number'],
    [{ first: true, last: true }, RangeError, 'options "first" and "last" exclude each other'],
    [{ signal: {} }, TypeError, 'option "signal" must be an AbortSignal, got object'],
    [{ once: "yes" }, TypeError, 'option "once" must be a boolean, got string'],
    [{ name: 7 }, TypeError, 'option "name" must be a string, got number'],
  ] as const)("register %o → %s", (options, type, message) => {
    expectError(thrown(() => validate.checkRegisterOptions(options)), type, `[atexit] register() ${message}`);
  });

  test("register: good values of every option are what it returns", () => {
    const signal = new AbortController().signal;
    const options = { timeout: 5, last: true, signal, once: false, name: "flush" };
    expect(validate.checkRegisterOptions(options)).toEqual(options);
    expect(validate.checkRegisterOptions({ first: true, last: false })).toEqual({ first: true, last: false });
  });

  test.each([
    [{ totalTimeout: -1 }, RangeError, 'option "totalTimeout" must be 0 or more milliseconds, got -1'],
    [{ onError: "log" }, TypeError, 'option "onError" must be a function, got string'],
    [{ errorExitCode: 256 }, RangeError, 'expects option "errorExitCode" to be an integer from 0 to 255, got 256'],
    [{ extraSignals: "SIGUSR2" }, TypeError, 'option "extraSignals" must be an array of signal names, got string'],
    [{ awaitCrash: 1 }, TypeError, 'option "awaitCrash" must be a boolean, got number'],
    [{ shutdownMessage: 1 }, TypeError, 'option "shutdownMessage" must be a string, got number'],
    [{ onReport: true }, TypeError, 'option "onReport" must be a function, got boolean'],
  ] as const)("configure %o → %s", (options, type, message) => {
    expectError(thrown(() => validate.checkConfig(options)), type, `[atexit] configure() ${message}`);
  });

  test("configure: good values of every kind are what it returns", () => {
    const onError = (): void => {};
    const options = { timeout: 1, onError, errorExitCode: 3, extraSignals: ["SIGUSR2"], awaitCrash: true, shutdownMessage: "stop", onReport: onError };
    expect(validate.checkConfig(options)).toEqual(options);
  });
});
