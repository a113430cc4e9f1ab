// atexit/child (helpers/child.ts) against fake children of each runtime's shape
// and a recording process.kill: which signals go where on each kind of exit
// path, the waits, the self-removal, and the errors for bad input. The real
// runtimes, with real children, are in test/e2e/child.test.ts.
import { runNow } from "../../../src/run.ts";
import { afterEach, describe, expect, test, vi } from "vitest";
import { clear, configure, count, register, runHandlers } from "../../../adapters/auto.ts";
import { type ChildLike, killOnExit } from "../../../helpers/child.ts";
import { getRegistry } from "../../../src/realm.ts";
import { withExit } from "../../../helpers/request.ts";
import { settledNow } from "../settled-now.ts";

type Sent = [pid: number, signal: string | number | undefined];

/** A fake node:child_process child; `ends` says which signals end it. */
function nodeChild(pid: number, ends: (signal: string) => boolean = () => true) {
  const listeners = new Set<() => void>();
  const child = {
    pid,
    exitCode: null as number | null,
    signalCode: null as string | null,
    kill: () => true,
    once: (event: string, listener: () => void) => void (event === "exit" && listeners.add(listener)),
    removeListener: (_: "exit", listener: () => void) => void listeners.delete(listener),
    end(signal: string | null, code: number | null = null) {
      child.signalCode = signal;
      child.exitCode = code;
      for (const listener of listeners) listener();
    },
    ends,
    /** How long after a signal that ends it the child is gone, in ms. */
    dies: 5,
  };
  return child;
}

let sent: Sent[] = [];
/** Group members still alive, for the fake `process.kill(-pgid, 0)`. */
let groupAlive = new Map<number, boolean>();
let children = new Map<number, ReturnType<typeof nodeChild>>();

function stubKill(): void {
  vi.spyOn(process, "kill").mockImplementation((pid: number, signal?: string | number) => {
    if (signal === 0) {
      if (groupAlive.get(-pid)) return true;
      throw Object.assign(new Error("ESRCH"), { code: "ESRCH" });
    }
    sent.push([pid, signal]);
    const child = children.get(Math.abs(pid));
    if (child && typeof signal === "string" && child.ends(signal)) {
      setTimeout(() => {
        if (pid < 0) groupAlive.set(-pid, false);
        child.end(signal);
      }, child.dies);
    }
    return true;
  });
}

afterEach(() => {
  vi.useRealTimers();
  clear();
  configure({ timeout: 5000, totalTimeout: 9000 });
  vi.restoreAllMocks();
  sent = [];
  groupAlive = new Map();
  children = new Map();
});

const track = (child: ReturnType<typeof nodeChild>) => (children.set(child.pid, child), child);
const runExitNow = () => runNow(getRegistry(), { reason: "exit", code: 0, runtime: "node", final: true });

