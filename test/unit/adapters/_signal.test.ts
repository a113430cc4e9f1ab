// The signal path shared by the server adapters (adapters/_signal.ts),
// against a fake runtime: who owns a signal, duplicate deliveries within
// duplicateSignalWindow, a real second request, how the process is ended
// (re-raise, or 128+n as PID 1 and on Windows), the event callbacks get, a
// host with debugging off, and how many listeners signal-exit has (an
// application's own). The real runtimes get real signals in
// test/e2e/app-signals.test.ts and each runtime's suite in test/e2e.
import { afterEach, describe, expect, test, vi } from "vitest";
import { signalExitListeners, signalHandler, type SignalContext } from "../../../adapters/_signal.ts";
import type { ProcessLike } from "../../../adapters/types/process.ts";
import { defaultConfig } from "../../../src/config.ts";
import { Registry } from "../../../src/registry.ts";
import { requestExit } from "../../../src/run.ts";
import type { AtexitConfig, ExitEvent } from "../../../src/types.ts";

/** The runtime signalHandler drives: every call it gets is recorded in `calls`, as one line, in order. */
function fakeSignalContext(calls: string[], overrides: Partial<SignalContext> = {}): SignalContext {
  return {
    pid: 4242,
    windows: false,
    appOwns: () => false,
    kill: (pid, signal) => void calls.push(`kill ${pid} ${signal}`),
    exit: (code) => void calls.push(`exit ${code}`),
    flush: async () => void calls.push("flush"),
    exitProcess: async (code) => void calls.push(`end ${code}`),
    onRun: () => void calls.push("onRun"),
    ...overrides,
  };
}

let clock = 1_000_000;

/**
 * A host with debug reports on Node, on the clock above: `calls` holds what
 * the host was asked and what the callback did, in order. The callback runs
 * until `release()`.
 */
function setup(host: Partial<SignalContext> = {}, config: Partial<AtexitConfig> = {}) {
  vi.spyOn(Date, "now").mockImplementation(() => clock);
  const registry = new Registry();
  registry.config = Object.freeze({ ...defaultConfig, ...config });
  const calls: string[] = [];
  const fake = fakeSignalContext(calls, { debug: (message) => void calls.push(`debug ${message}`), ...host });
  let release: () => void = () => {};
  const slow = new Promise<void>((resolve) => (release = resolve));
  registry.add(
    async () => {
      calls.push("callback start");
      await slow;
      calls.push("callback done");
    },
    {},
    { runtime: "node", install: () => {}, uninstall: () => {} },
  );
  return { registry, calls, onSignal: signalHandler(registry, fake, "node"), release: () => release() };
}

/**
 * A host with debugging off (no debug method) on Deno, on the real clock:
 * `calls` holds only what the host was asked, and `events` what the callback
 * was given.
 */
