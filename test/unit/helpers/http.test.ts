// atexit/http (helpers/http.ts) against fake servers of each runtime's shape:
// what a drain calls, in which order, when, and the errors for bad input. The
// real servers (node:http, Express, Fastify, Deno.serve, Bun.serve) with real
// sockets are in test/e2e/drain.test.ts.
import { runNow } from "../../../src/run.ts";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { clear, configure, count, register, runHandlers } from "../../../adapters/auto.ts";
import { getRegistry } from "../../../src/realm.ts";
import { EventEmitter } from "node:events";
import { drain, drainCounts, drainSignal, isDraining, type ServerLike } from "../../../helpers/http.ts";
import { sharedState } from "../../../src/realm.ts";
import { withExit } from "../../../helpers/request.ts";
import type { ExitReport } from "../../../src/types.ts";
import { settledNow } from "../settled-now.ts";

// Every test runs on fake timers (Date included): a wait is a jump, so the
// drain's timings are asserted to the millisecond and take no real time.
beforeEach(() => void vi.useFakeTimers());
const sleep = (ms: number) => vi.advanceTimersByTimeAsync(ms);
/**
 * `promise`, run to its end: timer after timer, and no further, so the clock
 * then reads when it settled (a timer left behind would not move it).
 */
async function finish<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  promise.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  for (let timers = 0; timers < 10_000; timers++) {
    // A chain of awaits settles over several jobs: 20 turns outlast any here.
    for (let turn = 0; turn < 20 && !settled; turn++) await Promise.resolve();
    if (settled) break;
    await vi.advanceTimersToNextTimerAsync();
  }
  return promise;
}

interface FakeResponse {
  headersSent: boolean;
  getHeader(name: string): unknown;
  end(): void;
  on(): void;
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
    getHeader: () => undefined,
    end() {},
    on() {},
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
    listenerCount: () => 0,
    removeListener() {},
    closeIdleConnections: () => void calls.push(["closeIdleConnections", Date.now() - started]),
    closeAllConnections: () => void calls.push(["closeAllConnections", Date.now() - started]),
  };
  return server;
}

afterEach(() => {
  vi.useRealTimers();
  clear();
  configure({ timeout: 5000, totalTimeout: 9000 });
  sharedState().draining = undefined;
  sharedState().drainSignals = undefined;
  sharedState().drainCounts = undefined;
  vi.restoreAllMocks();
});

const names = (calls: Array<[string, number]>) => calls.map(([name]) => name);

describe("node:http", () => {
  test("stops accepting and closes idle connections at once; a server that closes gets nothing more", async () => {
    const server = nodeServer(5);
    drain(server as never, { timeout: 1000 });
    await finish(runHandlers());
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
    await finish(run);
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
    await finish(run);
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
    await finish(run);
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
    await finish(run);
  });

  test("a server still open at the timeout is closed by force, and the drain waits a little for it", async () => {
    const server = nodeServer(null);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    drain(server as never, { timeout: 80 });
    const started = Date.now();
    await finish(runHandlers());
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
    await finish(runHandlers());
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
    await finish(runHandlers());
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
    await finish(runHandlers());
    expect(error).toHaveBeenCalledWith('[atexit] exit callback "drain" failed (on manual):', new Error("not running"));
  });

  test("delay keeps the listener open for its duration, and the timeout counts it", async () => {
    const server = nodeServer(0);
    drain(server as never, { delay: 120, timeout: 2000 });
    await finish(runHandlers());
    expect(server.calls[0]![0]).toBe("close");
    expect(server.calls[0]![1]).toBeGreaterThanOrEqual(115);
    const capped = nodeServer(null);
    vi.spyOn(console, "error").mockImplementation(() => {});
    drain(capped as never, { delay: 5000, timeout: 100 });
    await finish(runHandlers());
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
    await finish(runHandlers());
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
    await finish(runHandlers());
    expect(server.calls).toEqual(["close", "a close"]);
  });

  test("sessions still open at the timeout are destroyed", async () => {
    const server = http2Server(null);
    drain(server as never, { timeout: 60 });
    server.session("a");
    const started = Date.now();
    await finish(runHandlers());
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
    await finish(runHandlers());
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
    await finish(run);
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
    await finish(runHandlers());
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
      await finish(run);
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
    await finish(run);
  });
});