describe("the exit paths", () => {
  test("an awaited path sends SIGTERM and waits for the child to end; nothing more", async () => {
    stubKill();
    const child = track(nodeChild(4001));
    // The child leads a group here, but without tree only the child is signalled.
    groupAlive.set(4001, true);
    killOnExit(child);
    await runHandlers();
    expect(sent).toEqual([[4001, "SIGTERM"]]);
    expect(child.signalCode).toBe("SIGTERM");
  });

  test("a child that ignores the signal gets SIGKILL after forceAfter, not before", async () => {
    vi.useFakeTimers();
    stubKill();
    const child = track(nodeChild(4002, (signal) => signal === "SIGKILL"));
    killOnExit(child, { forceAfter: 60 });
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const ran = runHandlers();
    await vi.advanceTimersByTimeAsync(59);
    expect(sent).toEqual([[4002, "SIGTERM"]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([
      [4002, "SIGTERM"],
      [4002, "SIGKILL"],
    ]);
    // Gone `dies` ms after SIGKILL, and the run with it.
    await vi.advanceTimersByTimeAsync(child.dies);
    expect(await settledNow(ran)).toBe(true);
    expect(error).not.toHaveBeenCalled();
  });

  test("the signal option is what is sent first", async () => {
    stubKill();
    killOnExit(track(nodeChild(4003)), { signal: "SIGINT" });
    await runHandlers();
    expect(sent).toEqual([[4003, "SIGINT"]]);
  });

  test("an invocation's end (withExit's phase) signals nothing, and the child stays watched for the exit", async () => {
    stubKill();
    killOnExit(track(nodeChild(4010)));
    const ran: string[] = [];
    register((event) => void ran.push(event.reason));
    await withExit(() => "response")();
    for (let waited = 0; waited < 1000 && ran.length === 0; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ran).toEqual(["request"]);
    expect(sent).toEqual([]);
    expect(count()).toBe(2);
  });

  test("a path that cannot wait sends the signal and returns at once, whatever the child does", () => {
    stubKill();
    killOnExit(track(nodeChild(4004, () => false)));
    const result = runExitNow();
    expect(sent).toEqual([[4004, "SIGTERM"]]);
    expect(result.failed).toBe(false);
  });

  test("tree: the group is signalled, and the wait is for the group, not the child", async () => {
    stubKill();
    const child = track(nodeChild(4005, (signal) => signal === "SIGKILL"));
    groupAlive.set(4005, true);
    killOnExit(child, { tree: true, forceAfter: 50 });
    await runHandlers();
    expect(sent).toEqual([
      [-4005, "SIGTERM"],
      [-4005, "SIGKILL"],
    ]);
  });

  test("tree: a group that empties on the signal gets nothing more", async () => {
    vi.useFakeTimers();
    stubKill();
    const child = track(nodeChild(4006));
    groupAlive.set(4006, true);
    killOnExit(child, { tree: true, forceAfter: 1000 });
    const ran = runHandlers();
    // Empty `dies` ms after the signal, and seen so at the next look, GROUP_POLL_MS (20) later at most.
    await vi.advanceTimersByTimeAsync(child.dies + 20);
    expect(await settledNow(ran)).toBe(true);
    expect(sent).toEqual([[-4006, "SIGTERM"]]);
  });

  test("tree, for a child that leads no group (spawned without detached): the child alone is signalled and waited for", async () => {
    stubKill();
    const child = track(nodeChild(4007));
    killOnExit(child, { tree: true });
    await runHandlers();
    expect(sent).toEqual([[4007, "SIGTERM"]]);
    expect(child.signalCode).toBe("SIGTERM");
  });

  test("tree: a child that has exited, its group empty, gets nothing", async () => {
    stubKill();
    const child = track(nodeChild(4009));
    killOnExit(child, { tree: true });
    child.end(null, 0);
    await runHandlers();
    expect(sent).toEqual([]);
  });

  test("a signal that cannot be sent (the child is already gone) is not an error", async () => {
    vi.spyOn(process, "kill").mockImplementation(() => {
      throw Object.assign(new Error("ESRCH"), { code: "ESRCH" });
    });
    const child = nodeChild(4008);
    killOnExit(child, { forceAfter: 5000 });
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.useFakeTimers();
    // Nothing there to signal is nothing to wait for.
    expect(await settledNow(runHandlers())).toBe(true);
    // Nothing reported as a failure, and the run consumed the registration.
    expect(error).not.toHaveBeenCalled();
    expect(count()).toBe(0);
  });
});

describe("time limits", () => {
  test("the callback's own limit covers forceAfter and SIGKILL's wait: a child slow to die after SIGKILL is not a failure", async () => {
    vi.useFakeTimers();
    stubKill();
    // A configured callback limit shorter than the wait: the registration's own one applies.
    configure({ timeout: 100 });
    const child = track(nodeChild(4030, (signal) => signal === "SIGKILL"));
    child.dies = 700;
    killOnExit(child, { forceAfter: 50 });
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const ran = runHandlers();
    await vi.advanceTimersByTimeAsync(50 + 700);
    expect(await settledNow(ran)).toBe(true);
    expect(error).not.toHaveBeenCalled();
    expect(child.signalCode).toBe("SIGKILL");
  });

  test("a child still there SIGKILL's wait (1 s) after SIGKILL is left: the callback ends, within its own limit", async () => {
    vi.useFakeTimers();
    stubKill();
    const child = track(nodeChild(4032, () => false));
    killOnExit(child, { forceAfter: 50 });
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const ran = runHandlers();
    await vi.advanceTimersByTimeAsync(50 + 999);
    expect(await settledNow(ran)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(ran)).toBe(true);
    expect(sent).toEqual([
      [4032, "SIGTERM"],
      [4032, "SIGKILL"],
    ]);
    expect(error).not.toHaveBeenCalled();
  });

  test("the run's total deadline cuts the wait short: SIGKILL then, and the timeout names the child", async () => {
    stubKill();
    configure({ totalTimeout: 100 });
    const child = track(nodeChild(4031, (signal) => signal === "SIGKILL"));
    killOnExit(child, { forceAfter: 5000 });
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const started = Date.now();
    await runHandlers();
    expect(sent).toEqual([
      [4031, "SIGTERM"],
      [4031, "SIGKILL"],
    ]);
    expect(Date.now() - started).toBeLessThan(1000);
    // Within what is left of the run's 100 ms when the callback starts (on a
    // busy machine, a few milliseconds may have gone: 95 was seen).
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/^\[atexit\] exit callback "killOnExit\(4031\)" did not finish within (8\d|9\d|100) ms$/));
  });
});

