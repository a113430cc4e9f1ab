// The run driver (src/run.ts), over a Registry of its own per test: runNow
// for the paths that cannot wait, runAwaited for those that can (each
// callback within its timeout, all within totalTimeout), runs that overlap or
// nest, a page's episode and a run a browser ended (resume), the ExitEvent
// each callback gets, failures isolated and reported, what a callback returns
// (hostile values included), and the status exit() asks for during a run.
// What the registry hands a run is test/unit/src/registry.test.ts's; the real
// runtimes run these paths end to end in test/e2e, and a browser's ended
// script is run for real in test/unit/adapters/browser.test.ts.
import { afterEach, describe, expect, test, vi } from "vitest";
import type { Trigger } from "../../../src/protocol.ts";
import { sharedState } from "../../../src/realm.ts";
import { finalStatus, requestExit, runAwaited, runNow } from "../../../src/run.ts";
import type { ExitCallback, ExitEvent } from "../../../src/types.ts";
import { hidden, logger, manual, setup, setupWithSpy, sleep } from "../fresh-registry.ts";

const exitTrigger: Trigger = { reason: "exit", code: 0, runtime: "node", final: true };

/** A function that is also a thenable: settles after `ms`, logging "settled". */
function thenableFunction(log: string[], ms: number, error?: unknown): () => void {
  return Object.assign(() => {}, {
    then(resolve: () => void, reject: (reason: unknown) => void) {
      setTimeout(() => {
        log.push("settled");
        if (error === undefined) resolve();
        else reject(error);
      }, ms);
    },
  });
}

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

afterEach(() => {
  vi.restoreAllMocks();
});

