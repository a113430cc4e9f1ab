// Node's host (adapters/_node.ts) against a fake process (an EventEmitter
// that ends and signals nothing) and exit paths that only record: each row of
// the file's table (which listener is added for which event, and which exit
// path it takes), the parts of the host the engine reads (status, end, kill,
// who owns a signal, the debug switch, Windows), the IPC channel's hold, the
// removal of everything, and Node's own quirks: the end drains stdout and
// stderr only where Node may have made them, since making them just to look
// costs milliseconds on the exit path. Node runs every exit path for real in
// test/e2e/node.test.ts.
import { afterEach, describe, expect, test, vi } from "vitest";
import { nodeAdapter, nodeQuirks, processHost, type ProcessQuirks } from "../../../adapters/_node.ts";
import { defaultConfig } from "../../../src/config.ts";
import type { AtexitConfig } from "../../../src/types.ts";
import { type FakeProcess, fakePaths, fakeProcess, fakeStream, listened } from "./fake-process.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const microtask = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

/** Quirks that record what the host asked of them in `calls`. */
function fakeQuirks(calls: string[], more: Partial<ProcessQuirks> = {}): ProcessQuirks {
  return {
    runtime: "node",
    flush: async () => void calls.push("flush"),
    printCrash: (reason, error) => void calls.push(`printCrash ${reason} ${(error as Error).message}`),
    releaseChannel: (_channel, appHeld) => void calls.push(`releaseChannel appHeld=${appHeld}`),
    ...more,
  };
}

/**
 * Node's host over a fake process with recording quirks, listening with
 * `config`: `calls` holds what the listeners asked of the paths, the quirks
 * and the process, in order.
 */
function listening(
  config: Partial<AtexitConfig> = {},
  options: { proc?: FakeProcess; quirks?: Partial<ProcessQuirks>; paths?: Parameters<typeof fakePaths>[1] } = {},
) {
  const proc = options.proc ?? fakeProcess();
  const calls = proc.calls;
  const paths = fakePaths(calls, options.paths);
  const host = processHost(proc, fakeQuirks(calls, options.quirks));
  const remove = host.listen(paths, { ...defaultConfig, ...config });
  return { proc, calls, paths, host, remove };
}

const boom = new Error("boom");

