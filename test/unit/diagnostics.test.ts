// How failures are reported: the callback named (its `name` option, else its
// function name), one line for a timeout, the callback's own error after the
// line for a failure, the name passed to onError; and the debugging report
// of async work a synchronous path cuts (an adapter with `debug`).
import { printCut } from "../../adapters/_debug.ts";
import { afterEach, describe, expect, test, vi } from "vitest";
import { runAwaited, runNow } from "../../src/run.ts";
import type { Adapter, Trigger } from "../../src/protocol.ts";
import { registrationOf } from "../../src/api.ts";
import { defaultConfig } from "../../src/config.ts";
import { Registry } from "../../src/registry.ts";
import { printError } from "../../src/report.ts";
import type { AtexitConfig, ExitCallback, ExitEvent } from "../../src/types.ts";

const exitTrigger: Trigger = { reason: "exit", code: 0, runtime: "node", final: true };
const signalTrigger: Trigger = { reason: "signal", code: 143, signal: "SIGTERM", runtime: "node", final: true };

function setup(config: Partial<AtexitConfig> = {}, adapter: Adapter = { runtime: "node", install: () => {} }) {
  const registry = new Registry();
  registry.config = Object.freeze({ ...defaultConfig, ...config });
  return { registry, add: (fn: ExitCallback, options = {}) => registry.add(fn, options, adapter) };
}

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

describe("debugging reports (an adapter that reports cut work, as the server adapters do with ATEXIT_DEBUG)", () => {
  const events: ExitEvent[] = [];
  const asyncCallback = async function upload(event: ExitEvent): Promise<void> {
    events.push(event);
  };

  test("a promise returned on a synchronous path is reported as cut work", () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const { registry, add } = setup({}, { runtime: "node", install: () => {}, reportCut: printCut });
    add(asyncCallback);
    add(() => "not a promise");
    runNow(registry, exitTrigger);
    expect(printed.mock.calls).toEqual([
      ['[atexit] exit callback "upload" returned a promise on exit, which cannot wait: its async work is cut'],
    ]);
  });

  test("quiet without debug, and quiet on awaited paths", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const quiet = setup();
    quiet.add(asyncCallback);
    runNow(quiet.registry, exitTrigger);
    const awaited = setup({}, { runtime: "node", install: () => {}, reportCut: printCut });
    awaited.add(asyncCallback);
    await runAwaited(awaited.registry, exitTrigger);
    expect(printed).not.toHaveBeenCalled();
  });
});
