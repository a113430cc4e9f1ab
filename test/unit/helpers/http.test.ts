// atexit/http (helpers/http.ts) against fake servers of each runtime's shape:
// what a drain calls, in which order, when, and the errors for bad input. The
// real servers (node:http, Express, Fastify, Deno.serve, Bun.serve) with real
// sockets are in test/e2e/drain.test.ts.
import { runNow } from "../../../src/run.ts";
import { afterEach, describe, expect, test, vi } from "vitest";
import { clear, configure, count, register, runHandlers } from "../../../adapters/auto.ts";
import { getRegistry } from "../../../src/realm.ts";
import { drain, isDraining, type ServerLike } from "../../../helpers/http.ts";
import { sharedState } from "../../../src/realm.ts";
import { withExit } from "../../../helpers/request.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface FakeResponse {
  headersSent: boolean;
  headers: Record<string, string>;
  setHeader(name: string, value: string): void;
  once(event: "close", listener: () => void): void;
  close(): void;
}

function response(headersSent = false): FakeResponse {
  const listeners: Array<() => void> = [];
  return {
    headersSent,
    headers: {},
    setHeader(name, value) {
      this.headers[name] = value;
    },
    once: (event, listener) => void (event === "close" && listeners.push(listener)),
    close: () => listeners.forEach((listener) => listener()),
  };
}

/** A fake connection: whether it was destroyed. */
const connection = () => ({ destroyed: false, destroy() { this.destroyed = true; } });

/** A fake node:http server; `closesAfter` is when close() calls back (never if null). */
function nodeServer(closesAfter: number | null = 0) {
  const calls: Array<[string, number]> = [];
  const started = Date.now();
  let onRequest: ((request: unknown, response: FakeResponse) => void) | undefined;
  const server = {
    calls,
    /** A request on `socket` (a new connection unless given), answered by `res`. */
    request(res: FakeResponse, socket = connection()) {
      onRequest?.({ socket }, res);
      return res;
    },
    close(callback: () => void) {
      calls.push(["close", Date.now() - started]);
      if (closesAfter !== null) setTimeout(callback, closesAfter);
    },
    on(event: string, listener: (request: unknown, response: FakeResponse) => void) {
      if (event === "request") onRequest = listener;
    },
    closeIdleConnections: () => void calls.push(["closeIdleConnections", Date.now() - started]),
    closeAllConnections: () => void calls.push(["closeAllConnections", Date.now() - started]),
  };
  return server;
}

afterEach(() => {
  clear();
  configure({ timeout: 5000, totalTimeout: 9000 });
  sharedState().draining = undefined;
  vi.restoreAllMocks();
});

const names = (calls: Array<[string, number]>) => calls.map(([name]) => name);

