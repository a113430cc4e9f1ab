// How failures are reported (src/report.ts): the callback named (its `name`
// option, else its function name, else "anonymous"), and the default onError,
// printError: one line for atexit's own timeouts, else a line naming the
// callback and the path, then the callback's own error. Reached through runs
// (src/run.ts), which hand failures to onError; what a debugging adapter
// reports of cut work is test/unit/adapters/_debug.test.ts's.
import { afterEach, describe, expect, test, vi } from "vitest";
import type { Trigger } from "../../../src/protocol.ts";
import { printError } from "../../../src/report.ts";
import { runAwaited, runNow } from "../../../src/run.ts";
import type { ExitEvent } from "../../../src/types.ts";
import { manual, setup, setupWithSpy } from "../fresh-registry.ts";

const exitTrigger: Trigger = { reason: "exit", code: 0, runtime: "node", final: true };
const signalTrigger: Trigger = { reason: "signal", code: 143, signal: "SIGTERM", runtime: "node", final: true };

afterEach(() => vi.restoreAllMocks());

describe("naming the callback", () => {
  test("onError gets the `name` option, else the function's name, else \"anonymous\"", async () => {
    const onError = vi.fn();
    const { registry, add } = setup({ onError });
    const fail = (): never => {
      throw new Error("x");
    };
    add(() => fail());
    add(fail);
    add(() => fail(), { name: "queue flush" });
    add(function closeDb() {
      fail();
    });
    await runAwaited(registry, exitTrigger);
    expect(onError.mock.calls.map((call) => call[2])).toEqual(["closeDb", "queue flush", "fail", "anonymous"]);
  });

  test("a function whose name cannot be read (a throwing Proxy trap) is reported as anonymous", () => {
    const onError = vi.fn();
    const { registry, add } = setup({ onError });
    const hostile = new Proxy(() => {
      throw new Error("x");
    }, {
      get: (target, key) => {
        if (key === "name") throw new Error("trap");
        return Reflect.get(target, key);
      },
    });
    add(hostile);
    runNow(registry, exitTrigger);
    expect(onError.mock.calls[0]?.[2]).toBe("anonymous");
  });

  test("a timeout's error names the callback and its limit", async () => {
    const onError = vi.fn();
    const { registry, add } = setup({ onError, timeout: 10 });
    add(() => new Promise(() => {}), { name: "stuck upload" });
    await runAwaited(registry, exitTrigger);
    const [error] = onError.mock.calls[0] as [Error];
    expect(error.name).toBe("TimeoutError");
    expect(error.message).toBe('exit callback "stuck upload" did not finish within 10 ms');
  });

  test("a function whose name is not a string (a static name() on a class) is reported as anonymous", () => {
    const { registry, onError, add } = setupWithSpy();
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

describe("the default report (printError)", () => {
  test("a timeout is one line, with no stack", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const { registry, add } = setup({ timeout: 10 });
    add(async function upload() {
      await new Promise(() => {});
    });
    await runAwaited(registry, exitTrigger);
    expect(printed.mock.calls).toEqual([['[atexit] exit callback "upload" did not finish within 10 ms']]);
  });

  test("a failure is one line naming the callback and the path, then the callback's own error", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const { registry, add } = setup();
    const boom = new Error("boom");
    add(function flushLogs() {
      throw boom;
    });
    await runAwaited(registry, signalTrigger);
    expect(printed.mock.calls).toEqual([['[atexit] exit callback "flushLogs" failed (on signal SIGTERM):', boom]]);
  });

  test("called without an event or name (by an older caller), it still prints one prefixed line", () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    printError("oops");
    expect(printed.mock.calls).toEqual([['[atexit] exit callback "anonymous" failed:', "oops"]]);
  });

  test("the default onError prints to stderr with the [atexit] prefix", () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const { registry, add } = setup();
    expect(registry.config.onError).toBe(printError);
    const boom = new Error("boom");
    add(() => {
      throw boom;
    });
    runNow(registry, manual);
    expect(printed).toHaveBeenCalledTimes(1);
    expect(printed.mock.calls[0]?.[0]).toMatch(/^\[atexit\]/);
    expect(printed.mock.calls[0]).toContain(boom);
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
