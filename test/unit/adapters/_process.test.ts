// What the process runtimes share (adapters/_process.ts), against fakes:
// which `globalThis.process` is one atexit can listen on, which entry gets a
// host and which is refused, the status as a number, keeping atexit's `exit`
// listener last, and the bounded flush of stdout and stderr before a forced
// end. The real runtimes run these in test/e2e.
import { afterEach, describe, expect, test, vi } from "vitest";
import { clusterListener, currentExitCode, flushStdio, getProcess, keepLast, processEntryAdapter, threadListener } from "../../../adapters/_process.ts";
import type { ProcessLike } from "../../../adapters/types/process.ts";
import { fakeProcess, fakeStream, withProcess } from "./fake-process.ts";

const noop = (): void => {};
const usable = { on: noop, off: noop, listenerCount: () => 0, kill: noop, exit: noop };

describe("getProcess", () => {
  test("a process with on, off, listenerCount, kill and exit is the one", () => {
    const proc = { ...usable };
    expect(withProcess(proc, getProcess)).toBe(proc);
  });

  test("the real one, under Node", () => {
    expect(getProcess()).toBe(process);
  });

  test.each([
    ["missing", undefined],
    ["null", null],
    ["blanked", {}],
  ])("a %s process is none", (_, value) => {
    expect(withProcess(value, getProcess)).toBeUndefined();
  });

  test.each(["on", "off", "listenerCount", "kill", "exit"])("one without a %s function is none", (method) => {
    expect(withProcess({ ...usable, [method]: true }, getProcess)).toBeUndefined();
  });

  test("one whose getters throw is none, and the error goes no further", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("sandboxed");
        },
      },
    );
    expect(withProcess(hostile, getProcess)).toBeUndefined();
  });
});

describe("processEntryAdapter", () => {
  afterEach(() => void vi.unstubAllGlobals());

  /** `make` as a spy whose adapter is recognisable. */
  const maker = () => vi.fn((proc: ProcessLike) => ({ runtime: "node" as const, proc }));

  test("on its own runtime with a usable process: the adapter made from that process", () => {
    const make = maker();
    expect(processEntryAdapter("node", "atexit/adapters/node", make)).toEqual({ runtime: "node", proc: process });
    expect(make).toHaveBeenCalledOnce();
  });

  test("Bun's entry on Bun", () => {
    vi.stubGlobal("Bun", {});
    const make = maker();
    expect(processEntryAdapter("bun", "atexit/adapters/bun", make)).toMatchObject({ proc: process });
  });

  test("on another known runtime: refused, naming the entry and both runtimes", () => {
    const make = maker();
    expect(() => processEntryAdapter("bun", "atexit/adapters/bun", make)).toThrow(
      "[atexit] atexit/adapters/bun is for Bun, but this program runs on Node.js",
    );
    vi.stubGlobal("Bun", {});
    expect(() => processEntryAdapter("node", "atexit/adapters/node", make)).toThrow(
      "[atexit] atexit/adapters/node is for Node.js, but this program runs on Bun",
    );
    expect(make).not.toHaveBeenCalled();
  });

  test("a blanked process (an unknown host): the fallback, which hooks nothing", () => {
    const make = maker();
    expect(withProcess({}, () => processEntryAdapter("node", "atexit/adapters/node", make))).toEqual({ runtime: "unknown" });
    expect(make).not.toHaveBeenCalled();
  });

  test("a usable process on a host that does not say it is the runtime: the fallback too", () => {
    const make = maker();
    expect(withProcess({ ...usable }, () => processEntryAdapter("node", "atexit/adapters/node", make))).toEqual({ runtime: "unknown" });
    expect(make).not.toHaveBeenCalled();
  });

  test("the runtime, without a usable process: the fallback, naming it", () => {
    const make = maker();
    const nodeWithoutOn = { versions: { node: "20.0.0" } };
    expect(withProcess(nodeWithoutOn, () => processEntryAdapter("node", "atexit/adapters/node", make))).toEqual({ runtime: "node" });
    expect(make).not.toHaveBeenCalled();
  });
});

describe("currentExitCode", () => {
  test.each([
    [undefined, 0],
    [null, 0],
    [0, 0],
    [3, 3],
    // Node accepts a numeric string there, and ends with its number.
    ["7", 7],
    ["", 0],
    ["abc", 0],
    [1.5, 0],
  ])("process.exitCode %j is %d", (exitCode, status) => {
    expect(currentExitCode({ exitCode } as ProcessLike)).toBe(status);
  });
});

