// The Node.js entry (adapters/node.ts): what it binds the public functions to.
// Here it runs on the Node that runs the tests, so it wires the real
// process's adapter: each test that registers clears the realm's registry
// after it, which takes the listeners off again, and process.exit is a spy.
// Each test loads the entry afresh, as its adapter is made once per load.
// Node runs every exit path for real in test/e2e/node.test.ts.
import { describe, expect, test, vi } from "vitest";
import { sharedState } from "../../../src/realm.ts";
import { expectDeferHeld, expectReadyToPm2, expectRefused, fresh, resetAfterEach, seen } from "./entry.ts";

const load = () => fresh(() => import("../../../adapters/node.ts"));


resetAfterEach();

describe("the Node.js entry", () => {
  test("on Node it listens on the process from the first registration, and the callbacks see Node", async () => {
    const atexit = await load();
    const before = process.listenerCount("beforeExit");
    const log: string[] = [];
    const off = atexit.register((event) => void log.push(seen(event)));
    expect(typeof off).toBe("function");
    expect(atexit.count()).toBe(1);
    expect(process.listenerCount("beforeExit")).toBe(before + 1);
    await atexit.runHandlers();
    expect(log).toEqual(["manual node awaited"]);
    // Consumed: the last one gone takes the listeners off.
    expect(atexit.count()).toBe(0);
    expect(process.listenerCount("beforeExit")).toBe(before);
  });

  test("exit() runs the callbacks, then ends the process with the status", async () => {
    const atexit = await load();
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    const log: string[] = [];
    atexit.register((event) => void log.push(`${seen(event)} ${event.code}`));
    await atexit.exit(3);
    expect(log).toEqual(["exit node awaited 3"]);
    expect(exit).toHaveBeenCalledWith(3);
  });

  test("on another runtime it refuses, naming both, and registers nothing", async () => {
    const atexit = await load();
    vi.stubGlobal("Bun", {});
    expectRefused(atexit, "atexit/adapters/node", "Node.js", "Bun");
  });

  test("defer() holds the work for the program: the awaited run waits for it before the callbacks", async () => {
    const atexit = await load();
    await expectDeferHeld(atexit, "AsyncLocalStorage");
  });

  test("ready() tells PM2 on Node's process, once; with no supervisor nothing", async () => {
    await expectReadyToPm2(await load());
  });

  test("ready() on another runtime refuses as register() does, and sends nothing", async () => {
    const atexit = await load();
    vi.stubGlobal("Bun", {});
    expect(() => atexit.ready()).toThrow(/atexit\/adapters\/node is for Node.js, but this program runs on Bun/);
    expect(sharedState().ready).toBeUndefined();
  });
});