describe("the listeners (the table's rows)", () => {
  test("one per event, and newListener to keep `exit`'s last", () => {
    const { proc } = listening();
    expect(proc.eventNames()).toEqual([
      "beforeExit",
      "exit",
      "uncaughtExceptionMonitor",
      "SIGINT",
      "SIGTERM",
      "SIGHUP",
      "SIGPWR",
      "SIGXCPU",
      "newListener",
    ]);
    for (const event of proc.eventNames()) expect(proc.listenerCount(event)).toBe(1);
  });

  test("with awaitCrash, uncaughtException too; with a shutdownMessage and a channel, message too", () => {
    const { proc } = listening({ awaitCrash: true, shutdownMessage: "bye" }, { proc: fakeProcess({ channel: {} }) });
    expect(proc.eventNames()).toEqual(expect.arrayContaining(["uncaughtException", "message"]));
  });

  test("a shutdownMessage without a channel (not a forked child), or a channel without one: no message listener", () => {
    expect(listening({ shutdownMessage: "bye" }).proc.eventNames()).not.toContain("message");
    expect(listening({}, { proc: fakeProcess({ channel: {} }) }).proc.eventNames()).not.toContain("message");
  });

  test("the runtime's own listeners, given the paths, the configuration and the crash takeover", () => {
    const runtimeListener = vi.fn();
    const own = vi.fn<NonNullable<ProcessQuirks["listeners"]>>(() => [["rejectionHandled", runtimeListener]]);
    const { proc, paths } = listening({ awaitCrash: true }, { quirks: { listeners: own } });
    expect(own).toHaveBeenCalledWith({ paths, config: expect.objectContaining({ awaitCrash: true }), takeOver: expect.any(Function) });
    proc.emit("rejectionHandled", 1);
    expect(runtimeListener).toHaveBeenCalledWith(1);
  });

  test("beforeExit (the event loop is empty): natural()", () => {
    const { proc, calls } = listening();
    proc.emit("beforeExit", 0);
    expect(calls).toEqual(["natural"]);
  });

  test("beforeExit on a runtime that corrects it: its beforeExit, given the paths, in place of natural()", () => {
    const beforeExit = vi.fn();
    const { proc, calls, paths } = listening({}, { quirks: { beforeExit } });
    proc.emit("beforeExit", 0);
    expect(beforeExit).toHaveBeenCalledWith(paths);
    expect(calls).toEqual([]);
  });

  test.each([
    ["unset", undefined, 3, 3],
    ["null", null, 3, 3],
    ["a number", 9, 3, 9],
    ["0", 0, 1, 0],
    ["a numeric string", "4", 0, 4],
  ])("exit with process.exitCode %s: last() with the status the runtime ends with", (_, exitCode, eventCode, status) => {
    const { proc, calls } = listening();
    proc.exitCode = exitCode;
    proc.emit("exit", eventCode);
    expect(calls).toEqual([`last ${status}`]);
  });

  test("exit: ours stays last, so it reads the status an application's later `exit` listener sets", async () => {
    const { proc, calls } = listening();
    proc.on("exit", () => void (proc.exitCode = 9));
    await microtask();
    proc.emit("exit", 0);
    expect(calls).toEqual(["last 9"]);
  });

  test.each([
    ["uncaughtException", "exception"],
    ["unhandledRejection", "rejection"],
  ])("uncaughtExceptionMonitor from %s: crash() with reason %s", (origin, reason) => {
    const { proc, calls } = listening();
    proc.emit("uncaughtExceptionMonitor", boom, origin);
    expect(calls).toEqual([`crash ${reason} boom`]);
  });

  test("an application's uncaughtException listener keeps the process alive: no crash, whether from an exception or a rejection", () => {
    // Node hands that listener unhandled rejections too (origin unhandledRejection) and lives on.
    const { proc, calls } = listening();
    proc.on("uncaughtException", () => {});
    proc.emit("uncaughtExceptionMonitor", boom, "uncaughtException");
    proc.emit("uncaughtExceptionMonitor", boom, "unhandledRejection");
    expect(calls).toEqual([]);
  });

  test("with awaitCrash, our own uncaughtException listener is not the application's", () => {
    const { proc, calls } = listening({ awaitCrash: true });
    proc.emit("uncaughtExceptionMonitor", boom, "uncaughtException");
    expect(calls).toEqual(["crash exception boom"]);
    proc.on("uncaughtException", () => {});
    proc.emit("uncaughtExceptionMonitor", boom, "uncaughtException");
    expect(calls).toEqual(["crash exception boom"]);
  });

  test.each([
    ["uncaughtException", "exception"],
    ["unhandledRejection", "rejection"],
  ])("uncaughtException (awaitCrash) from %s: awaitCrash() with reason %s, and nothing more while it takes it", (origin, reason) => {
    const { proc, calls } = listening({ awaitCrash: true });
    proc.emit("uncaughtException", boom, origin);
    expect(calls).toEqual([`awaitCrash ${reason} boom`]);
  });

  test("uncaughtException (awaitCrash) while the program is already ending: the runtime's report, then status 1", () => {
    const { proc, calls } = listening({ awaitCrash: true }, { paths: { awaitCrash: false } });
    proc.emit("uncaughtException", boom, "uncaughtException");
    expect(calls).toEqual(["awaitCrash exception boom", "printCrash exception boom", "exit 1"]);
  });

  test("uncaughtException (awaitCrash) that an application's listener handles: left to it", () => {
    const { proc, calls } = listening({ awaitCrash: true });
    proc.on("uncaughtException", () => {});
    proc.emit("uncaughtException", boom, "uncaughtException");
    expect(calls).toEqual([]);
  });

  test("message: message(), with what was sent", () => {
    const { proc, calls } = listening({ shutdownMessage: "bye" }, { proc: fakeProcess({ channel: {} }) });
    proc.emit("message", "hello");
    proc.emit("message", "bye");
    expect(calls).toEqual(["releaseChannel appHeld=false", "message hello", "message bye"]);
  });

  test("internalMessage, with an IPC channel: stop() for node:cluster's disconnect (Node's shape and Bun's), nothing for the others", () => {
    const { proc, calls } = listening({}, { proc: fakeProcess({ channel: {} }) });
    proc.emit("internalMessage", { cmd: "NODE_HANDLE", type: "net.Socket" });
    proc.emit("internalMessage", { cmd: "NODE_CLUSTER", act: "newconn" });
    proc.emit("internalMessage", null);
    proc.emit("internalMessage", "disconnect");
    expect(calls).toEqual([]);
    proc.emit("internalMessage", { cmd: "NODE_CLUSTER", act: "disconnect", seq: 0 });
    proc.emit("internalMessage", { act: "disconnect", seq: 0 });
    expect(calls).toEqual(["stop", "stop"]);
  });

  test("internalMessage is not listened to without an IPC channel", () => {
    const { proc } = listening({});
    expect(proc.listenerCount("internalMessage")).toBe(0);
  });

  test("each signal: signal() with its own name", () => {
    const { proc, calls } = listening({ extraSignals: ["SIGQUIT"] });
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", "SIGQUIT"]) proc.emit(signal, signal);
    expect(calls).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", "SIGQUIT"].map((signal) => `signal ${signal}`));
  });

  test("the signals the runtime never hands to a listener are not listened to", () => {
    const { proc } = listening({ extraSignals: ["SIGQUIT"] }, { quirks: { unheard: ["SIGPWR", "SIGQUIT"] } });
    expect(proc.eventNames().filter((event) => String(event).startsWith("SIG"))).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGXCPU"]);
  });

  test("Windows: its own signals, never the extras", () => {
    const { proc } = listening({ extraSignals: ["SIGQUIT"] }, { proc: fakeProcess({ platform: "win32" }) });
    expect(proc.eventNames().filter((event) => String(event).startsWith("SIG"))).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"]);
  });
});