describe("hosts", () => {
  test("without a process global (Deno without Node compatibility), signals go through Deno.kill", () => {
    const kills: Sent[] = [];
    killOnExit(nodeChild(4040));
    const saved = globalThis.process;
    vi.stubGlobal("Deno", { kill: (pid: number, signal: string) => void kills.push([pid, signal]) });
    try {
      Object.defineProperty(globalThis, "process", { value: undefined, configurable: true, writable: true });
      runExitNow();
    } finally {
      Object.defineProperty(globalThis, "process", { value: saved, configurable: true, writable: true });
      vi.unstubAllGlobals();
    }
    expect(kills).toEqual([[4040, "SIGTERM"]]);
  });

  test("without a process global, and a Deno without build, tree signals the child alone through Deno.kill: there is no group to ask about", () => {
    const kills: Sent[] = [];
    const saved = globalThis.process;
    vi.stubGlobal("Deno", { kill: (pid: number, signal: string) => void kills.push([pid, signal]) });
    try {
      Object.defineProperty(globalThis, "process", { value: undefined, configurable: true, writable: true });
      killOnExit(nodeChild(4044), { tree: true });
      runExitNow();
    } finally {
      Object.defineProperty(globalThis, "process", { value: saved, configurable: true, writable: true });
      vi.unstubAllGlobals();
    }
    expect(kills).toEqual([[4044, "SIGTERM"]]);
  });

  test("with neither process nor Deno, nothing is sent and nothing throws", () => {
    killOnExit(nodeChild(4041));
    const saved = globalThis.process;
    let result: ReturnType<typeof runNow> | undefined;
    try {
      Object.defineProperty(globalThis, "process", { value: undefined, configurable: true, writable: true });
      result = runExitNow();
    } finally {
      Object.defineProperty(globalThis, "process", { value: saved, configurable: true, writable: true });
    }
    expect(result?.failed).toBe(false);
  });

  test.each([
    ["process.platform win32", () => vi.spyOn(process, "platform", "get").mockReturnValue("win32")],
    ["Deno.build.os windows", () => vi.stubGlobal("Deno", { build: { os: "windows" } })],
  ])("on Windows (%s) tree signals only the child: there are no process groups", (_, windows) => {
    stubKill();
    windows();
    groupAlive.set(4042, true);
    killOnExit(track(nodeChild(4042)), { tree: true });
    runExitNow();
    vi.unstubAllGlobals();
    expect(sent).toEqual([[4042, "SIGTERM"]]);
  });

  test("tree on POSIX with a Deno global that is not Windows still signals the group", () => {
    stubKill();
    vi.stubGlobal("Deno", { build: { os: "linux" } });
    groupAlive.set(4043, true);
    killOnExit(track(nodeChild(4043)), { tree: true });
    runExitNow();
    vi.unstubAllGlobals();
    expect(sent).toEqual([[-4043, "SIGTERM"]]);
  });
});

describe("a child that ends on its own", () => {
  test("node:child_process: its registration goes with it, and the exit sends nothing", async () => {
    stubKill();
    const child = nodeChild(4010);
    killOnExit(child);
    expect(count()).toBe(1);
    child.end(null, 0);
    expect(count()).toBe(0);
    await runHandlers();
    expect(sent).toEqual([]);
  });

  test("already exited when given: nothing is registered", () => {
    const child = nodeChild(4011);
    child.exitCode = 0;
    const off = killOnExit(child);
    expect(count()).toBe(0);
    expect(off()).toBe(false);
    const killed = nodeChild(4012);
    killed.signalCode = "SIGKILL";
    killOnExit(killed);
    expect(count()).toBe(0);
  });

  test("Bun's subprocess (exited) and Deno's child (status): the registration goes when the promise settles", async () => {
    let endBun!: () => void;
    const bun = { pid: 4013, exitCode: null, signalCode: null, kill: () => {}, exited: new Promise<number>((resolve) => (endBun = () => resolve(0))) };
    let failDeno!: () => void;
    const deno = { pid: 4014, kill: () => {}, status: new Promise<never>((_, reject) => (failDeno = () => reject(new Error("gone")))) };
    killOnExit(bun);
    killOnExit(deno);
    expect(count()).toBe(2);
    // Each waits for its own promise: nothing goes before it settles.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(count()).toBe(2);
    endBun();
    failDeno();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(count()).toBe(0);
  });

  test("the handle unregisters: the exit leaves the child alone", async () => {
    stubKill();
    const off = killOnExit(nodeChild(4015));
    expect(off()).toBe(true);
    await runHandlers();
    expect(sent).toEqual([]);
  });
});

