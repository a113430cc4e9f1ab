// Deno's host (adapters/_deno.ts), as its adapter hands it to the engine,
// against a fake Deno (signal listeners bound to resources as Deno binds them)
// and a fake node:process, with web events on a stand-in for globalThis and
// exit paths that only record: each row of the file's table (which listener is
// added for which event, and which exit path it takes), the parts of the host
// the engine reads (status, end, kill, the flush through node:process, the
// debug switch asked only with the permission, Windows), the crash report as
// Deno prints it, and who owns a signal, counted on node:process or probed in
// Deno's resource table. Deno runs every exit path for real in
// test/e2e/deno.test.ts.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { denoAdapter, getDeno } from "../../../adapters/_deno.ts";
import { serverAdapter } from "../../../adapters/_engine.ts";
import type { ServerHost } from "../../../adapters/_host.ts";
import type { DenoLike } from "../../../adapters/types/deno.ts";
import type { ProcessLike } from "../../../adapters/types/process.ts";
import { defaultConfig } from "../../../src/config.ts";
import type { AtexitConfig } from "../../../src/types.ts";
import { type FakeProcess, fakePaths, fakeProcess, fakeStream, withProcess } from "./fake-process.ts";

// The engine as it is, watched: the host Deno's adapter hands it is what these tests drive.
vi.mock("../../../adapters/_engine.ts", async (importOriginal) => {
  const engine = await importOriginal<typeof import("../../../adapters/_engine.ts")>();
  return { ...engine, serverAdapter: vi.fn(engine.serverAdapter) };
});

/** The host Deno's adapter makes for `deno`, with `proc` as the node:process it finds at its making. */
function denoHost(deno: DenoLike, proc: ProcessLike | undefined): ServerHost {
  withProcess(proc, () => denoAdapter(deno));
  const host = vi.mocked(serverAdapter).mock.lastCall?.[0];
  if (!host) throw new Error("no host made");
  return host;
}