describe("the IPC channel", () => {
  test("released after our message listener is added, telling whether the application held it already", () => {
    const proc = fakeProcess({ channel: {} });
    proc.on("message", () => {});
    const { calls } = listening({ shutdownMessage: "bye" }, { proc });
    expect(calls).toEqual(["releaseChannel appHeld=true"]);
    expect(proc.listenerCount("message")).toBe(2);
  });

  test("no shutdownMessage: not touched", () => {
    const { calls, remove } = listening({}, { proc: fakeProcess({ channel: { refCounted: () => void calls.push("refCounted") } }) });
    remove();
    expect(calls).toEqual([]);
  });

  test("removal holds it back before our listener goes, since Node drops our hold with it", () => {
    const proc = fakeProcess({ channel: { refCounted: () => void proc.calls.push(`refCounted, ${proc.listenerCount("message")} listening`) } });
    const { calls, remove } = listening({ shutdownMessage: "bye" }, { proc });
    remove();
    expect(calls).toEqual(["releaseChannel appHeld=false", "refCounted, 1 listening"]);
    expect(proc.listenerCount("message")).toBe(0);
  });

  test("removal on a channel without the count (Bun's) is quiet", () => {
    const { remove } = listening({ shutdownMessage: "bye" }, { proc: fakeProcess({ channel: {} }) });
    expect(remove).not.toThrow();
  });
});

describe("removal", () => {
  test("every listener goes, newListener too, and no later `exit` listener brings ours back", async () => {
    const { proc, remove } = listening({ awaitCrash: true, shutdownMessage: "bye", extraSignals: ["SIGQUIT"] }, { proc: fakeProcess({ channel: {} }) });
    remove();
    expect(proc.eventNames()).toEqual([]);
    proc.on("exit", () => {});
    await microtask();
    expect(proc.listenerCount("exit")).toBe(1);
  });
});

describe("the host's parts the engine reads", () => {
  const host = (fields: Parameters<typeof fakeProcess>[0] = {}) => {
    const proc = fakeProcess(fields);
    return { proc, host: processHost(proc, fakeQuirks(proc.calls)) };
  };

  test("the runtime, flush and printCrash are the quirks'", () => {
    const calls: string[] = [];
    const quirks = fakeQuirks(calls, { runtime: "bun" });
    const made = processHost(fakeProcess(), quirks);
    expect(made.runtime).toBe("bun");
    expect(made.flush).toBe(quirks.flush);
    expect(made.printCrash).toBe(quirks.printCrash);
  });

  test("pid, and Windows only on win32", () => {
    expect(host({ pid: 77 }).host.pid).toBe(77);
    expect(host({ platform: "win32" }).host.windows).toBe(true);
    expect(host({ platform: "linux" }).host.windows).toBe(false);
  });

  test.each([
    ["unset", {}, false],
    ["no env at all", undefined, false],
    ["0", { ATEXIT_DEBUG: "0" }, false],
    ["1", { ATEXIT_DEBUG: "1" }, true],
  ])("debug with ATEXIT_DEBUG %s: %s", (_, env, debug) => {
    expect(host({ env }).host.debug).toBe(debug);
  });

  test("the status: read as a number, set on process.exitCode", () => {
    const { proc, host: made } = host({ exitCode: "5" });
    expect(made.code()).toBe(5);
    expect(made.setCode(2)).toBeUndefined();
    expect(proc.exitCode).toBe(2);
    expect(made.code()).toBe(2);
  });

  test("exit and kill are the process's", () => {
    const { proc, host: made } = host();
    made.exit(3);
    expect(made.kill(99, "SIGTERM")).toBeUndefined();
    expect(proc.calls).toEqual(["exit 3", "kill 99 SIGTERM"]);
  });

  test("a signal is the application's when a listener beside ours (and beside signal-exit's) holds it", () => {
    const { proc, host: made } = host();
    proc.on("SIGINT", () => {});
    expect(made.appOwns("SIGINT")).toBe(false);
    proc.on("SIGINT", () => {});
    expect(made.appOwns("SIGINT")).toBe(true);
    Object.assign(proc, { __signal_exit_emitter__: { count: 1 } });
    expect(made.appOwns("SIGINT")).toBe(false);
    proc.on("SIGINT", () => {});
    expect(made.appOwns("SIGINT")).toBe(true);
  });
});

