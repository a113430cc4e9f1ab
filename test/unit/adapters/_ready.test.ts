// ready() (adapters/_ready.ts) against fake hosts, on fake timers: which
// supervisor is told what (none, systemd, PM2), the watchdog on and off and
// for whose pid, the stop announced as an awaited run that ends the program
// begins, only the first call sending, failures as one line, and the hosts
// made of Node's process and of Deno. The real transports run in
// test/e2e/ready.test.ts.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { Notify } from "../../../adapters/_notify.ts";
import { denoReadyHost, feedWatchdog, processReadyHost, type ReadyHost, readyWith, stopping } from "../../../adapters/_ready.ts";
import type { DenoLike } from "../../../adapters/types/deno.ts";
import { defaultConfig } from "../../../src/config.ts";
import type { Run, Trigger } from "../../../src/protocol.ts";
import { sharedState } from "../../../src/realm.ts";
import { settledNow } from "../settled-now.ts";
import { fakeProcess } from "./fake-process.ts";

type Sent = { fields: readonly string[]; hold: boolean | undefined };

/** A host whose notifications and IPC messages are recorded; `env` is its environment. */
function fakeHost(env: Record<string, string>, options: { notify?: Notify; load?: () => Promise<Notify>; send?: boolean } = {}) {
  const sent: Sent[] = [];
  const messages: string[] = [];
  const unref = vi.fn();
  const notify: Notify =
    options.notify ??
    ((fields, notifyOptions) => {
      sent.push({ fields, hold: notifyOptions?.hold });
      return Promise.resolve();
    });
  const host: ReadyHost = {
    pid: 4321,
    env: (name) => env[name],
    systemd: options.load ?? (() => Promise.resolve(notify)),
    send:
      options.send === false
        ? undefined
        : (message) => {
            messages.push(message);
            return Promise.resolve();
          },
    unref,
  };
  return { host, sent, messages, unref };
}

const fields = (sent: Sent[]) => sent.map((one) => one.fields.join(" "));
const finalTrigger: Trigger = { reason: "signal", signal: "SIGTERM", code: 143, runtime: "node", final: true };

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  const state = sharedState();
  state.ready = undefined;
  state.onAwaitedRun = undefined;
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("which supervisor", () => {
  test("none (no NOTIFY_SOCKET, no pm_id): nothing is sent, no timer, no hook, and it resolves at once", async () => {
    const { host, sent, messages } = fakeHost({ WATCHDOG_USEC: "1000000" });
    expect(await settledNow(readyWith(() => host))).toBe(true);
    expect(sent).toEqual([]);
    expect(messages).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    expect(sharedState().onAwaitedRun).toBeUndefined();
  });

  test("no host (a runtime without one): resolves, sends nothing", async () => {
    await expect(readyWith(() => undefined)).resolves.toBeUndefined();
  });

  test("systemd: READY=1, held until systemd has it; the stop hook installed; no watchdog without WATCHDOG_USEC", async () => {
    const { host, sent, messages } = fakeHost({ NOTIFY_SOCKET: "/run/systemd/notify" });
    await readyWith(() => host);
    expect(sent).toEqual([{ fields: ["READY=1"], hold: true }]);
    expect(messages).toEqual([]);
    expect(sharedState().onAwaitedRun).toBeTypeOf("function");
    expect(vi.getTimerCount()).toBe(0);
  });

  test("PM2 (pm_id and an IPC channel): the message \"ready\", nothing to systemd", async () => {
    const { host, sent, messages } = fakeHost({ pm_id: "0" });
    await readyWith(() => host);
    expect(messages).toEqual(["ready"]);
    expect(sent).toEqual([]);
    expect(sharedState().onAwaitedRun).toBeUndefined();
  });

  test("pm_id without an IPC channel: nothing", async () => {
    const { host, messages } = fakeHost({ pm_id: "0" }, { send: false });
    await readyWith(() => host);
    expect(messages).toEqual([]);
  });

  test("an IPC channel without pm_id (some other parent): nothing", async () => {
    const { host, messages } = fakeHost({});
    await readyWith(() => host);
    expect(messages).toEqual([]);
  });

  test("both: each is told", async () => {
    const { host, sent, messages } = fakeHost({ NOTIFY_SOCKET: "@notify", pm_id: "3" });
    await readyWith(() => host);
    expect(fields(sent)).toEqual(["READY=1"]);
    expect(messages).toEqual(["ready"]);
  });

  test("the promise waits for the message to be taken", async () => {
    let taken!: () => void;
    const notify: Notify = () => new Promise((resolve) => (taken = resolve));
    const { host } = fakeHost({ NOTIFY_SOCKET: "/n" }, { notify });
    const ready = readyWith(() => host);
    expect(await settledNow(ready)).toBe(false);
    taken();
    expect(await settledNow(ready)).toBe(true);
  });
});

