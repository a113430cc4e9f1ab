// The Bun entry (adapters/bun.ts): what it binds the public functions to.
// Bun is stood in for by a `Bun` global over the Node process that runs the
// tests (Bun's process is Node's API), so the entry wires Bun's adapter to
// the real process: each test that registers clears the realm's registry
// after it, which takes the listeners off again, and process.exit is a spy.
// Each test loads the entry afresh, as its adapter is made once per load.
// Bun runs every exit path for real in test/e2e/bun.test.ts.
import { describe, expect, test, vi } from "vitest";
import { expectDeferHeld, expectReadyToPm2, expectRefused, fresh, resetAfterEach, seen } from "./entry.ts";

const load = () => fresh(() => import("../../../adapters/bun.ts"));


resetAfterEach();

describe("the Bun entry", () => {
  test("on Bun it listens on the process with Bun's own listeners, and the callbacks see Bun", async () => {
    const atexit = await load();
    vi.stubGlobal("Bun", {});
    const before = { beforeExit: process.listenerCount("beforeExit"), rejection: process.listenerCount("unhandledRejection") };
    const log: string[] = [];
    const off = atexit.register((event) => void log.push(seen(event)));
    expect(typeof off).toBe("function");
    expect(atexit.count()).toBe(1);
    expect(process.listenerCount("beforeExit")).toBe(before.beforeExit + 1);
    // Bun's correction for the rejections it hides from the monitor: Node's adapter has no such listener.
    expect(process.listenerCount("unhandledRejection")).toBe(before.rejection + 1);
    await atexit.runHandlers();
    expect(log).toEqual(["manual bun awaited"]);
    expect(process.listenerCount("beforeExit")).toBe(before.beforeExit);
  });

  test("exit() runs the callbacks, then ends the process with the status", async () => {
    const atexit = await load();
    vi.stubGlobal("Bun", {});
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    const log: string[] = [];
    atexit.register((event) => void log.push(`${seen(event)} ${event.code}`));
    await atexit.exit(4);
    expect(log).toEqual(["exit bun awaited 4"]);
    expect(exit).toHaveBeenCalledWith(4);
  });

  test("on another runtime it refuses, naming both, and registers nothing", async () => {
    const atexit = await load();
    expectRefused(atexit, "atexit/adapters/bun", "Bun", "Node.js");
  });

  test("defer() holds the work for the program: the awaited run waits for it before the callbacks", async () => {
    const atexit = await load();
    vi.stubGlobal("Bun", {});
    await expectDeferHeld(atexit, "AsyncLocalStorage");
  });

  test("ready() tells PM2 on Bun's process, once; with no supervisor nothing", async () => {
    const atexit = await load();
    vi.stubGlobal("Bun", {});
    await expectReadyToPm2(atexit);
  });

  test("ready() on another runtime (Node) refuses as register() does", async () => {
    const atexit = await load();
    expect(() => atexit.ready()).toThrow(/atexit\/adapters\/bun is for Bun, but this program runs on Node.js/);
  });
});