describe("keepLast", () => {
  const ours = (): void => {};
  const app = (): void => {};
  const microtask = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

  test("a listener the application adds later goes before ours once the adding code's turn is over", async () => {
    const proc = fakeProcess();
    proc.on("exit", ours);
    keepLast(proc, "exit", ours);
    proc.on("exit", app);
    // The application's listener is added after newListener returns: ours moves later.
    expect(proc.listeners("exit")).toEqual([ours, app]);
    await microtask();
    expect(proc.listeners("exit")).toEqual([app, ours]);
  });

  test("every later listener: ours stays last", async () => {
    const proc = fakeProcess();
    proc.on("exit", ours);
    keepLast(proc, "exit", ours);
    const second = (): void => {};
    proc.on("exit", app);
    await microtask();
    proc.on("exit", second);
    await microtask();
    expect(proc.listeners("exit")).toEqual([app, second, ours]);
  });

  test("ours being added back is not a listener of the application's (it would move forever)", async () => {
    const proc = fakeProcess();
    proc.on("exit", ours);
    keepLast(proc, "exit", ours);
    const off = vi.spyOn(proc, "off");
    proc.emit("newListener", "exit", ours);
    await microtask();
    expect(off).not.toHaveBeenCalled();
  });

  test("a listener of another event moves nothing", async () => {
    const proc = fakeProcess();
    proc.on("exit", ours);
    keepLast(proc, "exit", ours);
    const off = vi.spyOn(proc, "off");
    proc.on("beforeExit", app);
    await microtask();
    expect(off).not.toHaveBeenCalled();
  });

  test("stopped: its newListener listener is gone, and a move already queued is dropped", async () => {
    const proc = fakeProcess();
    proc.on("exit", ours);
    const stop = keepLast(proc, "exit", ours);
    proc.on("exit", app);
    stop();
    expect(proc.listenerCount("newListener")).toBe(0);
    await microtask();
    expect(proc.listeners("exit")).toEqual([ours, app]);
  });
});

describe("flushStdio", () => {
  afterEach(() => void vi.useRealTimers());

  test("writes nothing to each stream holding queued bytes, and resolves once both have taken it", async () => {
    const calls: string[] = [];
    const proc = fakeProcess({ stdout: fakeStream(calls, "stdout", 5), stderr: fakeStream(calls, "stderr", 1) });
    await flushStdio(proc, 2000);
    expect(calls).toEqual(['write stdout ""', 'write stderr ""']);
  });

  test("a stream with nothing queued, or that cannot tell, or none at all, is left alone", async () => {
    const calls: string[] = [];
    await flushStdio(fakeProcess({ stdout: fakeStream(calls, "stdout", 0), stderr: fakeStream(calls, "stderr", undefined) }), 2000);
    await flushStdio(fakeProcess({ stdout: fakeStream(calls, "stdout", 0) }), 2000);
    await flushStdio(fakeProcess({ stderr: fakeStream(calls, "stderr", 2) }), 2000);
    expect(calls).toEqual(['write stderr ""']);
  });

  test("nothing to wait for resolves at once, without a timer", async () => {
    vi.useFakeTimers();
    const flushed = flushStdio(fakeProcess(), 2000);
    expect(vi.getTimerCount()).toBe(0);
    await expect(flushed).resolves.toBeUndefined();
  });

  test("a pipe that never takes its bytes is waited for limitMs, no longer", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    let done = false;
    void flushStdio(fakeProcess({ stdout: fakeStream(calls, "stdout", 5, true), stderr: fakeStream(calls, "stderr", 5) }), 300).then(
      () => (done = true),
    );
    await vi.advanceTimersByTimeAsync(299);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });
});

describe("clusterListener", () => {
  test("none without an IPC channel (not a cluster worker), or where reading it throws (a Deno worker)", () => {
    expect(clusterListener(fakeProcess(), { stop: () => {} })).toBeUndefined();
    const proc = fakeProcess();
    Object.defineProperty(proc, "channel", {
      get() {
        throw new TypeError("process.channel is not supported in workers");
      },
    });
    expect(clusterListener(proc, { stop: () => {} })).toBeUndefined();
  });

  test("stop() for a disconnect message, whatever else it holds; nothing for any other", () => {
    const stops: string[] = [];
    const listener = clusterListener(fakeProcess({ channel: {} }), { stop: () => void stops.push("stop") })!;
    for (const message of [undefined, null, 0, "disconnect", {}, { act: "newconn" }, { act: "Disconnect" }]) listener(message);
    expect(stops).toEqual([]);
    listener({ cmd: "NODE_CLUSTER", act: "disconnect", seq: 3 });
    expect(stops).toEqual(["stop"]);
  });

  test("a process whose channel cannot be read (Deno's worker thread throws) has no cluster listener", () => {
    const proc = Object.defineProperty(fakeProcess(), "channel", {
      get() {
        throw new TypeError("process.channel is not supported in workers");
      },
    });
    expect(clusterListener(proc, { stop: () => {} })).toBeUndefined();
  });
});

