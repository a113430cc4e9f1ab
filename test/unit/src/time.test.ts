// The time module (src/time.ts): the error a timeout is (a DOMException named
// TimeoutError where the host has one, else an Error of that name, printed
// as one line either way), on its own and seen through a run that times out;
// and the bounded waits the run and the helpers share (a turn, a sleep a
// signal cuts short, whether a promise settled in time, a deadline over a set
// of promises), each of which must end when it says and leave no timer or
// listener behind to keep a program alive. Fake timers drive them, so a wait
// that would never end fails its assertion at once instead of hanging.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, test, vi } from "vitest";
import { printError } from "../../../src/report.ts";
import { runAwaited } from "../../../src/run.ts";
import { nextTurn, settled, sleep, timeoutError, within } from "../../../src/time.ts";
import { manual, setupWithSpy } from "../fresh-registry.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/** `promise`'s state now, once the microtasks already queued have run (never waits for a timer). */
async function stateOf(promise: Promise<unknown>): Promise<"pending" | "fulfilled" | "rejected"> {
  let state: "pending" | "fulfilled" | "rejected" = "pending";
  promise.then(
    () => void (state = "fulfilled"),
    () => void (state = "rejected"),
  );
  for (let turn = 0; turn < 10; turn++) await Promise.resolve();
  return state;
}

const never = (): Promise<never> => new Promise(() => {});

