// Edges of the registry (src/registry.ts) that the main suite does not reach:
// odd return values on each path, a deadline read twice or late, the timer
// and total-deadline boundaries, hosts without DOMException, which errors
// count as atexit's own timeouts, callbacks whose name cannot be used, an
// unhooked registry, and a keep-mode (browser) callback removing itself.
import { afterEach, describe, expect, test, vi } from "vitest";
import { runAwaited, runNow, requestExit } from "../../src/run.ts";
import type { Adapter, Trigger } from "../../src/protocol.ts";
import { registrationOf } from "../../src/api.ts";
import { defaultConfig } from "../../src/config.ts";
import { Registry } from "../../src/registry.ts";
import { printError } from "../../src/report.ts";
import type { AtexitConfig, ExitCallback, ExitEvent } from "../../src/types.ts";

const manual: Trigger = { reason: "manual", runtime: "unknown", final: false };
const hidden: Trigger = { reason: "hidden", runtime: "browser", final: false };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function setup(config: Partial<AtexitConfig> = {}, adapter: Adapter = { runtime: "unknown", install: () => {}, uninstall: () => {} }) {
  const registry = new Registry();
  const onError = vi.fn();
  registry.config = Object.freeze({ ...defaultConfig, onError, ...config });
  const log: string[] = [];
  const add = (callback: ExitCallback, options: Parameters<Registry["add"]>[1] = {}) =>
    registrationOf(registry, registry.add(callback, options, adapter));
  return { registry, onError, log, add };
}

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

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("what a callback returns", () => {
  test.each([
    ["null", null],
    ["a number", 42],
    ["a plain object", { done: true }],
    ["an object whose then is not a function", { then: "later" }],
    ["a function without then", () => {}],
  ])("%s, on an awaited path: not waited for, and not a failure", async (_what, value) => {
    const { registry, onError, log, add } = setup();
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
    const { registry, onError, add } = setup();
    add(() => value);
    expect(runNow(registry, manual).failed).toBe(false);
    expect(onError).not.toHaveBeenCalled();
  });

  test("a function with a then method (a thenable function) is awaited like a promise", async () => {
    const { registry, onError, log, add } = setup();
    add(() => void log.push("older"));
    add(() => thenableFunction(log, 20));
    await runAwaited(registry, manual);
    expect(log).toEqual(["settled", "older"]);
    expect(onError).not.toHaveBeenCalled();
  });

  test("a thenable function that rejects on a synchronous path is reported when it does", async () => {
    const { registry, onError, log, add } = setup();
    const failure = new Error("late failure");
    add(() => thenableFunction(log, 5, failure));
    runNow(registry, manual);
    expect(onError).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
    expect(onError.mock.calls[0]?.[0]).toBe(failure);
  });

  test("synchronous callbacks of an awaited run run back to back: no other job runs between them", async () => {
    const { registry, log, add } = setup();
    add(() => void log.push("older"));
    add(() => {
      log.push("schedules a job");
      queueMicrotask(() => log.push("job"));
    });
    await runAwaited(registry, manual);
    expect(log).toEqual(["schedules a job", "older", "job"]);
  });
});

