// The picker (adapters/_pick.ts) that the run-time-detecting entry and the
// helpers reach a runtime through: which adapter each host gets, told from
// the realm's globals, which each test stands in for (a fake Deno, Bun, page,
// worker scope; `process` taken away for the hosts that have none). The
// picked adapter is made once per module, so each test loads the module
// afresh. Nothing is installed: an adapter only listens once a registry
// installs it. The hosts themselves run it for real in test/e2e, test/dom and
// test/browser.
import { afterEach, describe, expect, test, vi } from "vitest";
import type { Adapter } from "../../../src/protocol.ts";

const noop = (): void => {};
const page = () => ({
  document: { visibilityState: "visible", addEventListener: noop, removeEventListener: noop },
  addEventListener: noop,
  removeEventListener: noop,
});
const deno = (exitCode: number) => ({
  version: { deno: "2.0.0" },
  build: { os: "linux" },
  pid: 1,
  exitCode,
  exit: noop,
  kill: noop,
  addSignalListener: noop,
  removeSignalListener: noop,
});

/**
 * The picker's adapter on a host whose globals are `globals` over this
 * realm's, and where defer's host takes AsyncLocalStorage from: `process`
 * (node:async_hooks through it), `global` (a host global) or `loaded` (workerd's import).
 */
async function pickOn(globals: Record<string, unknown>) {
  vi.resetModules();
  const { picked, pickedDeferHost } = await import("../../../adapters/_pick.ts");
  // The instance the picker itself loaded, whose sources it hands out.
  const { processContext, globalContext, loadedContext } = await import("../../../src/defer.ts");
  const sources = new Map<unknown, string>([
    [processContext, "process"],
    [globalContext, "global"],
    [loadedContext, "loaded"],
  ]);
  // Only for the synchronous pick: the test runner itself needs `process`.
  for (const [name, value] of Object.entries(globals)) vi.stubGlobal(name, value);
  try {
    return { adapter: picked(), deferContext: sources.get(pickedDeferHost().context) };
  } finally {
    vi.unstubAllGlobals();
  }
}

const hooks = (adapter: Adapter): boolean => typeof adapter.install === "function" && typeof adapter.uninstall === "function";

afterEach(() => void vi.unstubAllGlobals());

describe("the adapter picked for each host", () => {
  test("Node: Node's process adapter, which reads process.exitCode", async () => {
    const { adapter, deferContext } = await pickOn({});
    expect(adapter.runtime).toBe("node");
    expect(hooks(adapter)).toBe(true);
    expect(typeof adapter.exitProcess).toBe("function");
    expect(deferContext).toBe("process");
  });

  test("the picked adapter is made once and kept", async () => {
    vi.resetModules();
    const { picked } = await import("../../../adapters/_pick.ts");
    expect(picked()).toBe(picked());
  });

  test("Bun: Bun's process adapter, on the same process", async () => {
    const { adapter, deferContext } = await pickOn({ Bun: {} });
    expect(adapter.runtime).toBe("bun");
    expect(hooks(adapter)).toBe(true);
    expect(deferContext).toBe("process");
  });

  test("Deno: Deno's adapter, made from the Deno global (its status is Deno.exitCode)", async () => {
    const { adapter, deferContext } = await pickOn({ Deno: deno(7) });
    expect(adapter.runtime).toBe("deno");
    expect(hooks(adapter)).toBe(true);
    expect(adapter.currentCode?.()).toBe(7);
    expect(deferContext).toBe("process");
  });

  test("a Deno global that is not Deno's (no version: a shim) leaves the host Node's", async () => {
    const { adapter } = await pickOn({ Deno: {} });
    expect(adapter.runtime).toBe("node");
    expect(hooks(adapter)).toBe(true);
  });

  test("a page whose process is real (happy-dom, jsdom, Electron): Node's adapter, not the page's", async () => {
    const { adapter } = await pickOn(page());
    expect(adapter.runtime).toBe("node");
    expect(hooks(adapter)).toBe(true);
  });

  test("a browser (a page, no process): the page adapter", async () => {
    const { adapter, deferContext } = await pickOn({ process: undefined, ...page() });
    expect(adapter.runtime).toBe("browser");
    expect(hooks(adapter)).toBe(true);
    expect(deferContext).toBe("global");
  });

  test("a web worker: the page adapter, which adds nothing there; its process, if any, is never used", async () => {
    const { adapter, deferContext } = await pickOn({ WorkerGlobalScope: function WorkerGlobalScope() {} });
    expect(adapter).toEqual({ runtime: "worker" });
    expect(deferContext).toBe("global");
  });

  test("a web worker given the page's document (Partytown proxies it into one): the page adapter listens there", async () => {
    const { adapter } = await pickOn({ WorkerGlobalScope: function WorkerGlobalScope() {}, ...page() });
    expect(adapter.runtime).toBe("browser");
    expect(hooks(adapter)).toBe(true);
  });

  test("workerd, whose Node compatibility adds a process: no exit events, and process is not read", async () => {
    const { adapter, deferContext } = await pickOn({ navigator: { userAgent: "Cloudflare-Workers" } });
    expect(adapter).toEqual({ runtime: "workerd" });
    expect(deferContext).toBe("loaded");
  });

  test("a host without a usable process (a sandbox blanked it) hooks nothing", async () => {
    const { adapter } = await pickOn({ process: { versions: { node: "20.0.0" } } });
    expect(adapter).toEqual({ runtime: "node" });
  });

  test("an unknown host hooks nothing", async () => {
    const { adapter, deferContext } = await pickOn({ process: undefined });
    expect(adapter).toEqual({ runtime: "unknown" });
    expect(deferContext).toBe("global");
  });
});