function quietSetup(host: Partial<SignalContext> = {}) {
  const registry = new Registry();
  registry.config = defaultConfig;
  const calls: string[] = [];
  const fake = fakeSignalContext(calls, host);
  const events: ExitEvent[] = [];
  let release: () => void = () => {};
  const slow = new Promise<void>((resolve) => (release = resolve));
  registry.add(
    async (event) => {
      events.push(event);
      await slow;
    },
    {},
    { runtime: "deno" },
  );
  return { registry, calls, events, onSignal: signalHandler(registry, fake, "deno"), release: () => release() };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("duplicate deliveries", () => {
  test("the same signal again within the window is ignored; the run finishes, then the signal is re-raised", async () => {
    const { calls, onSignal, release } = setup();
    const first = onSignal("SIGINT");
    await tick();
    clock += 99;
    await onSignal("SIGINT");
    expect(calls).toEqual(["onRun", "callback start", "debug SIGINT again 99 ms after the first: a duplicate delivery, ignored"]);
    release();
    await first;
    expect(calls.slice(3)).toEqual(["callback done", "flush", "kill 4242 SIGINT"]);
  });

  test("the same signal at the window's end is a second request: the process ends at once", async () => {
    const { calls, onSignal, registry } = setup();
    void onSignal("SIGTERM");
    await tick();
    clock += 100;
    await onSignal("SIGTERM");
    expect(calls).toEqual([
      "onRun",
      "callback start",
      "debug SIGTERM during the run: ending at once, cutting the callbacks still running",
      "kill 4242 SIGTERM",
    ]);
    expect(registry.installed).toBeUndefined();
  });

  test("another signal within the window is a second request", async () => {
    const { calls, onSignal } = setup();
    void onSignal("SIGINT");
    await tick();
    clock += 1;
    await onSignal("SIGTERM");
    expect(calls.at(-1)).toBe("kill 4242 SIGTERM");
  });

  test("duplicateSignalWindow: 0 makes every repeat a second request", async () => {
    const { calls, onSignal } = setup({}, { duplicateSignalWindow: 0 });
    void onSignal("SIGINT");
    await tick();
    await onSignal("SIGINT");
    expect(calls.at(-1)).toBe("kill 4242 SIGINT");
  });

  test("the window is read when the repeat arrives (configure() during the run applies)", async () => {
    const { calls, onSignal, registry } = setup();
    void onSignal("SIGINT");
    await tick();
    registry.config = Object.freeze({ ...registry.config, duplicateSignalWindow: 1000 });
    clock += 500;
    await onSignal("SIGINT");
    expect(calls.at(-1)).toBe("debug SIGINT again 500 ms after the first: a duplicate delivery, ignored");
  });
});

describe("who owns the signal", () => {
  test("an application that listens (said at once) owns it: no run, and a report", async () => {
    const { calls, onSignal, registry } = setup({ appOwns: () => true });
    await onSignal("SIGTERM");
    expect(calls).toEqual([
      "debug SIGTERM: the application listens to it, so it owns it; the callbacks run at the exit it chooses",
    ]);
    expect((registry.current !== undefined)).toBe(false);
  });

  test("an ownership found later (Deno's check) also keeps atexit out, and a repeat meanwhile is a duplicate", async () => {
    let answer: (owns: boolean) => void = () => {};
    const { calls, onSignal } = setup({ appOwns: () => new Promise<boolean>((resolve) => (answer = resolve)) });
    const first = onSignal("SIGTERM");
    clock += 2;
    await onSignal("SIGTERM");
    answer(true);
    await first;
    expect(calls).toEqual([
      "debug SIGTERM again 2 ms after the first: a duplicate delivery, ignored",
      "debug SIGTERM: the application listens to it, so it owns it; the callbacks run at the exit it chooses",
    ]);
  });

  test("once the application stops listening, the next signal runs the callbacks", async () => {
    let owns = true;
    const { calls, onSignal, release } = setup({ appOwns: () => owns });
    await onSignal("SIGINT");
    owns = false;
    clock += 5000;
    const run = onSignal("SIGINT");
    release();
    await run;
    expect(calls.slice(1)).toEqual(["onRun", "callback start", "callback done", "flush", "kill 4242 SIGINT"]);
  });
});

describe("a second signal while the output flushes", () => {
  test("the listeners stay installed after the run, and the drain finishes before the process ends", async () => {
    let drained: () => void = () => {};
    const { calls, onSignal, registry, release } = setup({
      flush: () => new Promise<void>((resolve) => (drained = () => (calls.push("drained"), resolve()))),
    });
    const first = onSignal("SIGTERM");
    release();
    await tick();
    await tick();
    // The run is over, nothing is registered, and yet atexit still listens.
    expect((registry.current !== undefined)).toBe(false);
    expect(registry.installed).toBeDefined();
    clock += 500;
    const second = onSignal("SIGTERM");
    await tick();
    expect(calls).not.toContain("kill 4242 SIGTERM");
    drained();
    await Promise.all([first, second]);
    expect(calls.slice(-3)).toEqual([
      "debug SIGTERM while the output flushes: ending once it has (at most 500 ms)",
      "drained",
      "kill 4242 SIGTERM", // once, though both signals' paths end here
    ]);
  });

  test("a drain that does not finish is cut after 500 ms", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const { calls, onSignal, release } = setup({ flush: () => new Promise<void>(() => {}) });
    void onSignal("SIGINT");
    release();
    await vi.advanceTimersByTimeAsync(0);
    clock += 500;
    const second = onSignal("SIGINT");
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).not.toContain("kill 4242 SIGINT");
    await vi.advanceTimersByTimeAsync(1);
    await second;
    expect(calls).toContain("kill 4242 SIGINT");
  });
});

