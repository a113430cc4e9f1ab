// The fallback entry (adapters/fallback.ts), for hosts with no exit events
// to hook: it loads and registers anywhere, names the host it finds, listens
// to nothing, and runs the callbacks only on exit() and runHandlers(). Here
// the host is the Node that runs the tests. Each test loads the entry afresh,
// as its adapter is made once per load.
import { describe, expect, test, vi } from "vitest";
import { expectDeferHeld, expectReadyInert, fresh, resetAfterEach, seen } from "./entry.ts";

const load = () => fresh(() => import("../../../adapters/fallback.ts"));

const listeners = (): number => ["beforeExit", "exit", "SIGINT", "SIGTERM"].reduce((sum, event) => sum + process.listenerCount(event), 0);

resetAfterEach();

describe("the fallback entry", () => {
  test("register() adds a callback and no listener; runHandlers() runs it, naming the host found", async () => {
    const atexit = await load();
    const before = listeners();
    const log: string[] = [];
    const off = atexit.register((event) => void log.push(seen(event)));
    expect(typeof off).toBe("function");
    expect(atexit.count()).toBe(1);
    expect(listeners()).toBe(before);
    await atexit.runHandlers();
    expect(log).toEqual(["manual node awaited"]);
    expect(atexit.count()).toBe(0);
  });

  test("exit() runs the callbacks and resolves: ending the program is left to the caller", async () => {
    const atexit = await load();
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    const log: string[] = [];
    atexit.register((event) => void log.push(`${seen(event)} ${event.code}`));
    await atexit.exit(2);
    expect(log).toEqual(["exit node awaited 2"]);
    expect(exit).not.toHaveBeenCalled();
  });

  test("defer() holds the work for the program: the awaited run waits for it before the callbacks", async () => {
    const atexit = await load();
    await expectDeferHeld(atexit, "AsyncLocalStorage");
  });

  test("ready() has no supervisor to tell here: it resolves, and sends nothing", async () => {
    await expectReadyInert(await load());
  });
});
