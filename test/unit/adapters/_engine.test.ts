// The exit engine the server adapters share (adapters/_engine.ts), against a
// fake host: the stages of an ending program (live, ending, natural) and what
// each exit path does in each of them, which the Node, Bun and Deno hosts only
// wire to their events; then the end functions those paths call, against a
// fake status: the awaited natural end, the synchronous end (an explicit exit,
// a crash), and an end asked for through another channel (awaitCrash, a
// supervisor's message). The signal path is test/unit/adapters/_signal.test.ts's;
// the real runtimes run all of these in test/e2e.
import { describe, expect, test, vi } from "vitest";
import { printCut, printDebug } from "../../../adapters/_debug.ts";
import { awaitedEnd, endNow, naturalEnd, serverAdapter } from "../../../adapters/_engine.ts";
import type { ExitPaths, ServerHost } from "../../../adapters/_host.ts";
import { defaultConfig } from "../../../src/config.ts";
import { observeRun } from "../../../src/exit-report.ts";
import { sharedState } from "../../../src/realm.ts";
import { Registry } from "../../../src/registry.ts";
import { requestExit } from "../../../src/run.ts";
import type { AtexitConfig, ExitCallback, ExitEvent } from "../../../src/types.ts";

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** serverAdapter over a fake host whose every call is recorded in `calls`; `paths()` are the exit paths it was given at its install. */
function setup(config: Partial<AtexitConfig> = {}, host: Partial<ServerHost> = {}) {
  const calls: string[] = [];
  let code = 0;
  let paths: ExitPaths | undefined;
  let listenedWith: AtexitConfig | undefined;
  const fake: ServerHost = {
    runtime: "node",
    pid: 4242,
    windows: false,
    debug: false,
    code: () => code,
    setCode: (next) => {
      calls.push(`setCode ${next}`);
      code = next;
    },
    exit: (status) => void calls.push(`exit ${status}`),
    kill: (pid, signal) => void calls.push(`kill ${pid} ${signal}`),
    flush: async () => void calls.push("flush"),
    appOwns: () => false,
    printCrash: (reason, error) => void calls.push(`printCrash ${reason} ${(error as Error).message}`),
    listen: (given, config) => {
      paths = given;
      listenedWith = config;
      calls.push("listen");
      return () => void calls.push("unlisten");
    },
    ...host,
  };
  const registry = new Registry();
  registry.config = Object.freeze({ ...defaultConfig, onError: () => {}, ...config });
  const adapter = serverAdapter(fake);
  const events: ExitEvent[] = [];
  const add = (callback: ExitCallback = (event) => void events.push(event)) => registry.add(callback, {}, adapter);
  return {
    registry,
    adapter,
    calls,
    events,
    add,
    setCode: (next: number) => void (code = next),
    paths: (): ExitPaths => {
      if (!paths) throw new Error("not installed");
      return paths;
    },
    listenedWith: () => listenedWith,
  };
}