describe("ending the process", () => {
  test("as PID 1, where a re-raise cannot kill, it exits with 128+n", async () => {
    const { calls, onSignal, release } = setup({ pid: 1 });
    const run = onSignal("SIGTERM");
    release();
    await run;
    expect(calls.slice(-2)).toEqual(["flush", "exit 143"]);
  });

  test("after a signal the runtime cannot die by (Deno's SIGIO), it exits with 128+n at once; others are re-raised", async () => {
    const { calls, onSignal, release } = setup({ unraisable: ["SIGIO"] });
    const run = onSignal("SIGIO");
    release();
    await run;
    expect(calls.slice(-2)).toEqual(["flush", "exit 157"]);
    expect(calls).not.toContain("kill 4242 SIGIO");
  });

  test("a signal not among the unraisable ones is still re-raised", async () => {
    const { calls, onSignal, release } = setup({ unraisable: ["SIGIO"] });
    const run = onSignal("SIGTERM");
    release();
    await run;
    expect(calls.slice(-2)).toEqual(["flush", "kill 4242 SIGTERM"]);
  });

  test("on Windows it exits with 128+n", async () => {
    const { calls, onSignal, release } = setup({ windows: true });
    const run = onSignal("SIGINT");
    release();
    await run;
    expect(calls.slice(-2)).toEqual(["flush", "exit 130"]);
  });

  test("if the re-raise does not kill, it exits with 128+n after a grace period", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const { calls, onSignal, release } = setup();
    const run = onSignal("SIGHUP");
    release();
    await vi.runAllTimersAsync();
    await run;
    expect(calls.slice(-3)).toEqual(["flush", "kill 4242 SIGHUP", "exit 129"]);
  });

  test("exit(code) from a callback replaces the re-raise", async () => {
    const { calls, onSignal, registry, release } = setup();
    const run = onSignal("SIGTERM");
    await tick();
    requestExit(registry, 7);
    release();
    await run;
    expect(calls.slice(-1)).toEqual(["end 7"]);
  });
});

describe("the event", () => {
  test("callbacks get reason signal, the signal, its 128+n status, the runtime, final and awaited", async () => {
    const { events, onSignal, release } = quietSetup();
    const run = onSignal("SIGTERM");
    release();
    await run;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reason: "signal", signal: "SIGTERM", code: 143, runtime: "deno", final: true, awaited: true });
  });
});

describe("a host with debugging off (no debug method)", () => {
  test("a signal the application owns is left to it, silently", async () => {
    const { calls, registry, onSignal } = quietSetup({ appOwns: () => true });
    await expect(onSignal("SIGINT")).resolves.toBeUndefined();
    expect(calls).toEqual([]);
    expect((registry.current !== undefined)).toBe(false);
  });

  test("a duplicate delivery is ignored, and a second request ends at once", async () => {
    let clock = 1_000_000;
    vi.spyOn(Date, "now").mockImplementation(() => clock);
    const { calls, onSignal } = quietSetup();
    void onSignal("SIGINT");
    await tick();
    clock += 1;
    await expect(onSignal("SIGINT")).resolves.toBeUndefined();
    expect(calls).toEqual(["onRun"]);
    clock += 1000;
    await onSignal("SIGINT");
    expect(calls).toEqual(["onRun", "kill 4242 SIGINT"]);
  });
});

describe("a synchronous ownership answer is acted on at once", () => {
  // The application's own listener may end the process synchronously right
  // after atexit's, so nothing may wait for a microtask before acting.
  test("an application that owns the signal is told so before the listener returns", () => {
    const debug = vi.fn();
    const { onSignal } = quietSetup({ appOwns: () => true, debug });
    void onSignal("SIGTERM");
    expect(debug).toHaveBeenCalledWith(
      "SIGTERM: the application listens to it, so it owns it; the callbacks run at the exit it chooses",
    );
  });

  test("otherwise the adapter is told the run has begun before the listener returns", () => {
    const { calls, onSignal } = quietSetup();
    void onSignal("SIGTERM");
    expect(calls).toEqual(["onRun"]);
  });
});

describe("signalExitListeners: the listeners signal-exit (v3 or v4) has on a signal", () => {
  const v4Key = Symbol.for("signal-exit emitter");
  const globals = globalThis as Record<symbol, unknown>;
  const proc = (v3?: unknown): ProcessLike => ({ ...(v3 !== undefined && { __signal_exit_emitter__: v3 }) }) as unknown as ProcessLike;

  afterEach(() => void delete globals[v4Key]);

  test("none when signal-exit is not loaded", () => {
    expect(signalExitListeners(proc())).toBe(0);
  });

  test("v4 publishes its count on globalThis", () => {
    globals[v4Key] = { count: 2 };
    expect(signalExitListeners(proc())).toBe(2);
  });

  test("v3 publishes it on process", () => {
    expect(signalExitListeners(proc({ count: 3 }))).toBe(3);
  });

  test("both at once (two CLIs with different versions) add up", () => {
    globals[v4Key] = { count: 2 };
    expect(signalExitListeners(proc({ count: 3 }))).toBe(5);
  });

  test("an emitter without a numeric count counts for nothing", () => {
    globals[v4Key] = { count: "2" };
    expect(signalExitListeners(proc({}))).toBe(0);
    globals[v4Key] = undefined;
    expect(signalExitListeners(proc({ count: null }))).toBe(0);
  });
});
