// The systemd transport (adapters/_notify.ts) against a fake node:child_process:
// what it runs, when its promise settles (the program's end, its failure, the
// bounded wait), and which holds on the event loop it takes back. The real
// systemd-notify runs in test/e2e/ready.test.ts.
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { loadChildProcess, NOTIFY_WAIT_MS, notifier } from "../../../adapters/_notify.ts";
import type { ChildProcessModule } from "../../../adapters/types/children.ts";
import { settledNow } from "../settled-now.ts";

type Child = EventEmitter & { unref: ReturnType<typeof vi.fn> };

function fakeChildProcess() {
  const children: Child[] = [];
  const spawned: unknown[][] = [];
  const module: ChildProcessModule = {
    spawn: (command, args, options) => {
      spawned.push([command, args, options]);
      const child = Object.assign(new EventEmitter(), { unref: vi.fn() });
      children.push(child);
      return child;
    },
  };
  return { module, children, spawned };
}

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe("notifier", () => {
  test("runs systemd-notify with the fields as its arguments, output ignored, and resolves when it ends with 0", async () => {
    const { module, children, spawned } = fakeChildProcess();
    const sent = notifier(module, vi.fn())(["STOPPING=1", "EXTEND_TIMEOUT_USEC=12000000"]);
    expect(spawned).toEqual([["systemd-notify", ["STOPPING=1", "EXTEND_TIMEOUT_USEC=12000000"], { stdio: "ignore" }]]);
    expect(await settledNow(sent)).toBe(false);
    children[0]!.emit("exit", 0, null);
    expect(await settledNow(sent)).toBe(true);
  });

  test("without hold, neither the child nor the wait keeps the program alive", () => {
    const { module, children } = fakeChildProcess();
    const unref = vi.fn();
    void notifier(module, unref)(["WATCHDOG=1"]);
    expect(children[0]!.unref).toHaveBeenCalledTimes(1);
    expect(unref).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1);
  });

  test("with hold, both keep it alive, for at most NOTIFY_WAIT_MS", async () => {
    const { module, children } = fakeChildProcess();
    const unref = vi.fn();
    const sent = notifier(module, unref)(["READY=1"], { hold: true });
    expect(children[0]!.unref).not.toHaveBeenCalled();
    expect(unref).not.toHaveBeenCalled();
    expect(NOTIFY_WAIT_MS).toBe(5000);
    await vi.advanceTimersByTimeAsync(NOTIFY_WAIT_MS - 1);
    expect(await settledNow(sent)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(sent)).toBe(true);
  });

  test("the wait's timer goes once the program has ended", () => {
    const { module, children } = fakeChildProcess();
    void notifier(module, vi.fn())(["READY=1"]);
    children[0]!.emit("exit", 0, null);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a status other than 0 rejects, naming the program and the status", async () => {
    const { module, children } = fakeChildProcess();
    const sent = notifier(module, vi.fn())(["READY=1"]);
    children[0]!.emit("exit", 1, null);
    await expect(sent).rejects.toThrow(new Error("systemd-notify ended with 1"));
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a program that cannot start rejects with its error", async () => {
    const { module, children } = fakeChildProcess();
    const sent = notifier(module, vi.fn())(["READY=1"]);
    const missing = Object.assign(new Error("spawn systemd-notify ENOENT"), { code: "ENOENT" });
    children[0]!.emit("error", missing);
    await expect(sent).rejects.toBe(missing);
  });

  test("a spawn that throws (Deno without --allow-run) rejects", async () => {
    const denied = new Error("Requires run access");
    const module: ChildProcessModule = {
      spawn: () => {
        throw denied;
      },
    };
    await expect(notifier(module, vi.fn())(["READY=1"])).rejects.toBe(denied);
  });
});

test("loadChildProcess takes the runtime's node:child_process through process.getBuiltinModule", async () => {
  const { spawn } = await import("node:child_process");
  expect((await loadChildProcess(process)).spawn).toBe(spawn);
});

test("loadChildProcess rejects where node:child_process cannot be reached", async () => {
  const message = "node:child_process cannot be reached here (process.getBuiltinModule: Node.js 20.16 or later, Deno, Bun)";
  await expect(loadChildProcess(undefined)).rejects.toThrow(message);
  await expect(loadChildProcess({})).rejects.toThrow(message);
  await expect(loadChildProcess({ getBuiltinModule: () => undefined })).rejects.toThrow(message);
});
