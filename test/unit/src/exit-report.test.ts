// The exit report (src/exit-report.ts) over the realm's registry, driven by
// the run driver (src/run.ts) on fake timers, so every duration is exact:
// each outcome on the awaited and the synchronous paths, the deferred work,
// a drain's counts under its callback, the status, the order of the fields,
// an onReport that throws or rejects, the diagnostics channel, and what is
// not reported (an invocation's phase, a run nobody asked a report of).
// The real runtimes report end to end in test/e2e/report.test.ts.
import { channel as diagnosticsChannel, subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { defaultConfig } from "../../../src/config.ts";
import { processContext } from "../../../src/defer.ts";
import { observeRun, reportChannel, reportRuns } from "../../../src/exit-report.ts";
import { withExitFor } from "../../../src/invocation.ts";
import type { Run, Trigger } from "../../../src/protocol.ts";
import { getRegistry, sharedState } from "../../../src/realm.ts";
import { requestExit, runAwaited, runNow, runSync } from "../../../src/run.ts";
import type { AtexitConfig, ExitCallback, ExitReport, RegisterOptions } from "../../../src/types.ts";
import { fakeAdapter, hidden, manual } from "../fresh-registry.ts";

const registry = getRegistry();
const adapter = fakeAdapter(undefined, "node");
const add = (callback: ExitCallback, options: RegisterOptions = {}) => registry.add(callback, options, adapter);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<void>(() => {});

const signal: Trigger = { reason: "signal", signal: "SIGTERM", code: 143, runtime: "node", final: true };
const exitCode = (code: number): Trigger => ({ reason: "exit", code, runtime: "node", final: true });

/** Sets `config` over the defaults, with reports going to the list it returns and failures to `onError`. */
function reporting(config: Partial<AtexitConfig> = {}) {
  const reports: ExitReport[] = [];
  const onError = vi.fn();
  registry.config = Object.freeze({ ...defaultConfig, onError, onReport: (report: ExitReport) => void reports.push(report), ...config });
  return { reports, onError };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  reportRuns();
});