describe("the timeout error", () => {
  test("where DOMException exists, timeoutError() is a DOMException named TimeoutError, with the message", () => {
    const error = timeoutError("too slow");
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe("TimeoutError");
    expect(error.message).toBe("too slow");
  });

  test("without DOMException, timeoutError() is an Error named TimeoutError, with the message", () => {
    vi.stubGlobal("DOMException", undefined);
    const error = timeoutError("too slow");
    expect(error.constructor).toBe(Error);
    expect(error.name).toBe("TimeoutError");
    expect(error.message).toBe("too slow");
  });

  test("where DOMException exists, a timeout is a DOMException named TimeoutError", async () => {
    const { registry, onError, add } = setupWithSpy({ timeout: 10 });
    add(() => new Promise(() => {}));
    await runAwaited(registry, manual);
    const error = onError.mock.calls[0]?.[0] as Error;
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe("TimeoutError");
  });

  test("without DOMException (an older or bare host), it is an Error named TimeoutError, still printed as one line", async () => {
    vi.stubGlobal("DOMException", undefined);
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const { registry, add } = setupWithSpy({ timeout: 10, onError: printError });
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

describe("nextTurn", () => {
  test("resolves after the timers already due, and not before", async () => {
    vi.useFakeTimers();
    const log: string[] = [];
    setTimeout(() => log.push("due"), 0);
    const turn = nextTurn().then(() => void log.push("turn"));
    expect(await stateOf(turn)).toBe("pending");
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(["due", "turn"]);
  });
});

describe("sleep", () => {
  test("resolves after ms, not before", async () => {
    vi.useFakeTimers();
    const slept = sleep(100);
    await vi.advanceTimersByTimeAsync(99);
    expect(await stateOf(slept)).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(slept)).toBe("fulfilled");
  });

  test("0 or less resolves at once, with no timer", async () => {
    vi.useFakeTimers();
    for (const ms of [0, -1]) {
      expect(await stateOf(sleep(ms))).toBe("fulfilled");
      expect(vi.getTimerCount()).toBe(0);
    }
  });

  test("an already aborted signal resolves it at once, with no timer", async () => {
    vi.useFakeTimers();
    expect(await stateOf(sleep(1000, AbortSignal.abort()))).toBe("fulfilled");
    expect(vi.getTimerCount()).toBe(0);
  });

  test("the signal cuts it short: it resolves, and leaves neither its timer nor its listener behind", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const slept = sleep(10_000, controller.signal);
    expect(await stateOf(slept)).toBe("pending");
    controller.abort();
    expect(await stateOf(slept)).toBe("fulfilled");
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  test("one that ends by its timer leaves no listener on the signal (a poll loop sleeps on one deadline many times)", async () => {
    vi.useFakeTimers();
    const deadline = new AbortController().signal;
    for (let poll = 0; poll < 3; poll++) {
      const slept = sleep(20, deadline);
      await vi.advanceTimersByTimeAsync(20);
      expect(await stateOf(slept)).toBe("fulfilled");
    }
    expect(getEventListeners(deadline, "abort")).toHaveLength(0);
  });

  test("2³¹ ms or more starts no timer (setTimeout would overflow it to 1 ms): only the signal ends it", async () => {
    // Real timers: the overflow is the host's, which fake timers need not copy.
    // The module is loaded afresh here, so that the limit it computes as it
    // loads is computed inside this test (a mutation run's changes to it are
    // only active while a test runs).
    vi.resetModules();
    const fresh = await import("../../../src/time.ts");
    const controller = new AbortController();
    const slept = fresh.sleep(2 ** 31, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await stateOf(slept)).toBe("pending");
    controller.abort();
    expect(await stateOf(slept)).toBe("fulfilled");
  });
});

describe("settled", () => {
  test("true once the promise fulfils, without waiting out ms", async () => {
    vi.useFakeTimers();
    const answer = settled(Promise.resolve("value"), 1000);
    expect(await stateOf(answer)).toBe("fulfilled");
    expect(await answer).toBe(true);
  });

  test("true once the promise rejects: settling is what counts, and the rejection is handled", async () => {
    vi.useFakeTimers();
    const answer = settled(Promise.reject(new Error("no")), 1000);
    expect(await stateOf(answer)).toBe("fulfilled");
    expect(await answer).toBe(true);
  });

  test("false after ms for a promise that never settles", async () => {
    vi.useFakeTimers();
    const answer = settled(never(), 100);
    await vi.advanceTimersByTimeAsync(99);
    expect(await stateOf(answer)).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    expect(await answer).toBe(false);
  });

  test("false as soon as the signal aborts", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const answer = settled(never(), 10_000, controller.signal);
    controller.abort();
    expect(await stateOf(answer)).toBe("fulfilled");
    expect(await answer).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  // A timer left behind would hold a program's natural end for ms more.
  test("leaves no timer and no abort listener behind once the promise settles", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, "addEventListener");
    const removed = vi.spyOn(controller.signal, "removeEventListener");
    expect(await settled(Promise.resolve(), 10_000, controller.signal)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(removed.mock.calls).toEqual(added.mock.calls);
  });

  test("false at once for 0 ms or an aborted signal, even for a promise that has settled", async () => {
    vi.useFakeTimers();
    expect(await settled(Promise.resolve(), 0)).toBe(false);
    expect(await settled(Promise.resolve(), -5)).toBe(false);
    expect(await settled(Promise.resolve(), 100, AbortSignal.abort())).toBe(false);
    // A rejection is handled there too (vitest fails a run on an unhandled one).
    expect(await settled(Promise.reject(new Error("no")), 0)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("within", () => {
  test("resolves once every promise has settled, and leaves no timer behind", async () => {
    vi.useFakeTimers();
    let finish!: () => void;
    const waited = within([Promise.resolve(), new Promise<void>((resolve) => (finish = resolve))], 10_000);
    expect(await stateOf(waited)).toBe("pending");
    finish();
    expect(await stateOf(waited)).toBe("fulfilled");
    expect(vi.getTimerCount()).toBe(0);
  });

  test("resolves after ms when one never settles", async () => {
    vi.useFakeTimers();
    const waited = within([Promise.resolve(), never()], 100);
    await vi.advanceTimersByTimeAsync(99);
    expect(await stateOf(waited)).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(waited)).toBe("fulfilled");
  });

  test("nothing to wait for resolves at once, with no timer", async () => {
    vi.useFakeTimers();
    expect(await stateOf(within([], 100) as Promise<unknown>)).toBe("fulfilled");
    expect(vi.getTimerCount()).toBe(0);
  });
});