describe("ready()'s host for each host", () => {
  async function readyHostOn(globals: Record<string, unknown>) {
    vi.resetModules();
    const { pickedReadyHost } = await import("../../../adapters/_pick.ts");
    for (const [name, value] of Object.entries(globals)) vi.stubGlobal(name, value);
    try {
      return pickedReadyHost();
    } finally {
      vi.unstubAllGlobals();
    }
  }

  test("Node and Bun: the process's (its pid)", async () => {
    expect((await readyHostOn({}))?.pid).toBe(process.pid);
    expect((await readyHostOn({ Bun: {} }))?.pid).toBe(process.pid);
  });

  test("Deno: the Deno global's (its pid)", async () => {
    expect((await readyHostOn({ Deno: deno(0) }))?.pid).toBe(1);
  });

  test("a Deno global that is not Deno's (no version: a shim) leaves the host Node's", async () => {
    const { version: _, ...shim } = deno(0);
    expect((await readyHostOn({ Deno: { ...shim, pid: 7 } }))?.pid).toBe(process.pid);
  });

  test("a page, a worker, workerd, a host without a usable process: none", async () => {
    expect(await readyHostOn({ process: undefined, ...page() })).toBeUndefined();
    expect(await readyHostOn({ process: undefined, WorkerGlobalScope: function WorkerGlobalScope() {} })).toBeUndefined();
    expect(await readyHostOn({ navigator: { userAgent: "Cloudflare-Workers" } })).toBeUndefined();
    expect(await readyHostOn({ process: { versions: { node: "20.0.0" } } })).toBeUndefined();
  });

  test("the detecting entry's ready() tells PM2 through it", async () => {
    vi.resetModules();
    const { expectReadyToPm2 } = await import("./entry.ts");
    const { sharedState } = await import("../../../src/realm.ts");
    sharedState().ready = undefined;
    try {
      await expectReadyToPm2(await import("../../../adapters/auto.ts"));
    } finally {
      vi.unstubAllGlobals();
      vi.unstubAllEnvs();
      sharedState().ready = undefined;
    }
  });
});

describe("the detecting entry (adapters/auto.ts), loaded afresh, on the Node that runs the tests", () => {
  test("register, runHandlers, exit and defer reach the picked adapter", async () => {
    vi.resetModules();
    vi.useFakeTimers();
    const auto = await import("../../../adapters/auto.ts");
    const exits = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    const log: string[] = [];
    try {
      auto.register((event) => void log.push(`${event.reason} ${event.runtime}`));
      auto.defer(new Promise((resolve) => setTimeout(resolve, 10)).then(() => void log.push("deferred")));
      const running = auto.runHandlers();
      await vi.advanceTimersByTimeAsync(10);
      await running;
      auto.register(() => void log.push("at exit"));
      await auto.exit(3);
      expect(log).toEqual(["deferred", "manual node", "at exit"]);
      expect(exits).toHaveBeenCalledWith(3);
    } finally {
      auto.clear();
      vi.useRealTimers();
      vi.restoreAllMocks();
    }
  });
});