/** A process for the adapter's end: its streams are made, and written to, only as `calls` records. */
function drainProcess(resources: string[] | undefined) {
  const proc = fakeProcess({ getActiveResourcesInfo: resources && (() => resources) });
  const calls = proc.calls;
  Object.defineProperties(proc, {
    stdout: {
      get: () => {
        calls.push("stdout made");
        return fakeStream(calls, "stdout", 3);
      },
    },
    stderr: {
      get: () => {
        calls.push("stderr made");
        return fakeStream(calls, "stderr", 3);
      },
    },
  });
  return { proc, calls };
}

describe("the end's drain of stdout and stderr", () => {
  test("nothing among the active resources that a stream could be: neither is made, the end is at once", async () => {
    const { proc, calls } = drainProcess(["Timeout", "FSReqCallback"]);
    await nodeAdapter(proc).exitProcess?.(0);
    expect(calls).toEqual(["exit 0"]);
  });

  test.each(["PipeWrap", "TTYWrap", "TCPWrap"])("a %s among them: both are drained before the end", async (handle) => {
    const { proc, calls } = drainProcess(["Timeout", handle]);
    await nodeAdapter(proc).exitProcess?.(3);
    expect(calls).toEqual(["stdout made", "stderr made", 'write stdout ""', 'write stderr ""', "exit 3"]);
  });

  test("a process that cannot list its resources is drained as before", async () => {
    const { proc, calls } = drainProcess(undefined);
    await nodeAdapter(proc).exitProcess?.(1);
    expect(calls).toEqual(["stdout made", "stderr made", 'write stdout ""', 'write stderr ""', "exit 1"]);
  });

  test("a pipe that never takes its bytes holds the end 2 s, no longer", async () => {
    vi.useFakeTimers();
    const proc = fakeProcess({ stdout: fakeStream([], "stdout", 3, true) });
    let flushed = false;
    void nodeQuirks(proc)
      .flush()
      .then(() => (flushed = true));
    await vi.advanceTimersByTimeAsync(1999);
    expect(flushed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(flushed).toBe(true);
  });
});

describe("Node's quirks", () => {
  test("named node", () => {
    expect(nodeQuirks(fakeProcess()).runtime).toBe("node");
    expect(nodeAdapter(fakeProcess()).runtime).toBe("node");
  });

  test("the crash report: the error, then Node's version, as Node prints them", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    nodeQuirks(fakeProcess({ version: "v20.1.0" })).printCrash("exception", boom);
    nodeQuirks(fakeProcess()).printCrash("rejection", boom);
    expect(error.mock.calls).toEqual([[boom], ["\nNode.js v20.1.0"], [boom], ["\nNode.js "]]);
  });

  test("the channel: exactly our hold on it goes, through Node's count", () => {
    const calls: string[] = [];
    nodeQuirks(fakeProcess()).releaseChannel({ unrefCounted: () => void calls.push("unrefCounted"), unref: () => void calls.push("unref") }, true);
    expect(calls).toEqual(["unrefCounted"]);
    expect(() => nodeQuirks(fakeProcess()).releaseChannel({}, false)).not.toThrow();
  });

  test("through the adapter: installed with a shutdownMessage, the hold goes", () => {
    const calls: string[] = [];
    const proc = fakeProcess({ channel: { unrefCounted: () => void calls.push("unrefCounted") } });
    nodeAdapter(proc).install?.({ config: { ...defaultConfig, shutdownMessage: "bye" } } as never);
    expect(calls).toEqual(["unrefCounted"]);
  });
});

describe("the signals listened to", () => {
  test("Node: the requests to stop and the extras", () => {
    expect(listened(nodeAdapter)).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", "SIGSTKFLT", "SIGQUIT"]);
  });
});