describe("node:http", () => {
  test("stops accepting and closes idle connections at once; a server that closes gets nothing more", async () => {
    const server = nodeServer(5);
    drain(server as never, { timeout: 1000 });
    await runHandlers();
    expect(names(server.calls)).toEqual(["close", "closeIdleConnections"]);
  });

  test("responses in flight get Connection: close unless their headers have left; so do requests during the drain", async () => {
    const server = nodeServer(30);
    drain(server as never, { timeout: 1000 });
    const waiting = server.request(response());
    const streaming = server.request(response(true));
    const run = runHandlers();
    await sleep(5);
    const late = server.request(response());
    await run;
    expect(waiting.headers).toEqual({ Connection: "close" });
    expect(streaming.headers).toEqual({});
    expect(late.headers).toEqual({ Connection: "close" });
  });

  test("a response sent during the drain closes the idle connections again (its keep-alive socket); before it, not", async () => {
    const server = nodeServer(30);
    drain(server as never, { timeout: 1000 });
    const before = server.request(response(true));
    before.close();
    const earlier = server.request(response());
    expect(earlier.headers).toEqual({});
    earlier.close();
    expect(names(server.calls)).toEqual([]);
    const waiting = server.request(response());
    const run = runHandlers();
    await sleep(5);
    waiting.close();
    await run;
    expect(names(server.calls)).toEqual(["close", "closeIdleConnections", "closeIdleConnections"]);
  });

  test("a connection whose response could not say close waits 500 ms for a queued request, then is destroyed", async () => {
    // The server reports itself closed only at the forced close (700 ms), as Node's does while a connection is open.
    const server = nodeServer(null);
    drain(server as never, { timeout: 700 });
    const socket = connection();
    const streaming = server.request(response(true), socket);
    const run = runHandlers();
    await sleep(5);
    streaming.close();
    await sleep(400);
    // Idle, but its client may still send what it queued: not closed, nor are the other idle ones.
    expect([socket.destroyed, names(server.calls)]).toEqual([false, ["close", "closeIdleConnections"]]);
    await sleep(200);
    expect([socket.destroyed, names(server.calls)]).toEqual([true, ["close", "closeIdleConnections", "closeIdleConnections"]]);
    await run;
  });

  test("a request queued behind that response is served with Connection: close, and its connection is left to Node", async () => {
    const server = nodeServer(null);
    drain(server as never, { timeout: 700 });
    const socket = connection();
    const streaming = server.request(response(true), socket);
    const run = runHandlers();
    await sleep(5);
    streaming.close();
    await sleep(50);
    const queued = server.request(response(), socket);
    expect(queued.headers).toEqual({ Connection: "close" });
    await sleep(500);
    // Still busy when the wait ended: not destroyed under the request.
    expect(socket.destroyed).toBe(false);
    queued.close();
    expect(socket.destroyed).toBe(false);
    expect(names(server.calls)).toEqual(["close", "closeIdleConnections", "closeIdleConnections", "closeIdleConnections"]);
    await run;
  });

  test("a server still open at the timeout is closed by force, and the drain waits a little for it", async () => {
    const server = nodeServer(null);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    drain(server as never, { timeout: 80 });
    const started = Date.now();
    await runHandlers();
    const took = Date.now() - started;
    expect(error.mock.calls).toEqual([]);
    expect(names(server.calls)).toEqual(["close", "closeIdleConnections", "closeAllConnections"]);
    expect(server.calls[2]![1]).toBeGreaterThanOrEqual(75);
    // 80 ms, then up to 200 ms for the close to be reported; within the callback's own limit.
    expect(took).toBeGreaterThanOrEqual(270);
    expect(took).toBeLessThan(1000);
    expect(error).not.toHaveBeenCalled();
  });

  test("without a timeout, the force comes 250 ms before the configured callback timeout", async () => {
    configure({ timeout: 400 });
    const server = nodeServer(null);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    drain(server as never);
    await runHandlers();
    const forced = server.calls.find(([name]) => name === "closeAllConnections")![1];
    expect(forced).toBeGreaterThanOrEqual(140);
    expect(forced).toBeLessThan(300);
    // Forced and waited for inside the callback's own 400 ms: not a failure.
    expect(error).not.toHaveBeenCalled();
  });

  test("an explicit timeout longer than the configured one gives the callback room for it", async () => {
    configure({ timeout: 100 });
    const server = nodeServer(null);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    drain(server as never, { timeout: 300 });
    await runHandlers();
    expect(server.calls[2]![0]).toBe("closeAllConnections");
    expect(server.calls[2]![1]).toBeGreaterThanOrEqual(290);
    expect(error).not.toHaveBeenCalled();
  });

  test("a drain that fails is reported under the name drain", async () => {
    const server = {
      ...nodeServer(0),
      closeIdleConnections: () => {
        throw new Error("not running");
      },
    };
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    drain(server as never, { timeout: 100 });
    await runHandlers();
    expect(error).toHaveBeenCalledWith('[atexit] exit callback "drain" failed (on manual):', new Error("not running"));
  });

  test("delay keeps the listener open for its duration, and the timeout counts it", async () => {
    const server = nodeServer(0);
    drain(server as never, { delay: 120, timeout: 2000 });
    await runHandlers();
    expect(server.calls[0]![0]).toBe("close");
    expect(server.calls[0]![1]).toBeGreaterThanOrEqual(115);
    const capped = nodeServer(null);
    vi.spyOn(console, "error").mockImplementation(() => {});
    drain(capped as never, { delay: 5000, timeout: 100 });
    await runHandlers();
    // The delay cannot outlast the timeout: close at 100 ms, forced at once.
    expect(names(capped.calls)).toEqual(["close", "closeIdleConnections", "closeAllConnections"]);
    expect(capped.calls[0]![1]).toBeLessThan(400);
    expect(capped.calls[2]![1]).toBeLessThan(180);
  });

  test("the run's total deadline cuts the delay and the wait short", async () => {
    configure({ totalTimeout: 100 });
    const server = nodeServer(null);
    vi.spyOn(console, "error").mockImplementation(() => {});
    drain(server as never, { delay: 3000, timeout: 6000 });
    const started = Date.now();
    await runHandlers();
    expect(names(server.calls)).toEqual(["close", "closeIdleConnections", "closeAllConnections"]);
    expect(server.calls[2]![1]).toBeLessThan(400);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test("an invocation's end (withExit's phase) drains nothing, and the drain stays registered for the exit", async () => {
    const server = nodeServer(0);
    drain(server as never);
    const ran: string[] = [];
    register((event) => void ran.push(event.reason));
    await withExit(() => "response")();
    for (let waited = 0; waited < 1000 && ran.length === 0; waited += 5) await sleep(5);
    expect(ran).toEqual(["request"]);
    expect(server.calls).toEqual([]);
    expect(isDraining()).toBe(false);
    expect(count()).toBe(2);
  });

  test("a path that cannot wait drains nothing", () => {
    const server = nodeServer(0);
    drain(server as never);
    runNow(getRegistry(), { reason: "exit", code: 0, runtime: "node", final: true });
    expect(server.calls).toEqual([]);
    expect(isDraining()).toBe(false);
  });
});

/** A fake node:http2 server and its sessions; `closesAfter` as for nodeServer. */
function http2Server(closesAfter: number | null = 0) {
  const calls: string[] = [];
  let onSession: ((session: unknown) => void) | undefined;
  const server = {
    calls,
    session(name: string) {
      const listeners: Array<() => void> = [];
      const session = {
        close: () => void calls.push(`${name} close`),
        destroy: () => void calls.push(`${name} destroy`),
        once: (event: string, listener: () => void) => void (event === "close" && listeners.push(listener)),
        end: () => listeners.forEach((listener) => listener()),
      };
      onSession?.(session);
      return session;
    },
    close(callback: () => void) {
      calls.push("close");
      if (closesAfter !== null) setTimeout(callback, closesAfter);
    },
    on(event: string, listener: (session: unknown) => void) {
      if (event === "session") onSession = listener;
    },
    updateSettings() {},
  };
  return server;
}

describe("node:http2", () => {
  test("stops accepting and sends GOAWAY to each open session; a session already closed gets nothing", async () => {
    const server = http2Server(5);
    drain(server as never, { timeout: 1000 });
    server.session("a");
    server.session("b").end();
    await runHandlers();
    expect(server.calls).toEqual(["close", "a close"]);
  });

  test("sessions still open at the timeout are destroyed", async () => {
    const server = http2Server(null);
    drain(server as never, { timeout: 60 });
    server.session("a");
    const started = Date.now();
    await runHandlers();
    expect(server.calls).toEqual(["close", "a close", "a destroy"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(Date.now() - started).toBeLessThan(600);
  });
});

describe("isDraining()", () => {
  test("false before; then true for the drained server and overall, false for another", async () => {
    const server = nodeServer(0);
    const other = nodeServer(0);
    drain(server as never, { timeout: 100 });
    expect(isDraining()).toBe(false);
    expect(isDraining(server as never)).toBe(false);
    await runHandlers();
    expect(isDraining()).toBe(true);
    expect(isDraining(server as never)).toBe(true);
    expect(isDraining(other as never)).toBe(false);
  });

  test("turns true the moment an awaited run begins, before any callback, for every server; a run that cannot wait does not", async () => {
    const server = nodeServer(0);
    const other = nodeServer(0);
    drain(server as never, { timeout: 100 });
    runNow(getRegistry(), { reason: "exit", code: 0, runtime: "node", final: true });
    expect(isDraining()).toBe(false);
    drain(server as never, { timeout: 100 });
    const run = runHandlers();
    expect(isDraining()).toBe(true);
    expect(isDraining(server as never)).toBe(true);
    expect(isDraining(other as never)).toBe(true);
    expect(server.calls).toEqual([]);
    await run;
    // Over: the drained server says so still, the other no more.
    expect(isDraining(server as never)).toBe(true);
    expect(isDraining(other as never)).toBe(false);
  });

  test("the drain runs before callbacks registered after it (a pool closed once the server was up)", async () => {
    const server = nodeServer(0);
    drain(server as never, { timeout: 100 });
    const seen: string[][] = [];
    register(() => void seen.push(names(server.calls)));
    register(() => void seen.push(names(server.calls)), { last: true });
    await runHandlers();
    expect(seen).toEqual([
      ["close", "closeIdleConnections"],
      ["close", "closeIdleConnections"],
    ]);
  });

  test("the delay counts from the run's start: work awaited before the drain is part of it", async () => {
    vi.useFakeTimers();
    try {
      const server = nodeServer(0);
      drain(server as never, { delay: 300, timeout: 2000 });
      // A first-phase callback registered later runs before the drain, and takes 200 ms of the 300.
      register(() => sleep(200), { first: true });
      const run = runHandlers();
      await vi.advanceTimersByTimeAsync(299);
      expect(server.calls).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(names(server.calls)).toEqual(["close", "closeIdleConnections"]);
      await vi.advanceTimersByTimeAsync(10);
      await run;
    } finally {
      vi.useRealTimers();
    }
  });

  test("turns true before the delay, while the server still serves", async () => {
    const server = nodeServer(0);
    drain(server as never, { delay: 100, timeout: 1000 });
    const run = runHandlers();
    await sleep(30);
    expect(isDraining(server as never)).toBe(true);
    expect(server.calls).toEqual([]);
    await run;
  });
});

describe("Deno.serve", () => {
  test("shuts the server down and waits for it", async () => {
    let finish!: () => void;
    const shutdown = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const server = { shutdown, finished: Promise.resolve() };
    drain(server, { timeout: 2000 });
    let done = false;
    const run = runHandlers().then(() => (done = true));
    await sleep(30);
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(done).toBe(false);
    finish();
    await run;
    expect(done).toBe(true);
  });

  test("a shutdown that fails ends the drain at once, and is not the drain's failure", async () => {
    const server = { shutdown: () => Promise.reject(new Error("already closed")), finished: Promise.resolve() };
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    drain(server, { timeout: 2000 });
    const started = Date.now();
    await runHandlers();
    expect(Date.now() - started).toBeLessThan(500);
    expect(error).not.toHaveBeenCalled();
  });

  test("a shutdown still under way at the timeout is left to the program's end", async () => {
    const server = { shutdown: () => new Promise<void>(() => {}), finished: Promise.resolve() };
    drain(server, { timeout: 60 });
    const started = Date.now();
    await runHandlers();
    expect(Date.now() - started).toBeLessThan(400);
  });
});

describe("Bun.serve", () => {
  test("stops listening, waits for the requests in flight, and cuts nothing when they finish", async () => {
    const stops: unknown[] = [];
    const server = { pendingRequests: 2, stop: (force?: boolean) => void stops.push(force) };
    drain(server, { timeout: 1000 });
    setTimeout(() => (server.pendingRequests = 0), 50);
    const started = Date.now();
    await runHandlers();
    expect(stops).toEqual([undefined]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test("requests still in flight at the timeout are cut with stop(true)", async () => {
    const stops: unknown[] = [];
    const server = { pendingRequests: 1, stop: (force?: boolean) => (stops.push(force), Promise.reject(new Error("closed"))) };
    drain(server, { timeout: 60 });
    const started = Date.now();
    await runHandlers();
    expect(stops).toEqual([undefined, true]);
    expect(Date.now() - started).toBeLessThan(400);
  });
});

describe("bad input", () => {
  test.each([
    [undefined, "undefined"],
    [null, "null"],
    [() => {}, "function"],
    [{ close() {}, on() {} }, "object"],
    [{ close() {}, updateSettings() {} }, "object"],
    [{ on() {}, updateSettings() {} }, "object"],
    [{ on() {}, closeAllConnections() {} }, "object"],
    [{ close() {}, closeAllConnections() {} }, "object"],
    [{ finished: Promise.resolve() }, "object"],
    [{ pendingRequests: 0 }, "object"],
    [{ shutdown() {} }, "object"],
    [{ stop() {} }, "object"],
  ])("drain(%s) is a TypeError naming what it got", (value, what) => {
    expect(() => drain(value as never)).toThrow(
      new TypeError(`[atexit] drain() expects a server (node:http, node:http2, Deno.serve or Bun.serve), got ${what}`),
    );
    expect(count()).toBe(0);
  });

  const throwing = () => {
    throw new Error("trap");
  };
  test.each([
    ["a Proxy whose get trap throws", new Proxy({}, { get: throwing })],
    ["a Proxy whose has and get traps throw", new Proxy({}, { get: throwing, has: throwing })],
    ["a server whose close getter throws", { get close() { return throwing(); } }],
  ])("drain(%s) is an [atexit] TypeError saying it could not read the server; nothing is registered", (_, value) => {
    let thrown: unknown;
    try {
      drain(value as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toBe("[atexit] drain() could not read the server: trap");
    expect(((thrown as Error).cause as Error).message).toBe("trap");
    expect(count()).toBe(0);
  });

  test("a server whose on() throws: an [atexit] TypeError, and the registration is taken back", () => {
    const hostile = { ...nodeServer(0), on: throwing };
    expect(() => drain(hostile as never)).toThrow(new TypeError("[atexit] drain() could not listen to the server: trap"));
    expect(count()).toBe(0);
  });

  test("fractional timeout and delay work", async () => {
    const server = nodeServer(0);
    drain(server as never, { timeout: 1.5, delay: 0.5 });
    await runHandlers();
    expect(names(server.calls).slice(0, 2)).toEqual(["close", "closeIdleConnections"]);
  });

  const server = (): ServerLike => nodeServer(0) as never;
  test.each([
    [{ timeout: -1 }, RangeError, 'option "timeout" must be 0 or more milliseconds, got -1'],
    [{ delay: "1s" }, TypeError, 'option "delay" must be a number of milliseconds, got string'],
    [{ grace: 1 }, TypeError, 'got an unknown option "grace" (known: timeout, delay)'],
    [null, TypeError, "expects an options object, got null"],
  ])("options %o: %s", (options, type, message) => {
    expect(() => drain(server(), options as never)).toThrow(new type(`[atexit] drain() ${message}`));
    expect(count()).toBe(0);
  });
});