describe("event.deadline", () => {
  test("read twice, it is the same signal, and that signal is aborted when the callback times out", async () => {
    const { registry, add } = setup({ timeout: 20 });
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
    const { registry, onError, add } = setup({ timeout: 20 });
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
    const { registry, add } = setup();
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
    const { registry, onError, log, add } = setup({ totalTimeout: Infinity });
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
      const { registry, onError, add } = setup({ totalTimeout: Infinity });
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
    const { registry, add } = setup({ totalTimeout: 100 });
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
    const { registry, onError, add } = setup({ totalTimeout: 100 });
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
    const { registry, add } = setup({ totalTimeout: 10 });
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

describe("the timeout error", () => {
  test("where DOMException exists, a timeout is a DOMException named TimeoutError", async () => {
    const { registry, onError, add } = setup({ timeout: 10 });
    add(() => new Promise(() => {}));
    await runAwaited(registry, manual);
    const error = onError.mock.calls[0]?.[0] as Error;
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe("TimeoutError");
  });

  test("without DOMException (an older or bare host), it is an Error named TimeoutError, still printed as one line", async () => {
    vi.stubGlobal("DOMException", undefined);
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const { registry, add } = setup({ timeout: 10, onError: printError });
    let deadline: AbortSignal | undefined;
    add((event) => {
      deadline = event.deadline;
      return new Promise(() => {});
    });
    await runAwaited(registry, manual);
    const error = deadline?.reason as Error;
    expect(error.constructor).toBe(Error);
    expect(error.name).toBe("TimeoutError");
    expect(error.message).toBe('exit callback "anonymous" did not finish within 10 ms');
    expect(printed.mock.calls).toEqual([['[atexit] exit callback "anonymous" did not finish within 10 ms']]);
  });
});

describe("printError: only atexit's own timeouts are printed as one line", () => {
  let printed: ReturnType<typeof vi.spyOn>;
  const event = { reason: "exit", code: 0, runtime: "node", final: true, awaited: true } as ExitEvent;

  test.each([
    ["another TimeoutError (a fetch's AbortSignal.timeout)", new DOMException("The operation timed out.", "TimeoutError")],
    ["an ordinary Error whose message reads like atexit's", new Error('exit callback "x" did not finish within 5 ms')],
    ["a TimeoutError-named object without a message", { name: "TimeoutError" }],
    ["a TimeoutError-named object whose message is not a string", { name: "TimeoutError", message: 42 }],
    ["null", null],
  ])("%s is printed with the error itself", (_what, error) => {
    printed = vi.spyOn(console, "error").mockImplementation(() => {});
    printError(error, event, "upload");
    expect(printed.mock.calls).toEqual([['[atexit] exit callback "upload" failed (on exit):', error]]);
  });
});

describe("naming a callback in reports", () => {
  test("a function whose name is not a string (a static name() on a class) is reported as anonymous", () => {
    const { registry, onError, add } = setup();
    const odd = Object.defineProperty(
      () => {
        throw new Error("x");
      },
      "name",
      { value: 42 },
    );
    add(odd);
    runNow(registry, manual);
    expect(onError.mock.calls[0]?.[2]).toBe("anonymous");
  });
});

describe("a registry with no adapter installed (the fallback has no install)", () => {
  test("a promise returned on a synchronous path is neither reported nor a failure", async () => {
    const { registry, onError, add } = setup({}, { runtime: "unknown" });
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    add(async () => {});
    expect(registry.installed).toBeUndefined();
    expect(runNow(registry, manual).failed).toBe(false);
    await sleep(0);
    expect(onError).not.toHaveBeenCalled();
    expect(printed).not.toHaveBeenCalled();
  });
});

describe("reinstall", () => {
  test("an adapter without uninstall has its listeners installed again on top", () => {
    const install = vi.fn();
    const { registry, add } = setup({}, { runtime: "unknown", install });
    add(() => {});
    registry.relisten();
    expect(install).toHaveBeenCalledTimes(2);
    expect(install).toHaveBeenLastCalledWith(registry);
  });
});

describe("keep-mode runs (a browser page hidden, then shown again)", () => {
  test("a callback that unregisters itself while it runs is not linked back, and does not run next time", () => {
    const { registry, log, add } = setup();
    add(() => void log.push("stays"));
    const off = add(() => {
      log.push("leaves");
      expect(off()).toBe(true);
    });
    runNow(registry, hidden, { keep: true });
    expect(registry.size).toBe(1);
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["leaves", "stays", "stays"]);
  });

  test("a callback unregistered after it ran, by a later one, is not linked back", () => {
    const { registry, log, add } = setup();
    const first = (): void => void log.push("first");
    add(() => {
      log.push("removes first");
      expect(registry.removeAll(first)).toBe(1);
    });
    add(first);
    runNow(registry, hidden, { keep: true });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["first", "removes first", "removes first"]);
    expect(registry.size).toBe(1);
  });

  test("a re-registration deferred by the run, then removed during it, is not linked back", () => {
    const { registry, log, add } = setup();
    const again = (): void => {
      log.push("again");
      add(again);
    };
    add(() => {
      log.push("removes again");
      expect(registry.removeAll(again)).toBe(1);
    });
    add(again);
    runNow(registry, manual);
    expect(registry.size).toBe(0);
    runNow(registry, manual);
    expect(log).toEqual(["again", "removes again"]);
  });
});

describe("the index by callback, built on the first unregister(callback)", () => {
  test("built during a keep-mode run, it finds a registration that already ran in it, which is then not linked back", () => {
    const { registry, log, add } = setup();
    const first = (): void => void log.push("first");
    add(() => {
      log.push("second");
      // `first` ran before this (LIFO): it is out of the stack, waiting to be linked back.
      log.push(`unregistered ${registry.removeAll(first)}`);
    });
    add(first);
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["first", "second", "unregistered 1"]);
    expect(registry.size).toBe(1);
    runNow(registry, hidden, { keep: true });
    expect(log.slice(3)).toEqual(["second", "unregistered 0"]);
  });

  test("built after registrations of the same callback, it counts each; later ones join it", () => {
    const { registry, add } = setup();
    const flush = (): void => {};
    add(flush);
    add(flush, { last: true });
    expect(registry.removeAll(() => {})).toBe(0);
    add(flush);
    expect(registry.removeAll(flush)).toBe(3);
    expect(registry.size).toBe(0);
    add(flush);
    expect(registry.removeAll(flush)).toBe(1);
  });

  test("clear() during a keep-mode run also removes what ran and what waits for the next run", () => {
    const { registry, log, add } = setup();
    let again = true;
    const repeat = (): void => {
      log.push("repeat");
      // Registered again after it ran: deferred to the next run.
      if (again) add(repeat);
      again = false;
    };
    add(() => {
      log.push("clear");
      registry.clear();
    });
    add(repeat);
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["repeat", "clear"]);
    expect(registry.size).toBe(0);
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["repeat", "clear"]);
  });
});