describe("Deno.serve", () => {
  test("shuts the server down and waits for it", async () => {
    let end!: () => void;
    const shutdown = vi.fn(() => new Promise<void>((resolve) => (end = resolve)));
    const server = { shutdown, finished: Promise.resolve() };
    drain(server, { timeout: 2000 });
    let done = false;
    const run = runHandlers().then(() => (done = true));
    await sleep(30);
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(done).toBe(false);
    end();
    await finish(run);
    expect(done).toBe(true);
  });

  test("a shutdown that fails ends the drain at once, and is not the drain's failure", async () => {
    const server = { shutdown: () => Promise.reject(new Error("already closed")), finished: Promise.resolve() };
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    drain(server, { timeout: 2000 });
    expect(await settledNow(runHandlers())).toBe(true);
    expect(error).not.toHaveBeenCalled();
  });

  test("a shutdown still under way at the timeout is left to the program's end", async () => {
    const server = { shutdown: () => new Promise<void>(() => {}), finished: Promise.resolve() };
    drain(server, { timeout: 60 });
    const started = Date.now();
    await finish(runHandlers());
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
    await finish(runHandlers());
    expect(stops).toEqual([undefined]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test("requests still in flight at the timeout are cut with stop(true)", async () => {
    const stops: unknown[] = [];
    const server = { pendingRequests: 1, stop: (force?: boolean) => (stops.push(force), Promise.reject(new Error("closed"))) };
    drain(server, { timeout: 60 });
    const started = Date.now();
    await finish(runHandlers());
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
    try {
      drain(hostile as never);
    } catch (error) {
      expect(((error as Error).cause as Error).message).toBe("trap");
    }
    expect(count()).toBe(0);
  });

  test("fractional timeout and delay work", async () => {
    const server = nodeServer(0);
    drain(server as never, { timeout: 1.5, delay: 0.5 });
    await finish(runHandlers());
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

/** A fake connection of an EventEmitter: what was written, whether it was ended, resumed, destroyed. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  ended = false;
  resumed = false;
  written: number[][] = [];
  constructor(public bytesWritten = 0) {
    super();
  }
  write(chunk: Uint8Array) {
    this.written.push([...chunk]);
  }
  end() {
    this.ended = true;
  }
  resume() {
    this.resumed = true;
  }
  destroy() {
    this.destroyed = true;
  }
}

/** A fake node:http server on an EventEmitter ('newListener' and listenerCount are real); idle sockets are destroyed by closeIdleConnections. */
function emitterServer(closesAfter: number | null = 0) {
  const calls: string[] = [];
  const idle = new Set<FakeSocket>();
  const server = Object.assign(new EventEmitter(), {
    calls,
    idle,
    close(callback: () => void) {
      calls.push("close");
      if (closesAfter !== null) setTimeout(callback, closesAfter);
    },
    closeIdleConnections() {
      calls.push("closeIdleConnections");
      for (const socket of idle) socket.destroy();
    },
    closeAllConnections: () => void calls.push("closeAllConnections"),
    /** A new connection, idle unless told otherwise. */
    connect(options: { idle?: boolean; bytesWritten?: number } = {}) {
      const socket = new FakeSocket(options.bytesWritten);
      if (options.idle !== false) idle.add(socket);
      server.emit("connection", socket);
      return socket;
    },
    /** An upgraded connection, as Node hands it to the 'upgrade' listeners. */
    upgrade(upgrade: string, bytesWritten = 129) {
      const socket = server.connect({ idle: false, bytesWritten });
      server.emit("upgrade", { socket, headers: { upgrade } }, socket, new Uint8Array());
      return socket;
    },
  });
  return server;
}

/** A response on an EventEmitter, as node:http gives: its content type where getHeader() reads it, or only in the written header block. */
class FakeStream extends EventEmitter {
  headers: Record<string, string> = {};
  writableEnded = false;
  writableFinished = false;
  ends = 0;
  _header?: string;
  constructor(
    public headersSent: boolean,
    private type?: string,
  ) {
    super();
  }
  setHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getHeader(name: string) {
    return name === "content-type" ? this.type : undefined;
  }
  end() {
    this.ends++;
    this.writableEnded = true;
  }
  /** The response is over: sent in full, or not. */
  finish(finished = true) {
    this.writableFinished = finished;
    this.emit("close");
  }
}

const GOING_AWAY = [0x88, 0x02, 0x03, 0xe9];
const wsSymbol = Symbol("websocket");

describe("node:http upgrades (WebSockets)", () => {
  test("atexit listens to 'upgrade' only while the application does: Node answers an upgrade as a request when nobody listens", () => {
    const server = emitterServer();
    drain(server as never, { timeout: 100 });
    expect(server.listenerCount("upgrade")).toBe(0);
    const app = () => {};
    server.on("upgrade", app);
    expect(server.listenerCount("upgrade")).toBe(2);
    const other = () => {};
    server.on("upgrade", other);
    expect(server.listenerCount("upgrade")).toBe(3);
    server.removeListener("upgrade", app);
    expect(server.listenerCount("upgrade")).toBe(2);
    server.removeListener("upgrade", other);
    expect(server.listenerCount("upgrade")).toBe(0);
    server.on("upgrade", app);
    expect(server.listenerCount("upgrade")).toBe(2);
    server.removeListener("request", app);
    expect(server.listenerCount("upgrade")).toBe(2);
    server.removeListener("upgrade", app);
    // Other events change nothing.
    server.on("request", app);
    server.on("close", app);
    expect(server.listenerCount("upgrade")).toBe(0);
  });

  test("an 'upgrade' listener there before drain() is followed too", () => {
    const server = emitterServer();
    const app = () => {};
    server.on("upgrade", app);
    drain(server as never, { timeout: 100 });
    expect(server.listenerCount("upgrade")).toBe(2);
    server.removeListener("upgrade", app);
    expect(server.listenerCount("upgrade")).toBe(0);
  });

  test("a WebSocket of the ws package is closed by it with 1001; one already closing is not counted; the server then closes", async () => {
    const server = emitterServer(5);
    server.on("upgrade", () => {});
    drain(server as never, { timeout: 1000 });
    const socket = server.upgrade("websocket");
    const ws = { readyState: 1, close: vi.fn() };
    Object.assign(socket, { [Symbol("other")]: { close: vi.fn() }, [wsSymbol]: ws });
    const closing = server.upgrade("WebSocket");
    const wsClosing = { readyState: 2, close: vi.fn() };
    Object.assign(closing, { [wsSymbol]: wsClosing });
    await finish(runHandlers());
    expect(ws.close.mock.calls).toEqual([[1001]]);
    expect(wsClosing.close).not.toHaveBeenCalled();
    expect([socket.written, closing.written]).toEqual([[], []]);
    expect(drainCounts(server as never)).toEqual({ requests: 0, idle: 0, websockets: 1, streams: 0, forced: 0 });
  });

  test("the exit report carries the drain's counts on its callback, as drainCounts() gives them; a path that cannot wait drains nothing, and reports no counts", async () => {
    const reports: ExitReport[] = [];
    configure({ onReport: (report) => void reports.push(report) });
    try {
      const server = emitterServer(5);
      server.on("upgrade", () => {});
      drain(server as never, { timeout: 1000 });
      register(() => {}, { name: "pool" });
      const ws = { readyState: 1, close: vi.fn() };
      Object.assign(server.upgrade("websocket"), { [wsSymbol]: ws });
      await finish(runHandlers());
      expect(reports[0]!.callbacks.map(({ name, outcome, drain }) => ({ name, outcome, drain }))).toEqual([
        { name: "drain", outcome: "ok", drain: { requests: 0, idle: 0, websockets: 1, streams: 0, forced: 0 } },
        { name: "pool", outcome: "ok", drain: undefined },
      ]);
      expect(reports[0]!.callbacks[0]!.drain).toEqual(drainCounts(server as never));
      const other = emitterServer(5);
      drain(other as never);
      runNow(getRegistry(), { reason: "exit", code: 0, runtime: "node", final: true });
      expect(reports[1]!.callbacks).toEqual([{ name: "drain", outcome: "ok", duration: 0 }]);
    } finally {
      configure({ onReport: undefined });
    }
  });

  test("a WebSocket upgraded by hand gets the close frame 1001, its end, and is read on; a handshake under way, another protocol, a closed socket are left", async () => {
    const server = emitterServer(5);
    server.on("upgrade", () => {});
    drain(server as never, { timeout: 1000 });
    const raw = server.upgrade("websocket");
    // A symbol described "websocket" but holding no WebSocket: not the ws package's.
    Object.assign(raw, { [Symbol("websocket")]: { close: "not a function" }, [Symbol("websocket")]: undefined });
    const handshaking = server.upgrade("websocket", 0);
    const h2c = server.upgrade("h2c");
    const gone = server.upgrade("websocket");
    gone.destroy();
    const left = server.upgrade("websocket");
    left.emit("close");
    await finish(runHandlers());
    expect([raw.written, raw.ended, raw.resumed]).toEqual([[GOING_AWAY], true, true]);
    for (const socket of [handshaking, h2c, gone, left]) expect([socket.written, socket.ended]).toEqual([[], false]);
    expect(drainCounts(server as never)?.websockets).toBe(1);
  });

  test("at the timeout, the upgraded connections are destroyed too (closeAllConnections does not reach them), and every open connection is counted forced", async () => {
    const server = emitterServer(null);
    server.on("upgrade", () => {});
    drain(server as never, { timeout: 50 });
    const upgraded = server.upgrade("h2c");
    const busy = server.connect({ idle: false });
    const gone = server.connect({ idle: false });
    gone.emit("close");
    await finish(runHandlers());
    expect(server.calls).toEqual(["close", "closeIdleConnections", "closeAllConnections"]);
    expect(upgraded.destroyed).toBe(true);
    expect(busy.destroyed).toBe(false);
    expect(drainCounts(server as never)?.forced).toBe(2);
  });

  test("two requests under way on one connection: the first one's end leaves it open for the second", async () => {
    vi.useFakeTimers();
    try {
      const server = emitterServer(null);
      drain(server as never, { timeout: 2000 });
      const socket = server.connect({ idle: false });
      const [first, second] = [new FakeStream(true), new FakeStream(true)];
      server.emit("request", { socket }, first);
      server.emit("request", { socket }, second);
      const run = runHandlers();
      await vi.advanceTimersByTimeAsync(5);
      first.finish();
      await vi.advanceTimersByTimeAsync(600);
      expect(socket.destroyed).toBe(false);
      // Idle once the second is sent: Node's closeIdleConnections() closes it.
      server.idle.add(socket);
      second.finish();
      expect(socket.destroyed).toBe(true);
      await vi.advanceTimersByTimeAsync(2000);
      await finish(run);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("node:http event streams", () => {
  test("an event stream in flight is ended (an error written after it is swallowed), not told to close, and its connection closes at once", async () => {
    const server = emitterServer(null);
    drain(server as never, { timeout: 300 });
    const socket = server.connect({ idle: false });
    const stream = new FakeStream(true, "text/event-stream; charset=utf-8");
    server.emit("request", { socket }, stream);
    const run = runHandlers();
    await sleep(5);
    expect(stream.ends).toBe(1);
    expect(stream.headers).toEqual({});
    // The application's write after the end: Node reports it as an 'error' event.
    expect(() => stream.emit("error", new Error("write after end"))).not.toThrow();
    server.idle.add(socket);
    stream.finish();
    // Not kept 500 ms for a queued request: closed with the idle ones at once.
    expect(socket.destroyed).toBe(true);
    await finish(run);
    expect(drainCounts(server as never)).toEqual({ requests: 0, idle: 1, websockets: 0, streams: 1, forced: 0 });
  });

  test("a content type given to writeHead() alone is read from the header block written", async () => {
    const server = emitterServer(5);
    drain(server as never, { timeout: 300 });
    const written = Object.assign(new FakeStream(true), { _header: "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" });
    const plain = Object.assign(new FakeStream(true), { _header: "HTTP/1.1 200 OK\r\nX-Type: text/event-stream\r\n\r\n" });
    const nothing = new FakeStream(true);
    const typed = new FakeStream(true, "text/html; text/event-stream");
    const tight = Object.assign(new FakeStream(true), { _header: "HTTP/1.1 200 OK\r\ncontent-type:text/event-stream\r\n\r\n" });
    const spaced = new FakeStream(true, " text/event-stream");
    const pending = new FakeStream(false, "text/event-stream");
    const all = [written, plain, nothing, typed, pending, tight, spaced];
    for (const response of all) server.emit("request", { socket: server.connect({ idle: false }) }, response);
    await finish(runHandlers());
    expect(all.map((response) => response.ends)).toEqual([1, 0, 0, 0, 0, 1, 0]);
    // Not a stream yet: told to close, as any response whose headers have not left.
    expect(pending.headers).toEqual({ Connection: "close" });
  });

  test("a stream the application ended itself (on drainSignal) is neither ended again nor counted", async () => {
    const server = emitterServer(5);
    drain(server as never, { timeout: 300 });
    const stream = new FakeStream(true, "text/event-stream");
    server.emit("request", { socket: server.connect({ idle: false }) }, stream);
    drainSignal(server as never).addEventListener("abort", () => stream.end());
    await finish(runHandlers());
    expect(stream.ends).toBe(1);
    expect(drainCounts(server as never)?.streams).toBe(0);
  });
});

describe("counts", () => {
  test("requests that finish while the drain closes connections; not those cut, nor those before it; idle connections closed", async () => {
    const server = emitterServer(null);
    drain(server as never, { timeout: 200 });
    expect(drainCounts(server as never)).toBeUndefined();
    const early = new FakeStream(false);
    server.emit("request", { socket: server.connect({ idle: false }) }, early);
    early.finish();
    const done = new FakeStream(false);
    const cut = new FakeStream(false);
    server.emit("request", { socket: server.connect({ idle: false }) }, done);
    server.emit("request", { socket: server.connect({ idle: false }) }, cut);
    server.connect();
    server.connect();
    const closedBefore = server.connect();
    closedBefore.destroy();
    const run = runHandlers();
    await sleep(5);
    done.finish();
    cut.finish(false);
    await finish(run);
    const counts = drainCounts(server as never)!;
    // The three busy connections are still open at the timeout (the fake closes none after its response).
    expect(counts).toEqual({ requests: 1, idle: 2, websockets: 0, streams: 0, forced: 3 });
    // A copy: what a caller does with it changes nothing.
    (counts as { requests: number }).requests = 9;
    expect(drainCounts(server as never)?.requests).toBe(1);
  });

  test("a connection closed after the wait for a queued request is counted idle, unless its client closed it first", async () => {
    vi.useFakeTimers();
    try {
      const server = emitterServer(null);
      drain(server as never, { timeout: 2000 });
      const sockets = [server.connect({ idle: false }), server.connect({ idle: false })];
      const streams = sockets.map((socket) => {
        const response = new FakeStream(true);
        server.emit("request", { socket }, response);
        return response;
      });
      const run = runHandlers();
      await vi.advanceTimersByTimeAsync(5);
      for (const response of streams) response.finish();
      sockets[1]!.destroy();
      await vi.advanceTimersByTimeAsync(500);
      expect(sockets[0]!.destroyed).toBe(true);
      expect(drainCounts(server as never)?.idle).toBe(1);
      await vi.advanceTimersByTimeAsync(2000);
      await finish(run);
    } finally {
      vi.useRealTimers();
    }
  });

  test("a second drain of the server counts afresh", async () => {
    const server = emitterServer(0);
    drain(server as never, { timeout: 100 });
    server.connect();
    await finish(runHandlers());
    expect(drainCounts(server as never)?.idle).toBe(1);
    drain(server as never, { timeout: 100 });
    await finish(runHandlers());
    expect(drainCounts(server as never)?.idle).toBe(0);
  });

  test("node:http2: the sessions destroyed at the timeout are counted forced", async () => {
    const server = http2Server(null);
    drain(server as never, { timeout: 30 });
    server.session("a");
    server.session("b");
    await finish(runHandlers());
    expect(drainCounts(server as never)).toEqual({ requests: 0, idle: 0, websockets: 0, streams: 0, forced: 2 });
  });

  test("another copy of atexit/http reads the counts of this copy's drain", async () => {
    const server = emitterServer(0);
    drain(server as never, { timeout: 100 });
    server.connect();
    await finish(runHandlers());
    vi.resetModules();
    const other = await import("../../../helpers/http.ts");
    expect(other.drainCounts(server as never)).toEqual({ requests: 0, idle: 1, websockets: 0, streams: 0, forced: 0 });
  });

  test("ATEXIT_DEBUG=1 prints them in one line on stderr, with the server's kind; without it, nothing", async () => {
    vi.stubEnv("ATEXIT_DEBUG", "1");
    vi.resetModules();
    try {
      const fresh = await import("../../../helpers/http.ts");
      const error = vi.spyOn(console, "error").mockImplementation(() => {});
      const server = emitterServer(0);
      // A fresh copy has drained nothing.
      expect(fresh.drainCounts(server as never)).toBeUndefined();
      fresh.drain(server as never, { timeout: 100 });
      server.connect();
      await finish(runHandlers());
      expect(error.mock.calls).toEqual([
        [
          "[atexit] drain of a node:http server: 0 requests finished, 1 idle connections closed, 0 WebSockets closed, 0 streams ended, 0 forced at the timeout",
        ],
      ]);
      error.mockClear();
      const failing = { ...nodeServer(0), closeIdleConnections: () => { throw new Error("down"); } };
      fresh.drain(failing as never, { timeout: 100 });
      const bun = { pendingRequests: 0, pendingWebSockets: 0, stop() {} };
      fresh.drain(bun, { timeout: 100 });
      await finish(runHandlers());
      // Said also when the drain fails; each server kind by its name.
      expect(error.mock.calls.map(([line]) => String(line).slice(0, 36))).toEqual([
        "[atexit] drain of a Bun.serve server",
        "[atexit] drain of a node:http server",
        '[atexit] exit callback "drain" faile',
      ]);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
      vi.restoreAllMocks();
    }
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    drain(emitterServer(0) as never, { timeout: 100 });
    await finish(runHandlers());
    expect(error).not.toHaveBeenCalled();
  });
});

describe("drainSignal()", () => {
  test("aborts when the drain begins to close connections, after the delay and before anything is closed; one signal per server", async () => {
    vi.useFakeTimers();
    try {
      const server = emitterServer(0);
      const signal = drainSignal(server as never);
      expect(drainSignal(server as never)).toBe(signal);
      expect(drainSignal(emitterServer() as never)).not.toBe(signal);
      const seen: string[][] = [];
      signal.addEventListener("abort", () => void seen.push([...server.calls]));
      drain(server as never, { delay: 100, timeout: 1000 });
      const run = runHandlers();
      await vi.advanceTimersByTimeAsync(99);
      expect(signal.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(seen).toEqual([[]]);
      await vi.advanceTimersByTimeAsync(10);
      await finish(run);
      // Asked for once the drain has begun to close: already aborted.
      expect(drainSignal(server as never).aborted).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  test("a server drained without anyone asking for its signal: asked for later, it is aborted", async () => {
    const server = { shutdown: () => Promise.resolve(), finished: Promise.resolve() };
    drain(server, { timeout: 100 });
    await finish(runHandlers());
    expect(drainSignal(server).aborted).toBe(true);
  });

  test("Deno.serve: aborted before shutdown() is called (the application's streams end, and shutdown can finish)", async () => {
    const order: string[] = [];
    const server = { shutdown: () => (order.push("shutdown"), Promise.resolve()), finished: Promise.resolve() };
    drainSignal(server).addEventListener("abort", () => void order.push("abort"));
    drain(server, { timeout: 100 });
    await finish(runHandlers());
    expect(order).toEqual(["abort", "shutdown"]);
  });

  test.each([
    [undefined, "undefined"],
    [{ close() {}, on() {} }, "object"],
    ["server", "string"],
  ])("drainSignal(%s) is a TypeError naming what it got", (value, what) => {
    expect(() => drainSignal(value as never)).toThrow(
      new TypeError(`[atexit] drainSignal() expects a server (node:http, node:http2, Deno.serve or Bun.serve), got ${what}`),
    );
    expect(sharedState().drainSignals).toBeUndefined();
  });

  test("a Proxy whose traps throw: an [atexit] TypeError saying it could not read the server, and no signal is made", () => {
    const hostile = new Proxy({}, { get: () => { throw new Error("trap"); } });
    expect(() => drainSignal(hostile as never)).toThrow(new TypeError("[atexit] drainSignal() could not read the server: trap"));
    expect(sharedState().drainSignals).toBeUndefined();
    expect(count()).toBe(0);
  });
});

describe("Bun.serve WebSockets", () => {
  test("once no request is left, the open WebSockets get stop(true), which sends each 1001; counted", async () => {
    const stops: unknown[] = [];
    const server = { pendingRequests: 2, pendingWebSockets: 3, stop: (force?: boolean) => void stops.push(force) };
    drain(server, { timeout: 1000 });
    setTimeout(() => (server.pendingRequests = 0), 30);
    await finish(runHandlers());
    expect(stops).toEqual([undefined, true]);
    expect(drainCounts(server)).toEqual({ requests: 2, idle: 0, websockets: 3, streams: 0, forced: 0 });
  });

  test("a Bun without pendingWebSockets, and no request left: nothing is cut", async () => {
    const stops: unknown[] = [];
    const server = { pendingRequests: 0, stop: (force?: boolean) => void stops.push(force) };
    drain(server, { timeout: 1000 });
    await finish(runHandlers());
    expect(stops).toEqual([undefined]);
    expect(drainCounts(server)).toEqual({ requests: 0, idle: 0, websockets: 0, streams: 0, forced: 0 });
  });

  test("requests left at the timeout are counted forced", async () => {
    const server = { pendingRequests: 3, pendingWebSockets: 0, stop: () => {} };
    drain(server, { timeout: 40 });
    setTimeout(() => (server.pendingRequests = 1), 10);
    await finish(runHandlers());
    expect(drainCounts(server)).toEqual({ requests: 2, idle: 0, websockets: 0, streams: 0, forced: 1 });
  });
});