/** A registry for the end functions, with a fake status (`set` a spy) and an `end` spy that ends nothing. */
function statusSetup(status = 0, config: Partial<AtexitConfig> = {}) {
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

describe("serverAdapter", () => {
  test("installs through the host's listen, with the configuration, and removes once", () => {
    const { adapter, add, calls, listenedWith } = setup({ awaitCrash: true });
    add();
    expect(calls).toEqual(["listen"]);
    expect(listenedWith()?.awaitCrash).toBe(true);
    adapter.uninstall?.();
    adapter.uninstall?.();
    expect(calls).toEqual(["listen", "unlisten"]);
  });

  test("its install brings the runs' record into the shared state, for the atexit:report channel", () => {
    sharedState().observeRun = undefined;
    const { add } = setup();
    expect(sharedState().observeRun).toBeUndefined();
    add();
    expect(sharedState().observeRun).toBe(observeRun);
  });

  test("names the host's runtime, reads its status, ends after a flush, and reports cut work and helpers' reports only when the host debugs", async () => {
    const { adapter, calls, setCode } = setup({}, { runtime: "bun" });
    expect(adapter.runtime).toBe("bun");
    setCode(7);
    expect(adapter.currentCode?.()).toBe(7);
    await adapter.exitProcess?.(3);
    expect(calls).toEqual(["flush", "exit 3"]);
    expect("reportCut" in adapter).toBe(false);
    expect("debug" in adapter).toBe(false);
    expect(setup({}, { debug: true }).adapter.reportCut).toBe(printCut);
    expect(setup({}, { debug: true }).adapter.debug).toBe(printDebug);
  });
});

describe("the natural end", () => {
  test("awaits the callbacks with reason natural and the host's status, then lets the program end by itself", async () => {
    const { add, paths, events, calls, setCode } = setup();
    let settled = false;
    add(async () => {
      await tick(5);
      settled = true;
    });
    add();
    setCode(3);
    const run = paths().natural();
    expect(run).toBeInstanceOf(Promise);
    expect(paths().live).toBe(false);
    await run;
    expect(settled).toBe(true);
    expect(events[0]).toMatchObject({ reason: "natural", code: 3, runtime: "node", awaited: true, final: true });
    // No forced end; nothing is left registered, so the listeners go.
    expect(calls).toEqual(["listen", "unlisten"]);
  });

  test("runs once: a second natural end while it runs, or after, starts nothing", async () => {
    const { add, paths, events } = setup();
    add();
    const run = paths().natural();
    expect(paths().natural()).toBeUndefined();
    await run;
    expect(paths().natural()).toBeUndefined();
    expect(events).toHaveLength(1);
  });

  test("the runtime's last event after it is the natural end, with what that event ends with", async () => {
    const { add, paths, events } = setup();
    // Registers itself again when it runs: it waits for the next run, and keeps the listeners.
    let again = true;
    const callback: ExitCallback = (event) => {
      events.push(event);
      if (again) add(callback);
      again = false;
    };
    add(callback);
    await paths().natural();
    paths().last(5);
    expect(events.map((event) => [event.reason, event.code, event.awaited])).toEqual([
      ["natural", 0, true],
      ["natural", 5, false],
    ]);
  });
});

describe("the runtime's last event", () => {
  test("while live it is an explicit exit: the callbacks run synchronously with its status", () => {
    const { add, paths, events } = setup();
    add();
    paths().last(4);
    expect(events).toEqual([expect.objectContaining({ reason: "exit", code: 4, awaited: false, final: true })]);
  });

  test("sets the status a failure calls for (errorExitCode), and leaves it alone otherwise", () => {
    const failing = setup({ errorExitCode: 70 });
    failing.add(() => {
      throw new Error("cleanup failed");
    });
    failing.paths().last(0);
    expect(failing.calls).toContain("setCode 70");

    const clean = setup({ errorExitCode: 70 });
    clean.add();
    clean.paths().last(0);
    expect(clean.calls).not.toContainEqual(expect.stringContaining("setCode"));
  });

  test("after an observed crash it is that crash: the first one's reason and error", () => {
    const { add, paths, events } = setup();
    add();
    const first = new Error("first");
    paths().crash("rejection", first);
    paths().crash("exception", new Error("second"));
    paths().last(1);
    expect(events).toEqual([expect.objectContaining({ reason: "rejection", error: first, code: 1 })]);
  });
});

describe("awaitCrash: an uncaught error taken over", () => {
  test("while live: prints the runtime's report, awaits the callbacks with the crash, then ends with 1 after a flush", async () => {
    const { add, paths, events, calls } = setup();
    let settled = false;
    add(async () => {
      await tick(5);
      settled = true;
    });
    add();
    const error = new Error("boom");
    expect(paths().awaitCrash("exception", error)).toBe(true);
    expect(paths().live).toBe(false);
    expect(calls).toEqual(["listen", "printCrash exception boom"]);
    await vi.waitFor(() => expect(calls.at(-1)).toBe("exit 1"));
    expect(settled).toBe(true);
    expect(events[0]).toMatchObject({ reason: "exception", error, code: 1, awaited: true, final: true });
    expect(calls.slice(-2)).toEqual(["flush", "exit 1"]);
  });

  test("the cause is the first crash, also when the host observed it before taking it over", async () => {
    const { add, paths, events, calls } = setup();
    add();
    const first = new Error("first");
    paths().crash("rejection", first);
    expect(paths().awaitCrash("exception", new Error("again"))).toBe(true);
    await vi.waitFor(() => expect(calls.at(-1)).toBe("exit 1"));
    expect(events[0]).toMatchObject({ reason: "rejection", error: first });
  });

  test("once the program is ending: false, nothing printed or started, and the crash is recorded for the last event", async () => {
    const { add, paths, events, calls } = setup();
    add(async () => tick(20));
    add();
    const run = paths().natural();
    const error = new Error("late");
    expect(paths().awaitCrash("exception", error)).toBe(false);
    expect(calls).toEqual(["listen"]);
    paths().last(1);
    expect(events.at(-1)).toMatchObject({ reason: "exception", error, awaited: false });
    await run;
  });

  test("a second crash during the awaited crash run is not taken over", async () => {
    const { add, paths, calls } = setup();
    add(async () => tick(20));
    expect(paths().awaitCrash("exception", new Error("first"))).toBe(true);
    expect(paths().awaitCrash("rejection", new Error("second"))).toBe(false);
    await vi.waitFor(() => expect(calls.at(-1)).toBe("exit 1"));
    expect(calls.filter((call) => call.startsWith("printCrash"))).toEqual(["printCrash exception first"]);
  });
});

describe("a supervisor's shutdown message", () => {
  test("the configured message awaits the callbacks as an exit with the host's status, then ends with it", async () => {
    const { add, paths, events, calls, setCode } = setup({ shutdownMessage: "shutdown" });
    add();
    setCode(2);
    paths().message("shutdown");
    expect(paths().live).toBe(false);
    await vi.waitFor(() => expect(calls.at(-1)).toBe("exit 2"));
    expect(events).toEqual([expect.objectContaining({ reason: "exit", code: 2, awaited: true, final: true })]);
    expect(calls.filter((call) => call !== "unlisten")).toEqual(["listen", "flush", "exit 2"]);
  });

  test("any other message, or the right one once the program is ending, does nothing", async () => {
    const { add, paths, events, calls } = setup({ shutdownMessage: "shutdown" });
    add();
    paths().message("reload");
    paths().message({ type: "shutdown" });
    expect(paths().live).toBe(true);
    const run = paths().natural();
    paths().message("shutdown");
    await run;
    expect(events).toHaveLength(1);
    expect(calls).toEqual(["listen", "unlisten"]);
  });

  test("without a configured message, even undefined is not one", () => {
    const { add, paths } = setup();
    add();
    paths().message(undefined);
    expect(paths().live).toBe(true);
  });
});

describe("a request to stop (a cluster primary's disconnect)", () => {
  test("awaits the callbacks as an exit with the host's status, then ends with it; once", async () => {
    const { add, paths, events, calls, setCode } = setup();
    add();
    setCode(3);
    paths().stop();
    expect(paths().live).toBe(false);
    paths().stop();
    await vi.waitFor(() => expect(calls.at(-1)).toBe("exit 3"));
    expect(events).toEqual([expect.objectContaining({ reason: "exit", code: 3, awaited: true, final: true })]);
    expect(calls.filter((call) => call !== "unlisten")).toEqual(["listen", "flush", "exit 3"]);
  });

  test("once the program is ending, it does nothing", async () => {
    const { add, paths, events, calls } = setup();
    add();
    const run = paths().natural();
    paths().stop();
    await run;
    expect(events).toEqual([expect.objectContaining({ reason: "natural" })]);
    expect(calls).toEqual(["listen", "unlisten"]);
  });
});

describe("a termination signal", () => {
  test("runs the callbacks awaited, then flushes and re-raises; the program is ending from then on", async () => {
    const { add, paths, events, calls } = setup();
    add();
    paths().signal("SIGTERM");
    await vi.waitFor(() => expect(calls.at(-1)).toBe("kill 4242 SIGTERM"));
    expect(events).toEqual([expect.objectContaining({ reason: "signal", signal: "SIGTERM", code: 143, awaited: true })]);
    // The listeners go just before the re-raise, so the signal's default action kills.
    expect(calls).toEqual(["listen", "flush", "unlisten", "kill 4242 SIGTERM"]);
    expect(paths().live).toBe(false);
    expect(paths().natural()).toBeUndefined();
  });

  test("a signal the application owns runs nothing and leaves the program live", async () => {
    const { add, paths, events } = setup({}, { appOwns: () => true });
    add();
    paths().signal("SIGINT");
    await tick();
    expect(events).toEqual([]);
    expect(paths().live).toBe(true);
  });

  test("with debugging on, the signal path reports what it decided on stderr", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const { add, paths } = setup({}, { debug: true, appOwns: () => true });
      add();
      paths().signal("SIGINT");
      await tick();
      expect(printed).toHaveBeenCalledWith(expect.stringMatching(/^\[atexit\] SIGINT: the application listens to it/));
    } finally {
      printed.mockRestore();
    }
  });
});

