// The end paths the server engine runs (adapters/_server.ts), against a
// fake status: the awaited natural end, the synchronous end (an explicit
// exit, a crash), an end asked for through another channel (awaitCrash, a
// supervisor's message), and how signal-exit's listeners are counted.
import { requestExit } from "../../src/run.ts";
import { afterEach, describe, expect, test, vi } from "vitest";
import { awaitedEnd, endNow, naturalEnd } from "../../adapters/_engine.ts";
import { signalExitListeners } from "../../adapters/_signal.ts";
import type { ProcessLike } from "../../adapters/types/process.ts";
import { defaultConfig } from "../../src/config.ts";
import { Registry } from "../../src/registry.ts";
import type { AtexitConfig, ExitCallback, ExitEvent } from "../../src/types.ts";

function setup(status = 0, config: Partial<AtexitConfig> = {}) {
  const registry = new Registry();
  const onError = vi.fn();
  registry.config = Object.freeze({ ...defaultConfig, onError, ...config });
  let current = status;
  const set = vi.fn((code: number) => void (current = code));
  const statusHost = { get: () => current, set };
  const end = vi.fn(async (_code: number) => {});
  const events: ExitEvent[] = [];
  const add = (callback: ExitCallback = (event) => void events.push(event)) =>
    registry.add(callback, {}, { runtime: "node", install: () => {} });
  const fail: ExitCallback = () => {
    throw new Error("cleanup failed");
  };
  return { registry, onError, statusHost, set, end, events, add, fail, status: () => current };
}

describe("naturalEnd: the program ran out of work", () => {
  test("awaits the callbacks with reason natural, the current status, final and awaited", async () => {
    const { registry, statusHost, end, events, add } = setup(3);
    let settled = false;
    add(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      settled = true;
    });
    add();
    await naturalEnd(registry, "bun", statusHost, end);
    expect(settled).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reason: "natural", code: 3, runtime: "bun", final: true, awaited: true });
  });

  test("then lets the program end by itself: no forced end, and the status is left alone", async () => {
    const { registry, statusHost, set, end, add } = setup(3);
    add();
    await naturalEnd(registry, "node", statusHost, end);
    expect(end).not.toHaveBeenCalled();
    expect(set).not.toHaveBeenCalled();
  });

  test("a failure with errorExitCode set turns a clean end into that status", async () => {
    const { registry, statusHost, end, add, fail, status } = setup(0, { errorExitCode: 70 });
    add(fail);
    await naturalEnd(registry, "node", statusHost, end);
    expect(status()).toBe(70);
    expect(end).not.toHaveBeenCalled();
  });

  test("a failure does not change a status that was already an error", async () => {
    const { registry, statusHost, set, end, add, fail } = setup(2, { errorExitCode: 70 });
    add(fail);
    await naturalEnd(registry, "node", statusHost, end);
    expect(set).not.toHaveBeenCalled();
  });

  test("exit(code) from a callback ends the program with that code", async () => {
    const { registry, statusHost, set, end, add } = setup(0);
    add(() => requestExit(registry, 9));
    await naturalEnd(registry, "node", statusHost, end);
    expect(end).toHaveBeenCalledWith(9);
    expect(set).not.toHaveBeenCalled();
  });

  test("exit() without a code from a callback ends the program with the status it had", async () => {
    const { registry, statusHost, end, add } = setup(4);
    add(() => requestExit(registry, undefined));
    await naturalEnd(registry, "node", statusHost, end);
    expect(end).toHaveBeenCalledWith(4);
  });
});

describe("endNow: an exit or crash the runtime will not wait for", () => {
  test("runs the callbacks synchronously, with the trigger's fields and the status as its code", () => {
    const { registry, statusHost, events, add } = setup(5);
    const error = new Error("crash");
    add();
    add(async () => {});
    endNow(registry, { reason: "exception", code: 1, error, runtime: "deno", final: true }, statusHost);
    // Done before endNow returned: nothing was awaited.
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reason: "exception", code: 5, runtime: "deno", final: true, awaited: false });
    expect(events[0]?.error).toBe(error);
    expect((registry.current !== undefined)).toBe(false);
  });

  test("leaves the status alone when nothing failed", () => {
    const { registry, statusHost, set, add } = setup(0, { errorExitCode: 70 });
    add();
    endNow(registry, { reason: "exit", runtime: "node", final: true }, statusHost);
    expect(set).not.toHaveBeenCalled();
  });

  test("errorExitCode applies on this path too: a failure turns a clean exit into that status", () => {
    const { registry, statusHost, add, fail, status } = setup(0, { errorExitCode: 70 });
    add(fail);
    endNow(registry, { reason: "exit", runtime: "node", final: true }, statusHost);
    expect(status()).toBe(70);
  });

  test("exit(code) from a callback sets the status the program ends with", () => {
    const { registry, statusHost, add, status } = setup(0);
    add(() => requestExit(registry, 6));
    endNow(registry, { reason: "exit", runtime: "node", final: true }, statusHost);
    expect(status()).toBe(6);
  });
});

describe("awaitedEnd: an end asked for through another channel", () => {
  test("awaits the callbacks with the trigger's fields, then ends with its code", async () => {
    const { registry, end, events, add } = setup();
    const order: string[] = [];
    add(async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      events.push(event);
      order.push("callback");
    });
    end.mockImplementation(async () => void order.push("end"));
    await awaitedEnd(registry, { reason: "exit", code: 0, runtime: "node", final: true }, end);
    expect(order).toEqual(["callback", "end"]);
    expect(end).toHaveBeenCalledWith(0);
    expect(events[0]).toMatchObject({ reason: "exit", code: 0, runtime: "node", final: true, awaited: true });
  });

  test("waits for the end itself (the flush before a forced exit)", async () => {
    const { registry, end } = setup();
    let flushed = false;
    end.mockImplementation(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      flushed = true;
    });
    await awaitedEnd(registry, { reason: "exception", code: 1, runtime: "node", final: true }, end);
    expect(flushed).toBe(true);
  });

  test("exit(code) from a callback replaces the code; errorExitCode applies only to a clean end", async () => {
    const asked = setup();
    asked.add(() => void requestExit(asked.registry, 8));
    await awaitedEnd(asked.registry, { reason: "exception", code: 1, runtime: "node", final: true }, asked.end);
    expect(asked.end).toHaveBeenCalledWith(8);

    const crashed = setup(0, { errorExitCode: 70 });
    crashed.add(crashed.fail);
    await awaitedEnd(crashed.registry, { reason: "exception", code: 1, runtime: "node", final: true }, crashed.end);
    expect(crashed.end).toHaveBeenCalledWith(1);

    const shutdown = setup(0, { errorExitCode: 70 });
    shutdown.add(shutdown.fail);
    await awaitedEnd(shutdown.registry, { reason: "exit", code: 0, runtime: "node", final: true }, shutdown.end);
    expect(shutdown.end).toHaveBeenCalledWith(70);
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
