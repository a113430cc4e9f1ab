// The time module (src/time.ts): the error a timeout is (a DOMException named
// TimeoutError where the host has one, else an Error of that name, printed
// as one line either way), seen through a run that times out; and
// settleWithin, which awaits deferred work within a limit and must leave no
// timer behind to keep a program alive.
import { afterEach, describe, expect, test, vi } from "vitest";
import { printError } from "../../../src/report.ts";
import { runAwaited } from "../../../src/run.ts";
import { settleWithin } from "../../../src/time.ts";
import { manual, setupWithSpy } from "../fresh-registry.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("the timeout error", () => {
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

describe("settleWithin", () => {
  test("settleWithin leaves no timer behind once the work has settled", async () => {
    vi.useFakeTimers();
    try {
      // As defer() holds work: each promise leaves the set as it settles.
      const work = new Set<Promise<void>>();
      const done: Promise<void> = Promise.resolve().then(() => void work.delete(done));
      work.add(done);
      expect(await settleWithin(work, 10_000)).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