describe("twice", () => {
  test("only the first call sends; every later one returns the same promise and asks no host", async () => {
    const { host, sent, messages } = fakeHost({ NOTIFY_SOCKET: "/n", pm_id: "1" });
    const first = readyWith(() => host);
    const second = vi.fn(() => host);
    expect(readyWith(second)).toBe(first);
    await first;
    expect(readyWith(second)).toBe(first);
    expect(second).not.toHaveBeenCalled();
    expect(fields(sent)).toEqual(["READY=1"]);
    expect(messages).toEqual(["ready"]);
  });
});

describe("failures: one [atexit] line, never a rejection", () => {
  test("systemd-notify that fails", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { host } = fakeHost({ NOTIFY_SOCKET: "/n" }, { notify: () => Promise.reject(new Error("systemd-notify ended with 1")) });
    await expect(readyWith(() => host)).resolves.toBeUndefined();
    expect(error.mock.calls).toEqual([["[atexit] ready() could not tell the supervisor: systemd-notify ended with 1"]]);
  });

  test("a transport that cannot be had: nothing installed", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { host } = fakeHost({ NOTIFY_SOCKET: "/n", WATCHDOG_USEC: "10" }, { load: () => Promise.reject(new Error("no child_process")) });
    await expect(readyWith(() => host)).resolves.toBeUndefined();
    expect(error.mock.calls).toEqual([["[atexit] ready() could not tell the supervisor: systemd-notify cannot be run here (no child_process)"]]);
    expect(sharedState().onAwaitedRun).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a failure that is not an Error is told as a string", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { host } = fakeHost({ NOTIFY_SOCKET: "/n" }, { load: () => Promise.reject("denied") });
    await readyWith(() => host);
    expect(error.mock.calls).toEqual([["[atexit] ready() could not tell the supervisor: systemd-notify cannot be run here (denied)"]]);
  });

  test("PM2's channel that fails", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { host } = fakeHost({ pm_id: "0" });
    const failing: ReadyHost = { ...host, send: () => Promise.reject(new Error("channel closed")) };
    await expect(readyWith(() => failing)).resolves.toBeUndefined();
    expect(error.mock.calls).toEqual([["[atexit] ready() could not tell the supervisor: channel closed"]]);
  });
});