/** globalThis's web events, where the host adds and removes its listeners (Node's globalThis has none). */
let target: EventTarget;
beforeEach(() => {
  target = new EventTarget();
  vi.stubGlobal("addEventListener", target.addEventListener.bind(target));
  vi.stubGlobal("removeEventListener", target.removeEventListener.bind(target));
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

type FakeDeno = DenoLike & {
  readonly calls: string[];
  /** The listeners of each signal, in order. */
  readonly signals: Map<string, Array<() => void>>;
  /** Calls every listener of `signal`, as Deno does in one loop. */
  raise(signal: string): void;
};

/**
 * A Deno on Linux, pid 4321, whose exit, kill and signal listeners are
 * recorded in `calls`. As Deno does (runtime/js/40_signals.js), a signal is
 * bound to a resource, with a new id, while it has any listener, and freed
 * with the last; `core.resources()` lists them beside a resource of another
 * kind, under `Deno.internal`, unless `internals` says otherwise.
 */
function fakeDeno(fields: Partial<DenoLike> & { internals?: unknown } = {}): FakeDeno {
  const calls: string[] = [];
  const signals = new Map<string, Array<() => void>>();
  const bound = new Map<string, number>();
  let nextRid = 3;
  const internal = Symbol("Deno.internal");
  const { internals, ...own } = fields;
  const resources = (): Record<string, string> => {
    const table: Record<string, string> = { "0": "stdin", "1": "stdout" };
    for (const rid of bound.values()) table[String(rid)] = "signal";
    return table;
  };
  const deno = {
    calls,
    signals,
    pid: 4321,
    exitCode: 0,
    build: { os: "linux" },
    internal,
    [internal]: "internals" in fields ? internals : { core: { resources } },
    addSignalListener: (signal: string, listener: () => void) => {
      calls.push(`addSignalListener ${signal}`);
      signals.set(signal, [...(signals.get(signal) ?? []), listener]);
      if (!bound.has(signal)) bound.set(signal, nextRid++);
    },
    removeSignalListener: (signal: string, listener: () => void) => {
      calls.push(`removeSignalListener ${signal}`);
      const left = (signals.get(signal) ?? []).filter((each) => each !== listener);
      signals.set(signal, left);
      if (left.length === 0) bound.delete(signal);
    },
    raise: (signal: string) => {
      for (const listener of signals.get(signal) ?? []) listener();
    },
    kill: (pid: number, signal: string) => void calls.push(`kill ${pid} ${signal}`),
    exit: (code?: number) => void calls.push(`exit ${code}`),
    ...own,
  };
  return deno as unknown as FakeDeno;
}

/**
 * Deno's host over a fake Deno (and `proc` as its node:process), listening
 * with `config`: `calls` holds what the listeners asked of the paths.
 */
function listening(
  config: Partial<AtexitConfig> = {},
  options: { deno?: FakeDeno; proc?: FakeProcess | null; paths?: Parameters<typeof fakePaths>[1] } = {},
) {
  const deno = options.deno ?? fakeDeno();
  const proc = options.proc === null ? undefined : (options.proc ?? fakeProcess());
  const calls: string[] = [];
  const paths = fakePaths(calls, options.paths);
  const host = denoHost(deno, proc);
  const remove = host.listen(paths, { ...defaultConfig, ...config });
  return { deno, proc, calls, paths, host, remove };
}

const boom = new Error("boom");

/** A cancelable web event of `type`, with the fields an ErrorEvent or PromiseRejectionEvent has. */
const webEvent = (type: string, fields: Record<string, unknown> = {}): Event =>
  Object.assign(new Event(type, { cancelable: true }), fields);

describe("getDeno", () => {
  test("globalThis.Deno, where there is one", () => {
    expect(getDeno()).toBeUndefined();
    const deno = fakeDeno();
    vi.stubGlobal("Deno", deno);
    expect(getDeno()).toBe(deno);
  });
});

describe("denoAdapter", () => {
  test("named deno, flushing through the node:process it found at its making", async () => {
    const calls: string[] = [];
    const proc = fakeProcess({ stdout: fakeStream(calls, "stdout", 2) });
    const deno = fakeDeno({ exit: ((code?: number) => void calls.push(`exit ${code}`)) as DenoLike["exit"] });
    const adapter = withProcess(proc, () => denoAdapter(deno));
    expect(adapter.runtime).toBe("deno");
    await adapter.exitProcess?.(4);
    expect(calls).toEqual(['write stdout ""', "exit 4"]);
  });
});

describe("the listeners (the table's rows)", () => {
  test("one per web event, one per signal through Deno, and node:process `exit` kept last", () => {
    const { deno, proc } = listening();
    expect(deno.calls).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU"].map((signal) => `addSignalListener ${signal}`));
    expect(proc?.eventNames()).toEqual(["exit", "newListener"]);
  });

  test("node:process `internalMessage`, with an IPC channel: stop() for node:cluster's disconnect", () => {
    const { proc, calls } = listening({}, { proc: fakeProcess({ channel: {} }) });
    proc?.emit("internalMessage", { cmd: "NODE_CLUSTER", act: "newconn" });
    expect(calls).toEqual([]);
    proc?.emit("internalMessage", { cmd: "NODE_CLUSTER", act: "disconnect", seq: 0 });
    expect(calls).toEqual(["stop"]);
  });

  test("the extra signals too; on Windows only SIGINT and SIGBREAK", () => {
    expect(listening({ extraSignals: ["SIGQUIT"] }).deno.calls).toContain("addSignalListener SIGQUIT");
    const windows = listening({ extraSignals: ["SIGQUIT"] }, { deno: fakeDeno({ build: { os: "windows" } }) });
    expect(windows.deno.calls).toEqual(["addSignalListener SIGINT", "addSignalListener SIGBREAK"]);
  });

  test("beforeunload (the event loop is empty): natural(), the event cancelled once so the callbacks can be awaited", () => {
    const { calls } = listening();
    const event = webEvent("beforeunload");
    target.dispatchEvent(event);
    expect(calls).toEqual(["natural"]);
    expect(event.defaultPrevented).toBe(true);
  });

  test("beforeunload once the program is ending: not cancelled, so the program ends", () => {
    const { calls } = listening({}, { paths: { natural: undefined } });
    const event = webEvent("beforeunload");
    target.dispatchEvent(event);
    expect(calls).toEqual(["natural"]);
    expect(event.defaultPrevented).toBe(false);
  });

  test("unload (Deno.exit(), the natural end): last() with Deno.exitCode", () => {
    const { deno, calls } = listening();
    deno.exitCode = 4;
    target.dispatchEvent(webEvent("unload"));
    expect(calls).toEqual(["last 4"]);
  });

  test("node:process exit (process.exit()): last() with Deno.exitCode, as an application's later `exit` listener leaves it", async () => {
    const { deno, proc, calls } = listening();
    proc?.on("exit", () => void (deno.exitCode = 6));
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    proc?.emit("exit", 0);
    expect(calls).toEqual(["last 6"]);
  });

  test.each([
    ["error", "exception", { error: boom }],
    ["unhandledrejection", "rejection", { reason: boom }],
  ])("%s: crash() with reason %s, then last(1), the event left to Deno", (type, reason, fields) => {
    const { calls } = listening();
    const event = webEvent(type, fields);
    target.dispatchEvent(event);
    expect(calls).toEqual([`crash ${reason} boom`, "last 1"]);
    expect(event.defaultPrevented).toBe(false);
  });

  test.each(["error", "unhandledrejection"])("%s the application cancelled: no crash, Deno goes on", (type) => {
    target.addEventListener(type, (event) => event.preventDefault());
    const { calls } = listening({ awaitCrash: true });
    target.dispatchEvent(webEvent(type, { error: boom, reason: boom }));
    expect(calls).toEqual([]);
  });

  // Deno calls node:process listeners after the web event's: an uncaughtException
  // one takes an error and a rejection, an unhandledRejection one a rejection.
  test.each([
    ["error", "uncaughtException"],
    ["unhandledrejection", "uncaughtException"],
    ["unhandledrejection", "unhandledRejection"],
  ])("%s the application handles through node:process %s: no crash, Deno goes on", (type, name) => {
    const { proc, calls } = listening({ awaitCrash: true });
    proc?.on(name, () => {});
    const event = webEvent(type, { error: boom, reason: boom });
    target.dispatchEvent(event);
    expect(calls).toEqual([]);
    expect(event.defaultPrevented).toBe(false);
  });

  test("error beside the application's node:process unhandledRejection listener: still a crash (that one takes rejections only)", () => {
    const { proc, calls } = listening();
    proc?.on("unhandledRejection", () => {});
    target.dispatchEvent(webEvent("error", { error: boom }));
    expect(calls).toEqual(["crash exception boom", "last 1"]);
  });

  test("without node:process: the event alone says whether the application handles it", () => {
    const { calls } = listening({}, { proc: null });
    target.dispatchEvent(webEvent("unhandledrejection", { reason: boom }));
    expect(calls).toEqual(["crash rejection boom", "last 1"]);
  });

  test.each([
    ["error", "exception", { error: boom }],
    ["unhandledrejection", "rejection", { reason: boom }],
  ])("%s with awaitCrash: awaitCrash() with reason %s, and the event cancelled: the engine ends the program", (type, reason, fields) => {
    const { calls } = listening({ awaitCrash: true });
    const event = webEvent(type, fields);
    target.dispatchEvent(event);
    expect(calls).toEqual([`awaitCrash ${reason} boom`]);
    expect(event.defaultPrevented).toBe(true);
  });

  test("error with awaitCrash while the program is already ending: it ends synchronously, as without", () => {
    const { calls } = listening({ awaitCrash: true }, { paths: { awaitCrash: false } });
    const event = webEvent("error", { error: boom });
    target.dispatchEvent(event);
    expect(calls).toEqual(["awaitCrash exception boom", "crash exception boom", "last 1"]);
    expect(event.defaultPrevented).toBe(false);
  });

  test("each signal: signal() with its own name", () => {
    const { deno, calls } = listening({ extraSignals: ["SIGQUIT"] });
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", "SIGQUIT"]) deno.raise(signal);
    expect(calls).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", "SIGQUIT"].map((signal) => `signal ${signal}`));
  });

  test("without a node:process, the rest is the same", () => {
    const { deno, calls } = listening({}, { proc: null });
    target.dispatchEvent(webEvent("unload"));
    deno.raise("SIGTERM");
    expect(calls).toEqual(["last 0", "signal SIGTERM"]);
  });
});

describe("removal", () => {
  test("every listener goes: web events, signals, node:process `exit` and newListener", async () => {
    const { deno, proc, calls, remove } = listening({ extraSignals: ["SIGQUIT"] });
    remove();
    for (const type of ["beforeunload", "unload", "error", "unhandledrejection"]) target.dispatchEvent(webEvent(type, { error: boom }));
    for (const signal of deno.signals.keys()) deno.raise(signal);
    expect(calls).toEqual([]);
    expect([...deno.signals.values()].flat()).toEqual([]);
    expect(proc?.eventNames()).toEqual([]);
    proc?.on("exit", () => {});
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    expect(proc?.listenerCount("exit")).toBe(1);
  });

  test("the internalMessage listener too", () => {
    const { proc, calls, remove } = listening({}, { proc: fakeProcess({ channel: {} }) });
    remove();
    proc?.emit("internalMessage", { act: "disconnect" });
    expect(calls).toEqual([]);
    expect(proc?.eventNames()).toEqual([]);
  });

  test("without a node:process too", () => {
    const { deno, remove } = listening({}, { proc: null });
    remove();
    expect([...deno.signals.values()].flat()).toEqual([]);
  });
});

describe("the host's parts the engine reads", () => {
  test("runtime, pid, Windows, and the signals Deno cannot die by once listened to", () => {
    const host = denoHost(fakeDeno(), undefined);
    expect(host).toMatchObject({ runtime: "deno", pid: 4321, windows: false, unraisable: ["SIGPWR", "SIGSTKFLT", "SIGIO"] });
    expect(denoHost(fakeDeno({ build: { os: "windows" } }), undefined).windows).toBe(true);
    expect(denoHost(fakeDeno({ build: { os: "darwin" } }), undefined).windows).toBe(false);
  });

  test("the status is Deno.exitCode, read and set", () => {
    const deno = fakeDeno();
    const host = denoHost(deno, undefined);
    deno.exitCode = 3;
    expect(host.code()).toBe(3);
    expect(host.setCode(5)).toBeUndefined();
    expect(deno.exitCode).toBe(5);
  });

  test("exit and kill are Deno's", () => {
    const deno = fakeDeno();
    const host = denoHost(deno, undefined);
    host.exit(2);
    host.kill(99, "SIGTERM");
    expect(deno.calls).toEqual(["exit 2", "kill 99 SIGTERM"]);
  });

  test("the flush waits for what was written through node:process", async () => {
    const calls: string[] = [];
    await denoHost(fakeDeno(), fakeProcess({ stdout: fakeStream(calls, "stdout", 1), stderr: fakeStream(calls, "stderr", 1) })).flush();
    expect(calls).toEqual(['write stdout ""', 'write stderr ""']);
  });

  test("the flush through node:process is bounded at 2 s", async () => {
    vi.useFakeTimers();
    let done = false;
    void denoHost(fakeDeno(), fakeProcess({ stdout: fakeStream([], "stdout", 1, true) }))
      .flush()
      .then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });

  test("without a node:process, nothing to flush", async () => {
    vi.useFakeTimers();
    const flushed = denoHost(fakeDeno(), undefined).flush();
    expect(vi.getTimerCount()).toBe(0);
    await expect(flushed).resolves.toBeUndefined();
  });
});

describe("the debug switch: ATEXIT_DEBUG, read only with the permission", () => {
  /** A Deno whose env permission for ATEXIT_DEBUG is `state`, with ATEXIT_DEBUG `value`; what is asked goes in `asked`. */
  function permitted(state: string, value: string | undefined, asked: unknown[] = []): FakeDeno {
    return fakeDeno({
      permissions: {
        querySync: (descriptor) => {
          asked.push(descriptor);
          return { state };
        },
      },
      env: {
        get: (name) => {
          asked.push(name);
          return name === "ATEXIT_DEBUG" ? value : "1";
        },
      },
    });
  }

  test("granted, and set: on; the permission is asked for that variable alone, before reading it", () => {
    const asked: unknown[] = [];
    expect(denoHost(permitted("granted", "1", asked), undefined).debug).toBe(true);
    expect(asked).toEqual([{ name: "env", variable: "ATEXIT_DEBUG" }, "ATEXIT_DEBUG"]);
  });

  test.each([
    ["granted, set to 0", "granted", "0"],
    ["granted, unset", "granted", undefined],
  ])("%s: off", (_, state, value) => {
    expect(denoHost(permitted(state, value), undefined).debug).toBe(false);
  });

  test.each(["prompt", "denied"])("%s: off, and the variable is not read (it would prompt, or throw)", (state) => {
    const asked: unknown[] = [];
    expect(denoHost(permitted(state, "1", asked), undefined).debug).toBe(false);
    expect(asked).toEqual([{ name: "env", variable: "ATEXIT_DEBUG" }]);
  });

  test("a query that throws: off", () => {
    const deno = fakeDeno({
      permissions: {
        querySync: () => {
          throw new Error("PermissionDenied");
        },
      },
      env: { get: () => "1" },
    });
    expect(denoHost(deno, undefined).debug).toBe(false);
  });

  test("no permissions API: off", () => {
    expect(denoHost(fakeDeno({ env: { get: () => "1" } }), undefined).debug).toBe(false);
  });
});

describe("the crash report, as Deno prints it", () => {
  function printed(host: ServerHost, reason: "exception" | "rejection", error: unknown): unknown[][] {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    host.printCrash(reason, error);
    const calls = spy.mock.calls;
    spy.mockRestore();
    return calls;
  }

  test("an error: its stack; a rejection says so", () => {
    const host = denoHost(fakeDeno(), undefined);
    const error = Object.assign(new Error("boom"), { stack: "Error: boom\n    at main.ts:1:1" });
    expect(printed(host, "exception", error)).toEqual([["error: Uncaught Error: boom\n    at main.ts:1:1"]]);
    expect(printed(host, "rejection", error)).toEqual([["error: Uncaught (in promise) Error: boom\n    at main.ts:1:1"]]);
  });

  test("anything else, or an error without a stack: as Deno.inspect shows it", () => {
    const host = denoHost(fakeDeno({ inspect: (value) => `<${typeof value}>` }), undefined);
    expect(printed(host, "rejection", 42)).toEqual([["error: Uncaught (in promise) <number>"]]);
    expect(printed(host, "exception", Object.assign(new Error("boom"), { stack: "" }))).toEqual([["error: Uncaught <object>"]]);
  });

  test("without Deno.inspect: as a string", () => {
    expect(printed(denoHost(fakeDeno(), undefined), "exception", "oops")).toEqual([["error: Uncaught oops"]]);
  });
});

describe("who owns a signal", () => {
  test("a node:process listener of the application's: the application, at once", () => {
    const proc = fakeProcess();
    const { host } = listening({}, { proc });
    proc.on("SIGINT", () => {});
    expect(host.appOwns("SIGINT")).toBe(true);
  });

  test("node:process listeners that are all signal-exit's: not the application, at once (they would hide a Deno one)", () => {
    const proc = fakeProcess({ __signal_exit_emitter__: { count: 1 } });
    const { deno, host } = listening({}, { proc });
    proc.on("SIGINT", () => {});
    deno.addSignalListener("SIGINT", () => {});
    expect(host.appOwns("SIGINT")).toBe(false);
  });

  test("a Deno listener of the application's, added before or after ours: seen in the resource table", async () => {
    const { deno, host } = listening();
    deno.addSignalListener("SIGTERM", () => {});
    await expect(host.appOwns("SIGTERM")).resolves.toBe(true);
    const before = fakeDeno();
    before.addSignalListener("SIGTERM", () => {});
    await expect(listening({}, { deno: before }).host.appOwns("SIGTERM")).resolves.toBe(true);
  });

  test("ours alone: not the application's, and ours is still listening afterwards", async () => {
    const { deno, host, calls } = listening();
    await expect(host.appOwns("SIGTERM")).resolves.toBe(false);
    deno.raise("SIGTERM");
    expect(calls).toEqual(["signal SIGTERM"]);
  });

  test("the probe waits for Deno's loop over the signal's listeners to be over", async () => {
    const { deno, host } = listening();
    deno.calls.length = 0;
    const owned = host.appOwns("SIGTERM");
    expect(deno.calls).toEqual([]);
    await owned;
    expect(deno.calls).toEqual(["removeSignalListener SIGTERM", "addSignalListener SIGTERM"]);
  });

  test("without a node:process, Deno's listeners still count", async () => {
    const { deno, host } = listening({}, { proc: null });
    deno.addSignalListener("SIGHUP", () => {});
    await expect(host.appOwns("SIGHUP")).resolves.toBe(true);
  });

  test("a signal we do not listen to, or before our install: nothing probed, not the application's", async () => {
    const deno = fakeDeno();
    deno.addSignalListener("SIGTERM", () => {});
    await expect(denoHost(deno, undefined).appOwns("SIGTERM")).resolves.toBe(false);
    const { host } = listening({}, { deno });
    deno.calls.length = 0;
    await expect(host.appOwns("SIGQUIT")).resolves.toBe(false);
    expect(deno.calls).toEqual([]);
  });

  test("listeners removed before the probe runs stay removed: the probe sees nothing of ours", async () => {
    const deno = fakeDeno();
    const host = denoHost(deno, undefined);
    const remove = host.listen(fakePaths([]), defaultConfig);
    const owned = host.appOwns("SIGTERM");
    // An application's own signal listener that empties the registry does this in the same turn.
    remove();
    await expect(owned).resolves.toBe(false);
    expect(deno.signals.get("SIGTERM")).toEqual([]);
  });

  test("a reinstall probes with the listener it added", async () => {
    const deno = fakeDeno();
    const host = denoHost(deno, undefined);
    host.listen(fakePaths([]), defaultConfig)();
    const calls: string[] = [];
    host.listen(fakePaths(calls), defaultConfig);
    await expect(host.appOwns("SIGTERM")).resolves.toBe(false);
    deno.raise("SIGTERM");
    expect(calls).toEqual(["signal SIGTERM"]);
    expect(deno.signals.get("SIGTERM")).toHaveLength(1);
  });

  test.each([
    ["no Deno.internal", { internal: undefined }],
    ["no internals under it", { internals: undefined }],
    ["no core", { internals: {} }],
    ["no resource table", { internals: { core: {} } }],
  ])("a resource table that cannot be read (%s): nothing is seen, and ours is left alone", async (_, fields) => {
    const deno = fakeDeno(fields as Partial<DenoLike>);
    deno.addSignalListener("SIGTERM", () => {});
    const { host } = listening({}, { deno });
    deno.calls.length = 0;
    await expect(host.appOwns("SIGTERM")).resolves.toBe(false);
    expect(deno.calls).toEqual([]);
  });
});