describe("an episode (a page hide): runNow with `episode` runs the callbacks once per trigger", () => {
  test("called again with the same trigger outside a run, nothing runs; a new trigger runs them again", () => {
    const { registry, log, add } = setup();
    add(() => void log.push("a"));
    const episode: Trigger = { ...hidden };
    expect(runNow(registry, episode, { keep: true, episode: true })).toEqual({ failed: false, exitRequested: false, exitCode: undefined });
    runNow(registry, episode, { keep: true, episode: true });
    expect(log).toEqual(["a"]);
    runNow(registry, { ...hidden }, { keep: true, episode: true });
    expect(log).toEqual(["a", "a"]);
  });

  test("without `episode`, the same trigger runs them every time", () => {
    const { registry, log, add } = setup();
    add(() => void log.push("a"));
    runNow(registry, hidden, { keep: true });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["a", "a"]);
  });

  test("a call with the episode's trigger nested in the run carries on with the callbacks not run yet", () => {
    const { registry, log, add } = setup();
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
    const { registry, log, add } = setup();
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
    const { registry, add } = setup();
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

describe("the loop guard (a callback registered during the run)", () => {
  test("a new callback registered during the run runs in it; one that already ran, registered again, waits for the next run", () => {
    const { registry, add } = setup();
    const log: string[] = [];
    const A = (): void => {
      log.push("A");
      add(A);
    };
    const C = (): void => void log.push("C");
    const B = (): void => {
      log.push("B");
      add(C);
      // B ran before the guard needed to know: registered again, it still waits.
      add(B);
    };
    add(A);
    add(B);
    runNow(registry, manual);
    expect(log).toEqual(["B", "C", "A"]);
    // B and A, registered again after they ran, are left for the next run: LIFO there, A (registered last) first.
    expect(registry.size).toBe(2);
    runNow(registry, manual);
    expect(log).toEqual(["B", "C", "A", "A", "B", "C"]);
  });
});