describe("naturalEnd: the program ran out of work", () => {
  test("awaits the callbacks with reason natural, the current status, final and awaited", async () => {
    const { registry, statusHost, end, events, add } = statusSetup(3);
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
    const { registry, statusHost, set, end, add } = statusSetup(3);
    add();
    await naturalEnd(registry, "node", statusHost, end);
    expect(end).not.toHaveBeenCalled();
    expect(set).not.toHaveBeenCalled();
  });

  test("a failure with errorExitCode set turns a clean end into that status", async () => {
    const { registry, statusHost, end, add, fail, status } = statusSetup(0, { errorExitCode: 70 });
    add(fail);
    await naturalEnd(registry, "node", statusHost, end);
    expect(status()).toBe(70);
    expect(end).not.toHaveBeenCalled();
  });

  test("a failure does not change a status that was already an error", async () => {
    const { registry, statusHost, set, end, add, fail } = statusSetup(2, { errorExitCode: 70 });
    add(fail);
    await naturalEnd(registry, "node", statusHost, end);
    expect(set).not.toHaveBeenCalled();
  });

  test("exit(code) from a callback ends the program with that code", async () => {
    const { registry, statusHost, set, end, add } = statusSetup(0);
    add(() => requestExit(registry, 9));
    await naturalEnd(registry, "node", statusHost, end);
    expect(end).toHaveBeenCalledWith(9);
    expect(set).not.toHaveBeenCalled();
  });

  test("exit() without a code from a callback ends the program with the status it had", async () => {
    const { registry, statusHost, end, add } = statusSetup(4);
    add(() => requestExit(registry, undefined));
    await naturalEnd(registry, "node", statusHost, end);
    expect(end).toHaveBeenCalledWith(4);
  });
});