describe("awaited runs", () => {
  test("onAwaitedRun hears the run as it begins, before the first callback and the deferred work, with the trigger and the configuration", async () => {
    const { registry, log, add } = setup({ totalTimeout: 1234 });
    const state = sharedState();
    const heard: unknown[] = [];
    state.onAwaitedRun = (run, trigger, config) => {
      log.push("begins");
      heard.push(run === registry.current, trigger, config.totalTimeout);
    };
    // Deferred work leaves the set as it settles, as defer() makes it.
    const work = new Set<Promise<void>>();
    const deferred: Promise<void> = Promise.resolve().then(() => {
      log.push("deferred");
      work.delete(deferred);
    });
    work.add(deferred);
    state.deferred = work;
    add(logger(log, "a"), { first: true });
    try {
      await runAwaited(registry, exitTrigger);
    } finally {
      state.onAwaitedRun = undefined;
      state.deferred = undefined;
    }
    expect(log).toEqual(["begins", "deferred", "a"]);
    expect(heard).toEqual([true, exitTrigger, 1234]);
  });

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

describe("error isolation", () => {
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

  test("an onError that throws is itself reported, naming what it was reporting", () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = new Error("onError broke");
    const { registry, add } = setup({
      onError: () => {
        throw broken;
      },
    });
    add(function save() {
      throw new Error("x");
    });
    runNow(registry, exitTrigger);
    expect(printed.mock.calls).toEqual([['[atexit] onError failed while reporting exit callback "save":', broken]]);
  });
});

describe("finalStatus", () => {
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

describe("requestExit: exit() called during a run", () => {
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

describe("overlapping runs", () => {
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

describe("the ExitEvent", () => {
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

describe("what a callback returns", () => {
  test.each([
    ["null", null],
    ["a number", 42],
    ["a plain object", { done: true }],
    ["an object whose then is not a function", { then: "later" }],
    ["a function without then", () => {}],
  ])("%s, on an awaited path: not waited for, and not a failure", async (_what, value) => {
    const { registry, onError, log, add } = setupWithSpy();
    add(() => void log.push("older"));
    add(() => {
      log.push("returns it");
      return value;
    });
    const result = await runAwaited(registry, manual);
    expect(log).toEqual(["returns it", "older"]);
    expect(result.failed).toBe(false);
    expect(onError).not.toHaveBeenCalled();
  });

  test.each([
    ["null", null],
    ["a plain object", { done: true }],
    ["an object whose then is not a function", { then: 1 }],
  ])("%s, on a synchronous path: not a failure", (_what, value) => {
    const { registry, onError, add } = setupWithSpy();
    add(() => value);
    expect(runNow(registry, manual).failed).toBe(false);
    expect(onError).not.toHaveBeenCalled();
  });

  test("a function with a then method (a thenable function) is awaited like a promise", async () => {
    const { registry, onError, log, add } = setupWithSpy();
    add(() => void log.push("older"));
    add(() => thenableFunction(log, 20));
    await runAwaited(registry, manual);
    expect(log).toEqual(["settled", "older"]);
    expect(onError).not.toHaveBeenCalled();
  });

  test("a thenable function that rejects on a synchronous path is reported when it does", async () => {
    const { registry, onError, log, add } = setupWithSpy();
    const failure = new Error("late failure");
    add(() => thenableFunction(log, 5, failure));
    runNow(registry, manual);
    expect(onError).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
    expect(onError.mock.calls[0]?.[0]).toBe(failure);
  });

  test("synchronous callbacks of an awaited run run back to back: no other job runs between them", async () => {
    const { registry, log, add } = setupWithSpy();
    add(() => void log.push("older"));
    add(() => {
      log.push("schedules a job");
      queueMicrotask(() => log.push("job"));
    });
    await runAwaited(registry, manual);
    expect(log).toEqual(["schedules a job", "older", "job"]);
  });
});

describe("hostile input: what a callback returns is the callback's business", () => {
  for (const [name, make] of hostileResults) {
    test(`awaited run: ${name} is reported as that callback's failure and the others still run`, async () => {
      const { registry, onError, log, add } = setupWithSpy({ timeout: 50 });
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
      const { registry, onError, log, add } = setupWithSpy({ timeout: 50 });
      add(() => void log.push("A"));
      add(make);
      runNow(registry, manual);
      await Promise.resolve();
      expect(log).toEqual(["A"]);
      expect(onError).toHaveBeenCalledTimes(1);
    });
  }

  test("null, a plain object and a function without then are plain results: nothing is awaited or reported", async () => {
    const { registry, onError, add } = setupWithSpy({ timeout: 50 });
    for (const value of [null, {}, () => {}, { then: 42 }]) add(() => value);
    const result = await runAwaited(registry, manual);
    expect(result.failed).toBe(false);
    expect(onError).not.toHaveBeenCalled();
  });

  test("a thenable function is awaited like a promise", async () => {
    const { registry, log, add } = setupWithSpy({ timeout: 50 });
    const thenable = Object.assign(() => {}, {
      then: (resolve: () => void) => setTimeout(() => (log.push("settled"), resolve()), 5),
    });
    add(() => void log.push("after"));
    add(() => thenable);
    await runAwaited(registry, manual);
    expect(log).toEqual(["settled", "after"]);
  });
});

describe("event.deadline", () => {
  test("read twice, it is the same signal, and that signal is aborted when the callback times out", async () => {
    const { registry, add } = setupWithSpy({ timeout: 20 });
    let reads: AbortSignal[] = [];
    add((event) => {
      reads = [event.deadline, event.deadline];
      return new Promise(() => {});
    });
    await runAwaited(registry, manual);
    expect(reads[0]).toBe(reads[1]);
    expect(reads[0]?.aborted).toBe(true);
  });

  test("first read after the callback timed out, it is already aborted, with the timeout as its reason", async () => {
    const { registry, onError, add } = setupWithSpy({ timeout: 20 });
    let seen: ExitEvent | undefined;
    add((event) => {
      seen = event;
      return new Promise(() => {});
    });
    await runAwaited(registry, manual);
    const deadline = seen!.deadline;
    expect(deadline.aborted).toBe(true);
    expect(deadline.reason).toBe(onError.mock.calls[0]?.[0]);
    expect((deadline.reason as Error).message).toBe('exit callback "anonymous" did not finish within 20 ms');
  });

  test("on a synchronous path, read twice, it is the same signal, which never aborts", () => {
    const { registry, add } = setupWithSpy();
    const reads: AbortSignal[] = [];
    add((event) => void reads.push(event.deadline, event.deadline));
    add((event) => void reads.push(event.deadline));
    runNow(registry, manual);
    expect(new Set(reads).size).toBe(1);
    expect(reads[0]?.aborted).toBe(false);
  });
});

describe("the timer boundary: setTimeout takes at most 2³¹ − 1 ms", () => {
  test("a timeout of 2³¹ ms (which setTimeout would fire at once) is no limit: the callback is not cut", async () => {
    const { registry, onError, log, add } = setupWithSpy({ totalTimeout: Infinity });
    const warnings = vi.spyOn(process, "emitWarning");
    add(() => void log.push("older"));
    add(
      async () => {
        await sleep(30);
        log.push("finished");
      },
      { timeout: 2 ** 31 },
    );
    const result = await runAwaited(registry, manual);
    expect(log).toEqual(["finished", "older"]);
    expect(result.failed).toBe(false);
    expect(onError).not.toHaveBeenCalled();
    expect(warnings).not.toHaveBeenCalled();
  });

  test("a timeout just under the limit is still enforced", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { registry, onError, add } = setupWithSpy({ totalTimeout: Infinity });
      add(() => new Promise(() => {}), { timeout: 2 ** 31 - 2 });
      const run = runAwaited(registry, manual);
      await vi.advanceTimersByTimeAsync(2 ** 31 - 2);
      await run;
      expect((onError.mock.calls[0]?.[0] as Error).message).toBe(
        `exit callback "anonymous" did not finish within ${2 ** 31 - 2} ms`,
      );
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the total deadline", () => {
  test("a callback reached exactly when totalTimeout is up is overdue: called unawaited, its deadline aborted", async () => {
    let clock = 1_000_000;
    vi.spyOn(Date, "now").mockImplementation(() => clock);
    const { registry, add } = setupWithSpy({ totalTimeout: 100 });
    const events: ExitEvent[] = [];
    add((event) => void events.push(event));
    add(() => {
      clock += 100;
    });
    await runAwaited(registry, manual);
    const [overdue] = events;
    expect(overdue?.awaited).toBe(false);
    expect(overdue?.deadline.aborted).toBe(true);
    expect(overdue?.deadline.reason).toMatchObject({
      name: "TimeoutError",
      message: "the exit callbacks did not finish within 100 ms in all",
    });
  });

  test("a millisecond before then, it is still awaited, within what is left", async () => {
    let clock = 1_000_000;
    vi.spyOn(Date, "now").mockImplementation(() => clock);
    const { registry, onError, add } = setupWithSpy({ totalTimeout: 100 });
    const events: ExitEvent[] = [];
    add((event) => {
      events.push(event);
      return new Promise(() => {});
    });
    add(() => {
      clock += 99;
    });
    await runAwaited(registry, manual);
    expect(events[0]?.awaited).toBe(true);
    expect((onError.mock.calls[0]?.[0] as Error).message).toBe('exit callback "anonymous" did not finish within 1 ms');
  });

  test("every overdue callback gets the same aborted deadline, with the first reason", async () => {
    let clock = 1_000_000;
    vi.spyOn(Date, "now").mockImplementation(() => clock);
    const { registry, add } = setupWithSpy({ totalTimeout: 10 });
    const events: ExitEvent[] = [];
    add((event) => void events.push(event));
    add((event) => void events.push(event));
    add(() => {
      clock += 50;
    });
    await runAwaited(registry, manual);
    expect(events).toHaveLength(2);
    expect(events[0]?.deadline).toBe(events[1]?.deadline);
    expect((events[1]?.deadline.reason as Error).message).toBe("the exit callbacks did not finish within 10 ms in all");
  });
});

describe("a registry with no adapter installed (the fallback has no install)", () => {
  test("a promise returned on a synchronous path is neither reported nor a failure", async () => {
    const { registry, onError, add } = setupWithSpy({}, { runtime: "unknown" });
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    add(async () => {});
    expect(registry.installed).toBeUndefined();
    expect(runNow(registry, manual).failed).toBe(false);
    await sleep(0);
    expect(onError).not.toHaveBeenCalled();
    expect(printed).not.toHaveBeenCalled();
  });
});

describe("an episode (a page hide): runNow with `episode` runs the callbacks once per trigger", () => {
  test("called again with the same trigger outside a run, nothing runs; a new trigger runs them again", () => {
    const { registry, log, add } = setupWithSpy();
    add(() => void log.push("a"));
    const episode: Trigger = { ...hidden };
    expect(runNow(registry, episode, { keep: true, episode: true })).toEqual({ failed: false, exitRequested: false, exitCode: undefined });
    runNow(registry, episode, { keep: true, episode: true });
    expect(log).toEqual(["a"]);
    runNow(registry, { ...hidden }, { keep: true, episode: true });
    expect(log).toEqual(["a", "a"]);
  });

  test("without `episode`, the same trigger runs them every time", () => {
    const { registry, log, add } = setupWithSpy();
    add(() => void log.push("a"));
    runNow(registry, hidden, { keep: true });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["a", "a"]);
  });

  test("a call with the episode's trigger nested in the run carries on with the callbacks not run yet", () => {
    const { registry, log, add } = setupWithSpy();
    const episode: Trigger = { ...hidden };
    add(() => void log.push("a"));
    add(() => void log.push("b"));
    add(() => {
      log.push("c");
      runNow(registry, episode, { keep: true, episode: true });
      log.push("c after");
    });
    runNow(registry, episode, { keep: true, episode: true });
    expect(log).toEqual(["c", "b", "a", "c after"]);
  });

  test("a call with the episode's trigger nested while the run's record is made runs the episode; the outer call then runs nothing", () => {
    const { registry, log, add } = setupWithSpy();
    const episode: Trigger = { ...hidden };
    add(() => void log.push("a"));
    add(() => void log.push("b"));
    // The record's clock read stands for any call Firefox may nest an event in.
    const realNow = Date.now.bind(Date);
    let nested = false;
    vi.spyOn(Date, "now").mockImplementation(() => {
      if (!nested) {
        nested = true;
        runNow(registry, episode, { keep: true, episode: true });
      }
      return realNow();
    });
    runNow(registry, episode, { keep: true, episode: true });
    expect(log).toEqual(["b", "a"]);
    expect((registry.current !== undefined)).toBe(false);
    expect(registry.size).toBe(2);
  });

  test("each callback's event is made before it is taken: one whose exit() call changes the status tells the next", () => {
    const { registry, add } = setupWithSpy();
    const codes: Array<number | undefined> = [];
    add((event) => void codes.push(event.code));
    add((event) => {
      codes.push(event.code);
      requestExit(registry, 7);
    });
    runNow(registry, { reason: "exit", code: 0, runtime: "node", final: true });
    expect(codes).toEqual([0, 7]);
  });
});

describe("a trigger nested in a page's run, and resume (a run whose script the browser ended)", () => {
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
  // test/unit/adapters/browser.test.ts ends a real script.
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
});