afterEach(() => {
  registry.clear();
  registry.config = defaultConfig;
  sharedState().deferred = undefined;
  sharedState().drainCounts = undefined;
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("an awaited run", () => {
  test("each outcome, with its duration, in the order the callbacks were called; the report's fields in their order", async () => {
    const { reports, onError } = reporting({ timeout: 100 });
    add(() => {}, { name: "sync", last: true });
    add(async () => await sleep(30), { name: "async" });
    add(() => { throw new Error("thrown"); }, { name: "throws" });
    add(async () => { await sleep(10); throw new Error("rejected"); }, { name: "rejects" });
    add(never, { name: "hangs" });
    add(function namedByItself() {});
    const ran = runAwaited(registry, signal);
    await vi.advanceTimersByTimeAsync(200);
    await ran;
    expect(reports).toHaveLength(1);
    const [report] = reports as [ExitReport];
    expect(Object.keys(report)).toEqual(["reason", "signal", "code", "startedAt", "duration", "callbacks", "deferred"]);
    expect(report).toEqual({
      reason: "signal",
      signal: "SIGTERM",
      code: 143,
      startedAt: 1_000_000,
      duration: 140,
      callbacks: [
        { name: "namedByItself", outcome: "ok", duration: 0 },
        { name: "hangs", outcome: "timed out", duration: 100 },
        { name: "rejects", outcome: "failed", duration: 10 },
        { name: "throws", outcome: "failed", duration: 0 },
        { name: "async", outcome: "ok", duration: 30 },
        { name: "sync", outcome: "ok", duration: 0 },
      ],
      deferred: { awaited: 0, abandoned: 0, duration: 0 },
    });
    for (const callback of report.callbacks) expect(Object.keys(callback)).toEqual(["name", "outcome", "duration"]);
    expect(Object.isFrozen(report)).toBe(true);
    expect(Object.isFrozen(report.callbacks)).toBe(true);
    expect(Object.isFrozen(report.callbacks[0])).toBe(true);
    expect(Object.isFrozen(report.deferred)).toBe(true);
    expect(onError).toHaveBeenCalledTimes(3);
  });

  test("onReport is called once the last callback has settled, before the run's promise resolves", async () => {
    const log: string[] = [];
    reporting({ onReport: (report) => void log.push(`report ${report.callbacks.length}`) });
    add(async () => {
      await sleep(5);
      log.push("last callback");
    });
    const ran = runAwaited(registry, manual).then(() => log.push("resolved"));
    await vi.advanceTimersByTimeAsync(5);
    await ran;
    expect(log).toEqual(["last callback", "report 1", "resolved"]);
    expect(registry.current).toBeUndefined();
  });

  test("a callback that rejects with undefined failed; one that rejects with the TimeoutError of another timed out too: only its own timeout is one", async () => {
    const { reports } = reporting({ timeout: 50 });
    const foreign = Object.assign(new Error('exit callback "x" did not finish within 1 ms'), { name: "TimeoutError" });
    add(() => Promise.reject(foreign), { name: "foreign timeout" });
    add(() => Promise.reject(undefined), { name: "undefined" });
    const ran = runAwaited(registry, manual);
    await vi.advanceTimersByTimeAsync(0);
    await ran;
    expect(reports[0]!.callbacks.map((c) => [c.name, c.outcome])).toEqual([
      ["undefined", "failed"],
      ["foreign timeout", "failed"],
    ]);
  });

  test("past totalTimeout, a callback whose promise is not awaited is cut, one that returns is ok, one that throws failed", async () => {
    const { reports } = reporting({ timeout: 1000, totalTimeout: 60 });
    add(() => { throw new Error("late"); }, { name: "late throws" });
    add(() => {}, { name: "late sync" });
    add(async () => await sleep(5), { name: "late async" });
    add(never, { name: "overruns" });
    const ran = runAwaited(registry, manual);
    await vi.advanceTimersByTimeAsync(60);
    await ran;
    expect(reports[0]!.callbacks).toEqual([
      { name: "overruns", outcome: "timed out", duration: 60 },
      { name: "late async", outcome: "cut", duration: 0 },
      { name: "late sync", outcome: "ok", duration: 0 },
      { name: "late throws", outcome: "failed", duration: 0 },
    ]);
    expect(reports[0]!.duration).toBe(60);
    // Its promise settles later: the report, long gone, is not sent again.
    await vi.advanceTimersByTimeAsync(10);
    expect(reports).toHaveLength(1);
  });

  test("the deferred work: promises settled while the run waited, those it found added when it looked again among them, and how long it waited", async () => {
    const { reports } = reporting();
    const held = (sharedState().deferred = new Set());
    const hold = (ms: number) => {
      const work = sleep(ms);
      held.add(work);
      void work.then(() => held.delete(work));
    };
    hold(20);
    hold(40);
    add(() => {});
    const ran = runAwaited(registry, manual);
    await vi.advanceTimersByTimeAsync(20);
    // Pending when the run looks again (at 40 ms, once the first two have settled): waited for and counted.
    hold(30);
    // Come and gone before the run looked again: never waited for, not counted.
    hold(5);
    await vi.advanceTimersByTimeAsync(100);
    await ran;
    expect(reports[0]!.deferred).toEqual({ awaited: 3, abandoned: 0, duration: 50 });
    expect(reports[0]!.callbacks).toEqual([{ name: "anonymous", outcome: "ok", duration: 0 }]);
  });

  test("deferred work still pending at the time limit is abandoned; the deferred wait is not one of the callbacks", async () => {
    const { reports } = reporting({ timeout: 50 });
    const held = (sharedState().deferred = new Set());
    const quick = sleep(10);
    held.add(quick);
    void quick.then(() => held.delete(quick));
    held.add(never());
    held.add(never());
    const ran = runAwaited(registry, manual);
    await vi.advanceTimersByTimeAsync(50);
    await ran;
    expect(reports[0]!.deferred).toEqual({ awaited: 1, abandoned: 2, duration: 50 });
    expect(reports[0]!.callbacks).toEqual([]);
  });

  test("code: what exit() asked for during the run; errorExitCode when a callback failed and the status was 0; none for runHandlers()", async () => {
    const { reports } = reporting({ errorExitCode: 7 });
    add(() => void requestExit(registry, 3));
    await runAwaited(registry, signal);
    add(() => { throw new Error("x"); });
    await runAwaited(registry, exitCode(0));
    add(() => { throw new Error("x"); });
    await runAwaited(registry, exitCode(2));
    add(() => {});
    await runAwaited(registry, manual);
    add(() => void requestExit(registry, 4));
    await runAwaited(registry, manual);
    add(() => void requestExit(registry, undefined));
    await runAwaited(registry, manual);
    expect(reports.map((report) => report.code)).toEqual([3, 7, 2, undefined, 4, undefined]);
    expect(reports.map((report) => report.signal)).toEqual(["SIGTERM", undefined, undefined, undefined, undefined, undefined]);
    expect(reports.map((report) => report.reason)).toEqual(["signal", "exit", "exit", "manual", "manual", "manual"]);
  });
});

describe("a run that cannot wait", () => {
  test("process.exit(3) with an async callback: cut, code 3, reported synchronously before runSync returns", () => {
    const { reports } = reporting();
    add(() => {}, { name: "sync" });
    add(async () => await sleep(10), { name: "async" });
    add(() => { throw new Error("x"); }, { name: "throws" });
    add(() => ({ get then(): never { throw new Error("hostile then"); } }), { name: "hostile" });
    const held = (sharedState().deferred = new Set([never(), never()]));
    runSync(registry, exitCode(3));
    expect(reports).toEqual([
      {
        reason: "exit",
        signal: undefined,
        code: 3,
        startedAt: 1_000_000,
        duration: 0,
        callbacks: [
          { name: "hostile", outcome: "failed", duration: 0 },
          { name: "throws", outcome: "failed", duration: 0 },
          { name: "async", outcome: "cut", duration: 0 },
          { name: "sync", outcome: "ok", duration: 0 },
        ],
        deferred: { awaited: 0, abandoned: 2, duration: 0 },
      },
    ]);
    expect(held.size).toBe(2);
  });

  test("a callback's synchronous part is its duration", () => {
    const { reports } = reporting();
    add(() => {
      vi.advanceTimersByTime(25);
      return sleep(100);
    }, { name: "slow start" });
    runSync(registry, exitCode(0));
    expect(reports[0]!.callbacks).toEqual([{ name: "slow start", outcome: "cut", duration: 25 }]);
    expect(reports[0]!.duration).toBe(25);
  });

  test("an awaited run carried on by a path that cannot wait reports there, once: what it awaited is cut", async () => {
    const { reports } = reporting();
    add(() => {}, { name: "left" });
    add(() => sleep(1000), { name: "awaited" });
    const ran = runAwaited(registry, signal);
    await vi.advanceTimersByTimeAsync(30);
    runSync(registry, exitCode(3));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.reason).toBe("signal");
    expect(reports[0]!.duration).toBe(30);
    expect(reports[0]!.callbacks).toEqual([
      { name: "awaited", outcome: "cut", duration: 30 },
      { name: "left", outcome: "ok", duration: 0 },
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    await ran;
    expect(reports).toHaveLength(1);
  });

  test("a synchronous run nested in another reports once, when the outer one ends, with the callbacks of both in the order their calls returned", () => {
    const { reports } = reporting();
    add(() => {}, { name: "after" });
    add(() => void runSync(registry, exitCode(1)), { name: "nests" });
    runSync(registry, exitCode(0));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.callbacks.map((c) => c.name)).toEqual(["after", "nests"]);
    expect(reports[0]!.code).toBe(0);
  });

  test("a page hide reports its kept callbacks; the same episode again reports nothing", () => {
    const { reports } = reporting();
    add(() => {}, { name: "kept" });
    const episode: Trigger = { ...hidden };
    runNow(registry, episode, { keep: true, episode: true });
    runNow(registry, episode, { keep: true, episode: true });
    expect(reports).toEqual([
      expect.objectContaining({ reason: "hidden", code: undefined, callbacks: [{ name: "kept", outcome: "ok", duration: 0 }] }),
    ]);
    expect(registry.size).toBe(1);
  });
});

describe("a drain's counts", () => {
  test("are found under its exit callback as the run ends, copied and frozen; other callbacks have no drain key", async () => {
    const { reports } = reporting();
    const counts = { requests: 0, idle: 0, websockets: 0, streams: 0, forced: 0 };
    const drainCallback: ExitCallback = async () => {
      (sharedState().drainCounts ??= new WeakMap()).set(drainCallback, counts);
      await sleep(10);
      counts.requests = 3;
      counts.idle = 2;
    };
    add(() => {}, { name: "pool" });
    add(drainCallback, { name: "drain", first: true });
    const ran = runAwaited(registry, signal);
    await vi.advanceTimersByTimeAsync(10);
    await ran;
    counts.requests = 99;
    const [drained, pool] = reports[0]!.callbacks as [ExitReport["callbacks"][number], ExitReport["callbacks"][number]];
    expect(drained).toEqual({ name: "drain", outcome: "ok", duration: 10, drain: { requests: 3, idle: 2, websockets: 0, streams: 0, forced: 0 } });
    expect(Object.keys(drained)).toEqual(["name", "outcome", "duration", "drain"]);
    expect(Object.isFrozen(drained.drain)).toBe(true);
    expect("drain" in pool).toBe(false);
  });
});

describe("onReport that misbehaves", () => {
  test("one that throws: one [atexit] line, the run's result and the next runs unchanged", async () => {
    const error = new Error("report sink down");
    reporting({ onReport: () => { throw error; } });
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    add(() => {});
    expect(runSync(registry, exitCode(0))).toEqual({ failed: false, exitRequested: false, exitCode: undefined });
    add(() => {});
    await expect(runAwaited(registry, signal)).resolves.toEqual({ failed: false, exitRequested: false, exitCode: undefined });
    expect(printed.mock.calls).toEqual([
      ["[atexit] onReport failed:", error],
      ["[atexit] onReport failed:", error],
    ]);
  });

  test("one that rejects: one [atexit] line once it has; one whose then cannot be read: one line at once", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    reporting({ onReport: () => Promise.reject(new Error("later")) });
    add(() => {});
    runSync(registry, exitCode(0));
    expect(printed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(0);
    expect(printed.mock.calls).toEqual([["[atexit] onReport failed:", new Error("later")]]);
    const hostile = new Proxy({}, { get: () => { throw new Error("trap"); } });
    reporting({ onReport: () => hostile as never });
    add(() => {});
    runSync(registry, exitCode(0));
    expect(printed.mock.calls[1]).toEqual(["[atexit] onReport failed:", new Error("trap")]);
    expect(printed).toHaveBeenCalledTimes(2);
  });

  test("one that returns nothing, or a value that is no promise: nothing printed", () => {
    const printed = vi.spyOn(console, "error");
    const got: ExitReport[] = [];
    reporting({ onReport: (report) => void got.push(report) });
    add(() => {});
    runSync(registry, exitCode(0));
    reporting({ onReport: (report) => got.push(report) as never });
    add(() => {});
    runSync(registry, exitCode(0));
    expect(got).toHaveLength(2);
    expect(printed).not.toHaveBeenCalled();
  });

  test("one that resolves: nothing printed; one that mutates the report cannot (it is frozen)", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    let attempt: unknown;
    reporting({
      onReport: async (report) => {
        try {
          (report as { code: unknown }).code = 0;
        } catch (error) {
          attempt = error;
        }
      },
    });
    add(() => {});
    runSync(registry, exitCode(5));
    await vi.advanceTimersByTimeAsync(0);
    expect(attempt).toBeInstanceOf(TypeError);
    expect(printed).not.toHaveBeenCalled();
  });
});

describe("which runs are reported", () => {
  test("none without onReport or a subscriber: no record is made", () => {
    registry.config = defaultConfig;
    const run = registry.begin(signal, {});
    expect(observeRun(signal, run)).toBeUndefined();
    registry.close(run);
  });

  test("one record per run: asked again for the same run, the same observer; a run nobody wanted stays unrecorded once onReport is set", () => {
    registry.config = defaultConfig;
    const unwanted = registry.begin(signal, {});
    expect(observeRun(signal, unwanted)).toBeUndefined();
    reporting();
    expect(observeRun(signal, unwanted)).toBeUndefined();
    registry.close(unwanted);
    const run = registry.begin(signal, {});
    const observer = observeRun(signal, run);
    expect(observer).toBeDefined();
    expect(observeRun(exitCode(1), run)).toBe(observer);
    registry.close(run);
  });

  test("an invocation's phase under withExit is not an exit run: it reports nothing", async () => {
    vi.useRealTimers();
    const { reports } = reporting();
    const ran = vi.fn();
    add(ran);
    const handed: Promise<unknown>[] = [];
    const handler = withExitFor({ context: processContext, runtime: "node" }, (_request: Request, _ctx: unknown) => new Response("ok"));
    await handler(new Request("http://127.0.0.1/"), { waitUntil: (promise: Promise<unknown>) => void handed.push(promise) });
    await Promise.all(handed);
    expect(ran).toHaveBeenCalledTimes(1);
    expect(reports).toEqual([]);
  });

  test("reportRuns() keeps the observer the shared state already has (the first copy's)", () => {
    const other = vi.fn();
    sharedState().observeRun = other;
    reportRuns();
    expect(sharedState().observeRun).toBe(other);
    sharedState().observeRun = undefined;
    reportRuns();
    expect(sharedState().observeRun).toBe(observeRun);
  });
});

describe("the atexit:report diagnostics channel", () => {
  test("is node:diagnostics_channel's channel of that name on the process runtimes, and none elsewhere", () => {
    for (const runtime of ["node", "deno", "bun"] as const) expect(reportChannel(runtime)).toBe(diagnosticsChannel("atexit:report"));
    for (const runtime of ["browser", "worker", "workerd", "edge-light", "unknown"] as const) expect(reportChannel(runtime)).toBeUndefined();
  });

  test("none where process.getBuiltinModule is missing or throws", () => {
    vi.spyOn(process, "getBuiltinModule").mockImplementation(() => {
      throw new Error("refused");
    });
    expect(reportChannel("node")).toBeUndefined();
    vi.spyOn(process, "getBuiltinModule").mockImplementation(() => undefined as never);
    expect(reportChannel("node")).toBeUndefined();
    vi.spyOn(process, "getBuiltinModule").mockImplementation(() => ({}) as never);
    expect(reportChannel("node")).toBeUndefined();
  });

  test("a subscriber gets the report without onReport (nothing printed); after onReport, the same object", () => {
    const printed = vi.spyOn(console, "error");
    const heard: unknown[] = [];
    const listener = (message: unknown): void => void heard.push(message);
    subscribe("atexit:report", listener);
    try {
      registry.config = defaultConfig;
      add(() => {}, { name: "a" });
      runSync(registry, exitCode(0));
      expect(heard).toEqual([expect.objectContaining({ reason: "exit", callbacks: [{ name: "a", outcome: "ok", duration: 0 }] })]);
      const { reports } = reporting();
      add(() => {});
      runSync(registry, exitCode(0));
      expect(heard).toHaveLength(2);
      expect(heard[1]).toBe(reports[0]);
      expect(printed).not.toHaveBeenCalled();
    } finally {
      unsubscribe("atexit:report", listener);
    }
  });

  test("not published once its last subscriber left during the run", () => {
    const publish = vi.spyOn(diagnosticsChannel("atexit:report"), "publish");
    const listener = (): void => {};
    subscribe("atexit:report", listener);
    registry.config = defaultConfig;
    add(() => void unsubscribe("atexit:report", listener));
    runSync(registry, exitCode(0));
    expect(publish).not.toHaveBeenCalled();
  });

  test("a server adapter on Bun keeps the channel from its install on (Bun holds channels weakly); on the others nothing is looked up then", () => {
    const getBuiltinModule = vi.spyOn(process, "getBuiltinModule");
    reportRuns("node");
    reportRuns("deno");
    reportRuns();
    expect(getBuiltinModule).not.toHaveBeenCalled();
    reportRuns("bun");
    reportRuns("bun");
    expect(getBuiltinModule.mock.calls).toEqual([["node:diagnostics_channel"]]);
  });

  test("no channel is asked for on a browser run", () => {
    const getBuiltinModule = vi.spyOn(process, "getBuiltinModule");
    reporting();
    add(() => {});
    runNow(registry, hidden, { keep: false });
    expect(getBuiltinModule).not.toHaveBeenCalled();
  });
});

describe("the run driver without a record", () => {
  test("with no observer in the shared state (another copy's realm), an awaited run carried on by a path that cannot wait still runs its callbacks", async () => {
    sharedState().observeRun = undefined;
    try {
      const log: string[] = [];
      add(() => void log.push("left"));
      add(() => sleep(100));
      const ran = runAwaited(registry, signal);
      await vi.advanceTimersByTimeAsync(10);
      expect(runSync(registry, exitCode(3))).toEqual({ failed: false, exitRequested: false, exitCode: undefined });
      expect(log).toEqual(["left"]);
      await vi.advanceTimersByTimeAsync(100);
      await ran;
    } finally {
      reportRuns();
    }
  });

  test("a run with no observer calls nothing of the report, and the shared state's observer is asked once per run and call", () => {
    registry.config = defaultConfig;
    const observe = vi.fn((_trigger: Trigger, _run: Run) => undefined);
    sharedState().observeRun = observe;
    try {
      add(() => {});
      runSync(registry, exitCode(0));
      expect(observe).toHaveBeenCalledTimes(1);
      expect(observe.mock.calls[0]![0]).toEqual(exitCode(0));
    } finally {
      sharedState().observeRun = observeRun;
    }
  });
});