describe("the watchdog", () => {
  test("WATCHDOG=1 every WATCHDOG_USEC / 2, on timers that never hold the program", async () => {
    const { host, sent, unref } = fakeHost({ NOTIFY_SOCKET: "/n", WATCHDOG_USEC: "3000000" });
    await readyWith(() => host);
    expect(unref).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1499);
    expect(fields(sent)).toEqual(["READY=1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.at(-1)).toEqual({ fields: ["WATCHDOG=1"], hold: undefined });
    await vi.advanceTimersByTimeAsync(1500 * 3);
    expect(fields(sent)).toEqual(["READY=1", "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"]);
    expect(unref).toHaveBeenCalledTimes(5);
    expect(vi.getTimerCount()).toBe(1);
  });

  test("WATCHDOG_PID naming this process: fed", async () => {
    const { host, sent } = fakeHost({ NOTIFY_SOCKET: "/n", WATCHDOG_USEC: "100000", WATCHDOG_PID: "4321" });
    await readyWith(() => host);
    await vi.advanceTimersByTimeAsync(50);
    expect(fields(sent)).toEqual(["READY=1", "WATCHDOG=1"]);
  });

  test("WATCHDOG_PID naming another process: not fed", async () => {
    const { host, sent } = fakeHost({ NOTIFY_SOCKET: "/n", WATCHDOG_USEC: "100000", WATCHDOG_PID: "1" });
    await readyWith(() => host);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fields(sent)).toEqual(["READY=1"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test.each(["0", "-5", "soon", ""])("WATCHDOG_USEC=%j: no watchdog", async (usec) => {
    const { host } = fakeHost({ NOTIFY_SOCKET: "/n", WATCHDOG_USEC: usec });
    await readyWith(() => host);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a period past the timer limit is held to it (a longer delay would fire at once)", () => {
    const notify = vi.fn(() => Promise.resolve());
    const { host } = fakeHost({ WATCHDOG_USEC: String(2 ** 33 * 1000) });
    feedWatchdog(host, notify);
    vi.advanceTimersByTime(2 ** 31 - 2);
    expect(notify).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(notify).toHaveBeenCalledTimes(1);
  });

  test("a ping that fails is not reported, and the next one still goes", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const notify = vi.fn(() => Promise.reject(new Error("gone")));
    const { host } = fakeHost({ WATCHDOG_USEC: "2000" });
    feedWatchdog(host, notify);
    await vi.advanceTimersByTimeAsync(2);
    expect(notify).toHaveBeenCalledTimes(2);
    expect(error).not.toHaveBeenCalled();
  });
});

describe("the stop", () => {
  const run = (startedAt: number) => ({ startedAt }) as Run;

  test("an awaited run that ends the program: STOPPING=1 and EXTEND_TIMEOUT_USEC, what is left of totalTimeout plus the margin, not held", () => {
    const notify = vi.fn((_fields: readonly string[], _options?: object) => Promise.resolve());
    stopping(notify)(run(Date.now() - 250), finalTrigger, { ...defaultConfig, totalTimeout: 9000 });
    expect(notify.mock.calls).toEqual([[["STOPPING=1", `EXTEND_TIMEOUT_USEC=${(9000 - 250 + 3000) * 1000}`]]]);
  });

  test("a fraction of a millisecond is rounded up", () => {
    const notify = vi.fn((_fields: readonly string[]) => Promise.resolve());
    stopping(notify)(run(Date.now()), finalTrigger, { ...defaultConfig, totalTimeout: 10.2 });
    expect(notify.mock.calls[0]![0]).toEqual(["STOPPING=1", "EXTEND_TIMEOUT_USEC=3011000"]);
  });

  test("a run already past its deadline: the margin alone", () => {
    const notify = vi.fn((_fields: readonly string[]) => Promise.resolve());
    stopping(notify)(run(Date.now() - 20_000), finalTrigger, { ...defaultConfig, totalTimeout: 1000 });
    expect(notify.mock.calls[0]![0]).toEqual(["STOPPING=1", "EXTEND_TIMEOUT_USEC=3000000"]);
  });

  test("no totalTimeout (Infinity): STOPPING=1 alone", () => {
    const notify = vi.fn((_fields: readonly string[]) => Promise.resolve());
    stopping(notify)(run(Date.now()), finalTrigger, { ...defaultConfig, totalTimeout: Infinity });
    expect(notify.mock.calls[0]![0]).toEqual(["STOPPING=1"]);
  });

  test("runHandlers() (the program goes on): nothing", () => {
    const notify = vi.fn(() => Promise.resolve());
    stopping(notify)(run(Date.now()), { reason: "manual", runtime: "node", final: false }, defaultConfig);
    expect(notify).not.toHaveBeenCalled();
  });

  test("a stop message that fails is not reported", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    stopping(() => Promise.reject(new Error("gone")))(run(Date.now()), finalTrigger, defaultConfig);
    await settledNow(Promise.resolve());
    expect(error).not.toHaveBeenCalled();
  });

  test("ready() installs it in the shared state before READY=1 is taken", async () => {
    let taken!: () => void;
    const seen: string[] = [];
    const notify: Notify = (sent) => {
      seen.push(sent.join(" "));
      return sent[0] === "READY=1" ? new Promise((resolve) => (taken = resolve)) : Promise.resolve();
    };
    const { host } = fakeHost({ NOTIFY_SOCKET: "/n" }, { notify });
    const ready = readyWith(() => host);
    await settledNow(Promise.resolve());
    sharedState().onAwaitedRun!(run(Date.now()), finalTrigger, { ...defaultConfig, totalTimeout: 1000 });
    expect(seen).toEqual(["READY=1", "STOPPING=1 EXTEND_TIMEOUT_USEC=4000000"]);
    taken();
    await ready;
  });
});

describe("processReadyHost", () => {
  test("pid, environment, and process.send as a promise that settles when the message has left", async () => {
    const sends: unknown[] = [];
    let done!: (error: unknown) => void;
    const proc = fakeProcess({
      pid: 77,
      env: { pm_id: "2" },
      send: (message: string, callback: (error: unknown) => void) => {
        sends.push(message);
        done = callback;
        return true;
      },
    });
    const host = processReadyHost(proc);
    expect(host.pid).toBe(77);
    expect(host.env("pm_id")).toBe("2");
    expect(host.env("NOTIFY_SOCKET")).toBeUndefined();
    const sent = host.send!("ready");
    expect(sends).toEqual(["ready"]);
    expect(await settledNow(sent)).toBe(false);
    done(null);
    expect(await settledNow(sent)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a send that fails rejects with its error", async () => {
    const failure = new Error("channel closed");
    const host = processReadyHost(fakeProcess({ send: (_: string, callback: (error: unknown) => void) => callback(failure) }));
    await expect(host.send!("ready")).rejects.toBe(failure);
  });

  test("a send that never reports is given up after 5 s, holding the program meanwhile", async () => {
    const host = processReadyHost(fakeProcess({ send: () => true }));
    const sent = host.send!("ready");
    await vi.advanceTimersByTimeAsync(4999);
    expect(await settledNow(sent)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(sent)).toBe(true);
  });

  test("no IPC channel: no send; no env: nothing set", () => {
    const host = processReadyHost(fakeProcess());
    expect(host.send).toBeUndefined();
    expect(host.env("pm_id")).toBeUndefined();
  });

  test("unref takes the timer's hold back", () => {
    const timer = { unref: vi.fn() };
    processReadyHost(fakeProcess()).unref(timer as never);
    expect(timer.unref).toHaveBeenCalledTimes(1);
    // A timer without unref (another runtime's) is left alone.
    expect(() => processReadyHost(fakeProcess()).unref(5 as never)).not.toThrow();
  });

  test("systemd() loads node:child_process through the process's getBuiltinModule into a notifier", async () => {
    const getBuiltinModule = vi.fn((id: string) => (process.getBuiltinModule as (id: string) => unknown)(id));
    const notify = await processReadyHost({ ...fakeProcess(), getBuiltinModule } as never).systemd();
    expect(notify).toBeTypeOf("function");
    expect(getBuiltinModule).toHaveBeenCalledWith("node:child_process");
    await expect(processReadyHost(fakeProcess()).systemd()).rejects.toThrow("node:child_process cannot be reached here");
  });
});

describe("denoReadyHost", () => {
  function fakeDeno(granted: string[], env: Record<string, string>, extra: Partial<DenoLike> = {}): DenoLike {
    return {
      pid: 99,
      exitCode: 0,
      build: { os: "linux" },
      addSignalListener: () => {},
      removeSignalListener: () => {},
      kill: () => {},
      exit: () => undefined as never,
      env: { get: (name) => env[name] },
      permissions: { querySync: ({ name, variable }) => ({ state: name === "env" && granted.includes(variable) ? "granted" : "prompt" }) },
      unrefTimer: vi.fn(),
      ...extra,
    };
  }

  test("reads a variable only where --allow-env grants it (never prompts)", () => {
    const host = denoReadyHost(fakeDeno(["NOTIFY_SOCKET"], { NOTIFY_SOCKET: "/n", WATCHDOG_USEC: "5" }));
    expect(host.pid).toBe(99);
    expect(host.env("NOTIFY_SOCKET")).toBe("/n");
    expect(host.env("WATCHDOG_USEC")).toBeUndefined();
  });

  test("a permission query that throws, or none: nothing read", () => {
    const throwing = fakeDeno([], {}, {
      permissions: {
        querySync: () => {
          throw new Error("no");
        },
      },
    });
    expect(denoReadyHost(throwing).env("NOTIFY_SOCKET")).toBeUndefined();
    expect(denoReadyHost(fakeDeno([], { NOTIFY_SOCKET: "/n" }, { permissions: {} })).env("NOTIFY_SOCKET")).toBeUndefined();
    const withoutPermissions: DenoLike = { ...fakeDeno([], { NOTIFY_SOCKET: "/n" }) };
    delete (withoutPermissions as { permissions?: unknown }).permissions;
    expect(denoReadyHost(withoutPermissions).env("NOTIFY_SOCKET")).toBeUndefined();
  });

  test("timers are let go with Deno.unrefTimer, where there is one", () => {
    const deno = fakeDeno([], {});
    denoReadyHost(deno).unref(42 as never);
    expect(deno.unrefTimer).toHaveBeenCalledWith(42);
    const older: DenoLike = { ...fakeDeno([], {}) };
    delete (older as { unrefTimer?: unknown }).unrefTimer;
    expect(() => denoReadyHost(older).unref(42 as never)).not.toThrow();
  });

  test("the IPC channel is node:process's", async () => {
    const proc = globalThis.process as unknown as { send?: unknown };
    const own = Object.getOwnPropertyDescriptor(proc, "send");
    const sends: unknown[] = [];
    proc.send = (message: unknown, done: (error: unknown) => void) => {
      sends.push(message);
      done(null);
      return true;
    };
    try {
      await denoReadyHost(fakeDeno([], {})).send!("ready");
      expect(sends).toEqual(["ready"]);
      delete proc.send;
      expect(denoReadyHost(fakeDeno([], {})).send).toBeUndefined();
    } finally {
      if (own) Object.defineProperty(proc, "send", own);
      else delete proc.send;
    }
  });

  test("systemd() gives a notifier", async () => {
    expect(await denoReadyHost(fakeDeno([], {})).systemd()).toBeTypeOf("function");
  });
});