describe("endNow: an exit or crash the runtime will not wait for", () => {
  test("runs the callbacks synchronously, with the trigger's fields and the status as its code", () => {
    const { registry, statusHost, events, add } = statusSetup(5);
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
    const { registry, statusHost, set, add } = statusSetup(0, { errorExitCode: 70 });
    add();
    endNow(registry, { reason: "exit", runtime: "node", final: true }, statusHost);
    expect(set).not.toHaveBeenCalled();
  });

  test("errorExitCode applies on this path too: a failure turns a clean exit into that status", () => {
    const { registry, statusHost, add, fail, status } = statusSetup(0, { errorExitCode: 70 });
    add(fail);
    endNow(registry, { reason: "exit", runtime: "node", final: true }, statusHost);
    expect(status()).toBe(70);
  });

  test("exit(code) from a callback sets the status the program ends with", () => {
    const { registry, statusHost, add, status } = statusSetup(0);
    add(() => requestExit(registry, 6));
    endNow(registry, { reason: "exit", runtime: "node", final: true }, statusHost);
    expect(status()).toBe(6);
  });
});

describe("awaitedEnd: an end asked for through another channel", () => {
  test("awaits the callbacks with the trigger's fields, then ends with its code", async () => {
    const { registry, end, events, add } = statusSetup();
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
    const { registry, end } = statusSetup();
    let flushed = false;
    end.mockImplementation(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      flushed = true;
    });
    await awaitedEnd(registry, { reason: "exception", code: 1, runtime: "node", final: true }, end);
    expect(flushed).toBe(true);
  });

  test("exit(code) from a callback replaces the code; errorExitCode applies only to a clean end", async () => {
    const asked = statusSetup();
    asked.add(() => void requestExit(asked.registry, 8));
    await awaitedEnd(asked.registry, { reason: "exception", code: 1, runtime: "node", final: true }, asked.end);
    expect(asked.end).toHaveBeenCalledWith(8);

    const crashed = statusSetup(0, { errorExitCode: 70 });
    crashed.add(crashed.fail);
    await awaitedEnd(crashed.registry, { reason: "exception", code: 1, runtime: "node", final: true }, crashed.end);
    expect(crashed.end).toHaveBeenCalledWith(1);

    const shutdown = statusSetup(0, { errorExitCode: 70 });
    shutdown.add(shutdown.fail);
    await awaitedEnd(shutdown.registry, { reason: "exit", code: 0, runtime: "node", final: true }, shutdown.end);
    expect(shutdown.end).toHaveBeenCalledWith(70);
  });
});