describe("threadListener", () => {
  /** Every fake channel made. */
  let channels: FakeChannel[] = [];
  class FakeChannel {
    onmessage: ((event: { data: unknown }) => unknown) | null = null;
    readonly log: string[] = [];
    constructor(readonly name: string) {
      channels.push(this);
    }
    postMessage(message: unknown): void {
      this.log.push(`post ${String(message)}`);
    }
    close(): void {
      this.log.push("close");
    }
    unref(): void {
      this.log.push("unref");
    }
  }

  afterEach(() => {
    channels = [];
    vi.unstubAllGlobals();
  });

  /** A process in a thread that node:worker_threads says is (or is not) the main one. */
  const threadProcess = (fields: Record<string, unknown>, threads: unknown = { isMainThread: false, threadId: 9 }) => {
    const asked: string[] = [];
    const proc = fakeProcess({
      getBuiltinModule: (id: string) => (asked.push(id), threads),
      ...fields,
    });
    return { proc, asked };
  };

  test("in a Node worker (process.chdir.disabled), listens on the thread's channel, unref'd, and says so", () => {
    vi.stubGlobal("BroadcastChannel", FakeChannel);
    vi.stubGlobal("Bun", undefined);
    const { proc, asked } = threadProcess({ chdir: Object.assign(() => {}, { disabled: true }) });
    const stops: string[] = [];
    const close = threadListener(proc, { stop: () => stops.push("stop") });
    expect(asked).toEqual(["node:worker_threads"]);
    expect(channels.map((channel) => channel.name)).toEqual(["atexit:thread:9"]);
    const [channel] = channels;
    expect(channel!.log).toEqual(["unref", "post listening"]);
    channel!.onmessage!({ data: "ask" });
    expect(channel!.log).toEqual(["unref", "post listening", "post listening"]);
    channel!.onmessage!({ data: "something else" });
    expect(stops).toEqual([]);
    expect(channel!.log).toEqual(["unref", "post listening", "post listening"]);
    channel!.onmessage!({ data: "end" });
    expect(stops).toEqual(["stop"]);
    expect(channel!.log).toEqual(["unref", "post listening", "post listening"]);
    close!();
    expect(channel!.log.slice(-2)).toEqual(["post gone", "close"]);
  });

  test("on Node's main thread, node:worker_threads is not even loaded", () => {
    vi.stubGlobal("BroadcastChannel", FakeChannel);
    vi.stubGlobal("Bun", undefined);
    for (const chdir of [undefined, () => {}, Object.assign(() => {}, { disabled: "yes" })]) {
      const { proc, asked } = threadProcess({ chdir });
      expect(threadListener(proc, { stop: () => {} })).toBeUndefined();
      expect(asked).toEqual([]);
    }
    expect(channels).toEqual([]);
  });

  test("on Bun, Bun.isMainThread says which thread it is", () => {
    vi.stubGlobal("BroadcastChannel", FakeChannel);
    vi.stubGlobal("Bun", { isMainThread: true });
    const main = threadProcess({ chdir: Object.assign(() => {}, { disabled: true }) });
    expect(threadListener(main.proc, { stop: () => {} })).toBeUndefined();
    expect(main.asked).toEqual([]);
    vi.stubGlobal("Bun", { isMainThread: false });
    const worker = threadProcess({});
    expect(threadListener(worker.proc, { stop: () => {} })).toBeTypeOf("function");
    expect(channels.map((channel) => channel.name)).toEqual(["atexit:thread:9"]);
  });

  test("nothing where node:worker_threads cannot be had, or says this is the main thread", () => {
    vi.stubGlobal("BroadcastChannel", FakeChannel);
    vi.stubGlobal("Bun", { isMainThread: false });
    expect(threadListener(fakeProcess({}), { stop: () => {} })).toBeUndefined();
    expect(threadListener(threadProcess({}, null).proc, { stop: () => {} })).toBeUndefined();
    expect(threadListener(threadProcess({}, { isMainThread: true, threadId: 0 }).proc, { stop: () => {} })).toBeUndefined();
    expect(channels).toEqual([]);
  });
});
