// The Deno entry (adapters/deno.ts): what it binds the public functions to.
// Deno is stood in for by a fake `Deno` global (its exit, status and signal
// listeners recorded) and a window's listener methods; its node:process is
// the real process of the Node that runs the tests, which gets an `exit`
// listener: each test that registers clears the realm's registry after it,
// which takes the listeners off again. Each test loads the entry afresh, as
// its adapter is made once per load. Deno runs every exit path for real in
// test/e2e/deno.test.ts.
import { describe, expect, test, vi } from "vitest";
import { expectDeferHeld, expectReadyToPm2, expectRefused, fresh, resetAfterEach, seen } from "./entry.ts";

const load = () => fresh(() => import("../../../adapters/deno.ts"));

/** Deno's globals: the `Deno` namespace and the window's listener methods, with what was listened to and how it ended. */
function fakeDeno(exitCode = 0) {
  const listened = new Set<string>();
  const exits: Array<number | undefined> = [];
  const deno = {
    version: { deno: "2.0.0" },
    build: { os: "linux" },
    pid: 1234,
    exitCode,
    exit: (code?: number) => void exits.push(code),
    kill: () => {},
    addSignalListener: (signal: string) => void listened.add(signal),
    removeSignalListener: (signal: string) => void listened.delete(signal),
  };
  vi.stubGlobal("Deno", deno);
  vi.stubGlobal("addEventListener", (event: string) => void listened.add(event));
  vi.stubGlobal("removeEventListener", (event: string) => void listened.delete(event));
  return { listened, exits };
}


resetAfterEach();

describe("the Deno entry", () => {
  test("on Deno it listens to Deno's exit events and signals from the first registration, and the callbacks see Deno", async () => {
    const atexit = await load();
    const { listened } = fakeDeno();
    const log: string[] = [];
    const off = atexit.register((event) => void log.push(seen(event)));
    expect(typeof off).toBe("function");
    expect(atexit.count()).toBe(1);
    expect([...listened]).toEqual(["beforeunload", "unload", "error", "unhandledrejection", "SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU"]);
    await atexit.runHandlers();
    expect(log).toEqual(["manual deno awaited"]);
    // Consumed: the last one gone takes the listeners off.
    expect([...listened]).toEqual([]);
  });

  test("exit() runs the callbacks, then ends the program through Deno.exit with the status (by default Deno.exitCode)", async () => {
    const atexit = await load();
    const { exits } = fakeDeno(5);
    const log: string[] = [];
    atexit.register((event) => void log.push(`${seen(event)} ${event.code}`));
    await atexit.exit();
    expect(log).toEqual(["exit deno awaited 5"]);
    expect(exits).toEqual([5]);
  });

  test("on another runtime it refuses, naming both, and registers nothing", async () => {
    const atexit = await load();
    expectRefused(atexit, "atexit/adapters/deno", "Deno", "Node.js");
  });

  test("on a host it cannot name (globals blanked, a Deno global that is not Deno's) it hooks nothing and names none", async () => {
    const atexit = await load();
    const log: string[] = [];
    vi.stubGlobal("Deno", {});
    // Only while the entry makes its adapter: the test runner needs `process`.
    vi.stubGlobal("process", undefined);
    try {
      atexit.register((event) => void log.push(seen(event)));
    } finally {
      vi.unstubAllGlobals();
    }
    await atexit.runHandlers();
    expect(log).toEqual(["manual unknown awaited"]);
  });

  test("defer() holds the work for the program: the awaited run waits for it before the callbacks", async () => {
    const atexit = await load();
    fakeDeno();
    await expectDeferHeld(atexit, "AsyncLocalStorage");
  });

  test("ready() reads Deno's environment where granted and tells PM2 through node:process, once", async () => {
    const atexit = await load();
    fakeDeno();
    const env = new Map<string, string>();
    const deno = (globalThis as unknown as { Deno: Record<string, unknown> }).Deno;
    deno.env = { get: (name: string) => env.get(name) };
    deno.permissions = { querySync: () => ({ state: "granted" }) };
    await expectReadyToPm2(atexit, (name, value) => void env.set(name, value));
  });

  test("ready() on another runtime (Node) refuses as register() does", async () => {
    const atexit = await load();
    expect(() => atexit.ready()).toThrow(/atexit\/adapters\/deno is for Deno, but this program runs on Node.js/);
  });
});