describe("what counts as a child", () => {
  test("a function with a child's fields is accepted as one", () => {
    const callable = Object.assign(() => {}, { pid: 4050, exitCode: null, signalCode: null, kill: () => true, once: () => {} });
    killOnExit(callable as never);
    expect(count()).toBe(1);
  });
});

describe("bad input", () => {
  const child = (): ChildLike => nodeChild(4020);
  test.each([
    [undefined, "got undefined"],
    [null, "got null"],
    [42, "got number"],
    [{ pid: 1 }, "got object"],
    [{ pid: 1, kill: () => {} }, "got object"],
    [{ pid: 1, once: () => {} }, "got object"],
  ])("killOnExit(%s) is a TypeError naming what it got", (value, what) => {
    expect(() => killOnExit(value as never)).toThrow(new TypeError(`[atexit] killOnExit() expects a child process (node:child_process, Deno or Bun), got ${what.slice(4)}`));
    expect(count()).toBe(0);
  });

  const throwing = () => {
    throw new Error("trap");
  };
  test.each([
    ["a Proxy whose get trap throws", new Proxy({}, { get: throwing })],
    ["a child whose pid getter throws", { ...nodeChild(4021), get pid() { return throwing(); } }],
    ["a child whose exitCode getter throws", { ...nodeChild(4022), get exitCode() { return throwing(); } }],
  ])("killOnExit(%s) is an [atexit] TypeError saying it could not read the child; nothing is registered", (_, value) => {
    let thrown: unknown;
    try {
      killOnExit(value as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toBe("[atexit] killOnExit() could not read the child: trap");
    expect(((thrown as Error).cause as Error).message).toBe("trap");
    expect(count()).toBe(0);
  });

  test("a child whose once() throws: an [atexit] TypeError, and the registration is taken back", () => {
    const hostile = { ...nodeChild(4023), once: throwing };
    let thrown: unknown;
    try {
      killOnExit(hostile as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toEqual(new TypeError("[atexit] killOnExit() could not listen to the child: trap"));
    expect(((thrown as Error).cause as Error).message).toBe("trap");
    expect(count()).toBe(0);
  });

  test("a fractional forceAfter works", async () => {
    stubKill();
    killOnExit(track(nodeChild(4024, (signal) => signal === "SIGKILL")), { forceAfter: 1.5 });
    await runHandlers();
    expect(sent).toEqual([
      [4024, "SIGTERM"],
      [4024, "SIGKILL"],
    ]);
  });

  test.each([undefined, 0, -3, 1.5, "12"])("a child whose pid is %s (it failed to start) is a TypeError", (pid) => {
    const failed = { ...nodeChild(1), pid };
    expect(() => killOnExit(failed as never)).toThrow(/^\[atexit\] killOnExit\(\) expects a running child process; its pid is /);
    expect(count()).toBe(0);
  });

  test.each([
    [{ signal: 15 }, TypeError, 'option "signal" must be a signal name, got number'],
    [{ signal: "TERM" }, RangeError, 'option "signal" must be a signal name like "SIGTERM", got "TERM"'],
    [{ signal: "xSIGTERM" }, RangeError, 'option "signal" must be a signal name like "SIGTERM", got "xSIGTERM"'],
    [{ signal: "SIGTERM!" }, RangeError, 'option "signal" must be a signal name like "SIGTERM", got "SIGTERM!"'],
    [{ forceAfter: -1 }, RangeError, 'option "forceAfter" must be 0 or more milliseconds, got -1'],
    [{ forceAfter: "1s" }, TypeError, 'option "forceAfter" must be a number of milliseconds, got string'],
    [{ tree: "yes" }, TypeError, 'option "tree" must be a boolean, got string'],
    [{ detached: true }, TypeError, 'got an unknown option "detached" (known: signal, forceAfter, tree)'],
    [null, TypeError, "expects an options object, got null"],
  ])("options %o: %s", (options, type, message) => {
    expect(() => killOnExit(child(), options as never)).toThrow(new type(`[atexit] killOnExit() ${message}`));
    expect(count()).toBe(0);
  });
});
