/**
 * Servers that finish what they started: `drain(server)` registers an exit
 * callback that stops accepting connections, lets the requests in flight
 * finish, closes keep-alive connections as soon as they are idle, and closes
 * whatever is left by force at the time limit; WebSockets get a close frame
 * with 1001 and event streams end, as their protocols expect, and
 * `drainSignal(server)` cues what atexit cannot reach. It runs before the ordinary
 * callbacks (it is registered `first`), so the resources requests use close
 * after it. `isDraining()` turns true as soon as the program begins to end,
 * for a readiness endpoint. Works with `node:http` and
 * `node:https` servers (so Express's and Fastify's, on Node, Deno and Bun),
 * `node:http2` servers, `Deno.serve()` and `Bun.serve()`.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { drain, isDraining } from "atexit/http";
 *
 * const server = createServer((req, res) => {
 *   if (req.url === "/ready") res.statusCode = isDraining() ? 503 : 200;
 *   res.end();
 * }).listen(8080);
 * drain(server, { timeout: 8000 });
 * ```
 *
 * @module
 */

import { picked } from "../adapters/_pick.ts";
import type { BunServer, DenoServer, Http2Server, Http2Session, NodeRequest, NodeResponse, NodeServer, NodeSocket } from "../adapters/types/servers.ts";
import { getRegistry, sharedState } from "../src/realm.ts";
import { registerWith } from "../src/api.ts";
import { settled, sleep } from "../src/time.ts";
import type { ExitEvent, Registration } from "../src/types.ts";
import { type Check, checkOptions, describe, duration, reasonOf } from "../src/validate.ts";

/** Options for {@linkcode drain}. */
export interface DrainOptions {
  /**
   * When to close by force what is still open, in ms from the start of the
   * drain. Default: the configured callback `timeout` less 250 ms, so the
   * drain ends before its callback's time limit does.
   */
  readonly timeout?: number | undefined;
  /**
   * How long to keep serving after `isDraining()` turns true (when the
   * program begins to end), before the listener closes, in ms (default 0):
   * the time a load balancer needs to stop sending traffic, at least its
   * health check's interval × the failures it needs to mark a server down
   * (Kubernetes: the endpoint removal). Part of `timeout`.
   */
  readonly delay?: number | undefined;
}

/**
 * What a drain did, counted as it went (see {@linkcode drainCounts}). A
 * server kind counts what its runtime lets atexit see; the rest stay 0.
 */
export interface DrainCounts {
  /** Requests that finished while the drain closed connections (`node:http`; `Bun.serve`, its streams among them). */
  readonly requests: number;
  /** Idle keep-alive connections closed (`node:http`). */
  readonly idle: number;
  /** WebSockets sent a close frame with code 1001, going away (`node:http`, `Bun.serve`). */
  readonly websockets: number;
  /** Event streams (`text/event-stream` responses) the drain ended (`node:http`). */
  readonly streams: number;
  /** What was closed by force at the timeout: connections (`node:http`), sessions (`node:http2`), requests (`Bun.serve`). */
  readonly forced: number;
}

/** A server of any of the three runtimes. */
export type ServerLike = NodeServer | Http2Server | DenoServer | BunServer;

export type { BunServer, DenoServer, Http2Server, NodeServer };

/** How long before the callback's own time limit a default drain forces the close. */
const FORCE_MARGIN_MS = 250;
/** After the forced close, how long to wait for the server to report itself closed (inside FORCE_MARGIN_MS). */
const CLOSE_WAIT_MS = 200;
/**
 * How long a keep-alive connection whose last response could not say
 * `Connection: close` (its headers had left before the drain began) stays
 * open for the request its client may have queued behind that response: a
 * client sends it as soon as the response has arrived, one round trip later.
 */
const QUEUED_REQUEST_WAIT_MS = 500;
/** How often to look at Bun's pending requests (it has no event for them). */
const BUN_POLL_MS = 10;
/** A WebSocket close frame from a server (unmasked), code 1001: going away (RFC 6455, 5.5.1 and 7.4.1). */
const GOING_AWAY_FRAME = [0x88, 0x02, 0x03, 0xe9];
const SERVER_KINDS = "node:http, node:http2, Deno.serve or Bun.serve";
const LABELS = { node: "node:http", http2: "node:http2", deno: "Deno.serve", bun: "Bun.serve" } as const;

/**
 * What the drain of `server` (the last one, if it was drained more than
 * once) did so far: a copy of its {@linkcode DrainCounts}; undefined before
 * it began. `ATEXIT_DEBUG=1` prints them in one line when the drain ends.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { register } from "atexit";
 * import { drain, drainCounts } from "atexit/http";
 *
 * const server = createServer((_, res) => res.end("ok")).listen(8080);
 * drain(server);
 * register(() => console.log(drainCounts(server)));
 * ```
 */
export function drainCounts(server: ServerLike): DrainCounts | undefined {
  const counts = sharedState().drainCounts?.get(server);
  return counts && { ...counts };
}

/** The controller behind `server`'s drainSignal, made on first use, in the state every copy of atexit shares. */
function controllerOf(server: object): AbortController {
  const signals = (sharedState().drainSignals ??= new WeakMap());
  let controller = signals.get(server);
  if (!controller) signals.set(server, (controller = new AbortController()));
  return controller;
}

/** What ends a WebSocket that the `ws` package serves on a socket. */
interface WsSocket {
  readonly readyState: number;
  close(code: number): unknown;
}

/**
 * The `ws` package's WebSocket on an upgraded socket: ws (8.x) keeps it on
 * the socket under a symbol described "websocket", and atexit does not import
 * ws to find that symbol, so it looks for its description.
 */
function wsOf(socket: object): WsSocket | undefined {
  for (const key of Object.getOwnPropertySymbols(socket)) {
    const ws = (socket as Record<symbol, Partial<WsSocket> | undefined>)[key];
    if (key.description === "websocket" && typeof ws?.close === "function") return ws as WsSocket;
  }
  return undefined;
}

/**
 * Whether a response is a server-sent event stream. A content type given to
 * `writeHead(status, headers)` alone is not kept where `getHeader()` reads
 * (Node's and Deno's node:http; Bun's keeps it): there, only the header block
 * already written says it.
 */
function isEventStream(response: NodeResponse): boolean {
  if (!response.headersSent) return false;
  const declared = response.getHeader("content-type");
  if (declared !== undefined) return /^text\/event-stream/i.test(String(declared));
  return /\r\ncontent-type:[ \t]*text\/event-stream/i.test(String((response as { readonly _header?: unknown })._header));
}

const drainChecks: Readonly<Record<keyof DrainOptions, Check>> = {
  timeout: duration,
  delay: duration,
};

function serverKind(server: unknown, caller: string): "node" | "http2" | "deno" | "bun" | undefined {
  if (typeof server !== "object" || server === null) return undefined;
  const s = server as Record<string, unknown>;
  try {
    if (typeof s.close === "function" && typeof s.on === "function") {
      if (typeof s.closeAllConnections === "function") return "node";
      if (typeof s.updateSettings === "function") return "http2";
    }
    if (typeof s.shutdown === "function" && typeof (s.finished as PromiseLike<unknown> | undefined)?.then === "function") return "deno";
    if (typeof s.stop === "function" && typeof s.pendingRequests === "number") return "bun";
  } catch (error) {
    // A Proxy's trap or a getter that throws: the caller's input failing, said as such.
    throw new TypeError(`[atexit] ${caller}() could not read the server: ${reasonOf(error)}`, { cause: error });
  }
  return undefined;
}

/**
 * Whether the server should be taken out of rotation: true from the moment
 * the program begins to end on a path that waits for its callbacks (a signal,
 * `exit()`, `runHandlers()`), before any callback has run, and once a drain
 * has begun (any server's, or `server`'s). A load balancer's readiness check
 * hears "not ready" at once, while the drain's `delay` keeps serving.
 */
export function isDraining(server?: ServerLike): boolean {
  // An awaited run is the program ending (or runHandlers() draining every
  // server): every server in it is on its way out.
  if (getRegistry().current?.promise) return true;
  const { draining } = sharedState();
  return server === undefined ? draining !== undefined : draining?.has(server) === true;
}

/**
 * Drains `server` when the program ends (on the exit paths that can wait: a
 * signal, the natural end, `exit()`). The drain marks the server as draining
 * (see {@linkcode isDraining}), serves on for `delay` ms, stops accepting
 * connections, lets the requests in flight finish (on `node:http` their
 * responses carry `Connection: close`, idle keep-alive connections close at
 * once and busy ones as soon as their response is sent; `node:http2`
 * sessions get GOAWAY), ends event streams and sends WebSockets a close
 * frame with 1001 (see {@linkcode drainSignal} for what it cannot reach),
 * and at `timeout` closes whatever is left by force.
 *
 * @param server A `node:http`/`node:https`/`node:http2` server, `Deno.serve()`'s or `Bun.serve()`'s.
 * @param options `timeout` and `delay` ({@linkcode DrainOptions}).
 * @returns The registration: call it (or dispose of it) to drain nothing after all.
 * @throws {TypeError} If `server` is not a server, or an option has the wrong type or an unknown key.
 * @throws {RangeError} If `timeout` or `delay` is negative.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { drain } from "atexit/http";
 *
 * const server = createServer((_, res) => void setTimeout(() => res.end("done"), 1000)).listen(8080);
 * drain(server, { timeout: 5000, delay: 0 });
 * ```
 */
export function drain(server: ServerLike, options?: DrainOptions): Registration {
  const kind = serverKind(server, "drain");
  if (!kind) throw new TypeError(`[atexit] drain() expects a server (${SERVER_KINDS}), got ${describe(server)}`);
  const checked = checkOptions("drain", options, drainChecks) as DrainOptions;
  const delay = checked.delay ?? 0;
  const counts = { requests: 0, idle: 0, websockets: 0, streams: 0, forced: 0 };

  // node:http: the responses in flight, to mark them `Connection: close` and
  // close their sockets once sent. Tracked from now on: requests before it
  // are out of reach.
  const inFlight = new Map<NodeResponse, NodeSocket>();
  // Requests under way on each connection, and the connections whose client
  // was not told to close (see QUEUED_REQUEST_WAIT_MS).
  const busy = new Map<NodeSocket, number>();
  const untold = new Set<NodeSocket>();
  // Every connection (to count what closes), and the upgraded ones, which
  // leave Node's own tracking: neither closeIdleConnections() nor
  // closeAllConnections() reaches them. For each, whether it asked for a WebSocket.
  const sockets = new Set<NodeSocket>();
  const upgraded = new Map<NodeSocket, boolean>();
  // The event streams the drain ended: counted as streams, not as requests.
  const ended = new WeakSet<NodeResponse>();
  let stopping = false;
  const onUpgrade = (request: NodeRequest, socket: NodeSocket): void => {
    upgraded.set(socket, String(request.headers.upgrade).toLowerCase() === "websocket");
    socket.once("close", () => upgraded.delete(socket));
  };
  const track = (): void => {
    const node = server as NodeServer;
    node.on("request", (request, response) => {
      const { socket } = request;
      inFlight.set(response, socket);
      busy.set(socket, (busy.get(socket) ?? 0) + 1);
      if (stopping) tell(response, socket);
      response.once("close", () => {
        inFlight.delete(response);
        const left = busy.get(socket)! - 1;
        if (left > 0) busy.set(socket, left);
        else busy.delete(socket);
        if (!stopping) return;
        if (response.writableFinished && !ended.has(response)) counts.requests++;
        if (!untold.has(socket)) return closeIdle();
        // Its client may have queued a request behind this response: serve it
        // (told to close), or close the connection if none came.
        void sleep(QUEUED_REQUEST_WAIT_MS).then(() => {
          untold.delete(socket);
          if (!busy.has(socket) && !socket.destroyed) {
            socket.destroy();
            counts.idle++;
          }
          closeIdle();
        });
      });
    });
    node.on("connection", (socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
    // Node hands an upgrade request to the application only while the server
    // has an 'upgrade' listener, and answers it as an ordinary request
    // otherwise: atexit listens only while someone else does, so that its
    // listener changes nothing.
    let following = false;
    // Adding or removing atexit's own listener emits 'newListener' or
    // 'removeListener' again, and finds `following` already set: no loop.
    const setFollowing = (on: boolean): void => {
      if (on === following) return;
      following = on;
      if (on) node.on("upgrade", onUpgrade);
      else node.removeListener("upgrade", onUpgrade);
    };
    const others = (): number => node.listenerCount("upgrade") - (following ? 1 : 0);
    // 'newListener' comes before the listener is added (not counted yet), 'removeListener' after it is gone.
    node.on("newListener", (event) => {
      if (event === "upgrade") setFollowing(true);
    });
    node.on("removeListener", () => setFollowing(others() > 0));
    setFollowing(others() > 0);
  };
  // A response whose headers have not left says `Connection: close`, and Node
  // closes its connection once it is sent; one whose headers have left cannot.
  const tell = (response: NodeResponse, socket: NodeSocket): void => {
    if (response.headersSent) return void untold.add(socket);
    response.setHeader("Connection", "close");
    untold.delete(socket);
  };
  // An event stream never finishes by itself: ended, its client sees the
  // stream's end and reconnects (EventSource does, to another replica).
  const endStream = (response: NodeResponse): void => {
    if (response.writableEnded) return;
    // The application may write on until it hears 'close': Node reports a
    // write after the end as an 'error' event, which with no listener would
    // crash the program.
    response.on("error", () => {});
    response.end();
    ended.add(response);
    counts.streams++;
  };
  // A WebSocket served by the `ws` package is closed by it (its closing
  // handshake); one the application upgraded by hand gets the close frame
  // and the end of the connection. A handshake still under way (nothing
  // written yet) or another protocol is left to the forced close.
  const closeUpgraded = (socket: NodeSocket, webSocket: boolean): void => {
    const ws = wsOf(socket);
    if (ws) {
      // Only an open one: one already closing has its close frame.
      if (ws.readyState !== 1) return;
      ws.close(1001);
    } else {
      if (!webSocket || socket.destroyed || !(socket.bytesWritten! > 0)) return;
      socket.write(Uint8Array.from(GOING_AWAY_FRAME));
      socket.end();
      // Read on, for the client's own close and its end: a socket nobody
      // reads never sees the end, and would stay open until the forced close.
      socket.resume();
    }
    counts.websockets++;
  };
  const open = (): NodeSocket[] => [...sockets].filter((socket) => !socket.destroyed);
  const closeIdleCounted = (): void => {
    const before = open();
    (server as NodeServer).closeIdleConnections();
    counts.idle += before.filter((socket) => socket.destroyed).length;
  };
  // Idle keep-alive connections close, now that nothing else will be sent on
  // them; not while one waits for a queued request (it is idle too).
  const closeIdle = (): void => {
    if (untold.size === 0) closeIdleCounted();
  };

  const stopNode = async (limit: number, deadline: AbortSignal): Promise<void> => {
    const node = server as NodeServer;
    stopping = true;
    for (const [response, socket] of inFlight) {
      if (isEventStream(response)) endStream(response);
      else tell(response, socket);
    }
    for (const [socket, webSocket] of upgraded) closeUpgraded(socket, webSocket);
    const closed = new Promise<void>((resolve) => node.close(() => resolve()));
    closeIdleCounted();
    if (await settled(closed, limit, deadline)) return;
    counts.forced += open().length;
    node.closeAllConnections();
    for (const socket of upgraded.keys()) socket.destroy();
    await settled(closed, CLOSE_WAIT_MS);
  };

  // node:http2: each session is told GOAWAY (its streams in flight finish), and destroyed at the limit.
  const sessions = new Set<Http2Session>();
  const trackSessions = (): void => {
    (server as Http2Server).on("session", (session) => {
      sessions.add(session);
      session.once("close", () => sessions.delete(session));
    });
  };
  const stopHttp2 = async (limit: number, deadline: AbortSignal): Promise<void> => {
    const closed = new Promise<void>((resolve) => (server as Http2Server).close(() => resolve()));
    for (const session of sessions) session.close();
    if (await settled(closed, limit, deadline)) return;
    counts.forced += sessions.size;
    for (const session of sessions) session.destroy();
    await settled(closed, CLOSE_WAIT_MS);
  };

  const stopDeno = async (limit: number, deadline: AbortSignal): Promise<void> => {
    // Deno's shutdown() closes the upgraded WebSockets itself (their clients
    // get 1001) but waits for a streamed body to end: drainSignal() is the
    // application's cue. Deno has no forced close: past the limit, the
    // program's end cuts what is left.
    await settled((server as DenoServer).shutdown(), limit, deadline);
  };

  const stopBun = async (limit: number, deadline: AbortSignal): Promise<void> => {
    const bun = server as BunServer;
    const pending = bun.pendingRequests;
    // stop() stops listening and lets the requests in flight finish; stop(true) cuts them.
    void Promise.resolve(bun.stop()).catch(() => {});
    const until = Date.now() + limit;
    while (bun.pendingRequests > 0 && Date.now() < until && !deadline.aborted) {
      await sleep(Math.min(BUN_POLL_MS, until - Date.now()), deadline);
    }
    const left = bun.pendingRequests;
    const webSockets = bun.pendingWebSockets ?? 0;
    counts.requests = Math.max(0, pending - left);
    counts.forced = left;
    counts.websockets = webSockets;
    // stop() leaves the WebSockets open, and stop(true) sends each a close
    // frame with 1001: once no request is left to cut, that is their end.
    if (left > 0 || webSockets > 0) void Promise.resolve(bun.stop(true)).catch(() => {});
  };

  const run = async (event: ExitEvent): Promise<void> => {
    const started = Date.now();
    const registry = getRegistry();
    const limit = checked.timeout ?? Math.max(0, registry.config.timeout - FORCE_MARGIN_MS);
    (sharedState().draining ??= new WeakSet()).add(server);
    // In the state every copy shares: drainCounts() of another copy reads
    // them too; and under the exit callback, the exit report of whichever copy.
    (sharedState().drainCounts ??= new WeakMap()).set(server, counts).set(onExit, counts);
    // The delay counts from the run's start, when isDraining() turned true
    // (deferred work, or another server's drain, may have come first).
    const since = started - (registry.current?.startedAt ?? started);
    await sleep(Math.max(0, Math.min(delay, limit) - since), event.deadline);
    const left = Math.max(0, limit - (Date.now() - started));
    const stop = { node: stopNode, http2: stopHttp2, deno: stopDeno, bun: stopBun }[kind];
    // The application's own streams and sockets close first, on the drain's
    // signal, then the drain closes what is left.
    controllerOf(server).abort();
    try {
      await stop(left, event.deadline);
    } finally {
      picked().debug?.(
        `drain of a ${LABELS[kind]} server: ${counts.requests} requests finished, ${counts.idle} idle connections closed, ` +
          `${counts.websockets} WebSockets closed, ${counts.streams} streams ended, ${counts.forced} forced at the timeout`,
      );
    }
  };

  const onExit = (event: ExitEvent): Promise<void> | undefined => {
    // A path that cannot wait (process.exit, a crash) cannot drain: the end
    // cuts the connections. An invocation's end (atexit/request) is not the
    // program's: the server serves on, and the drain stays registered.
    if (!event.awaited || event.reason === "request") return undefined;
    return run(event);
  };
  const registration = registerWith(picked, onExit, {
    name: "drain",
    // Before the ordinary callbacks, whatever the order of registration:
    // the server stops taking work before what its requests use (a database
    // pool registered after the server was up) is closed.
    first: true,
    // The drain's own limit, with room for the forced close; by default, the configured one.
    ...(checked.timeout !== undefined && { timeout: checked.timeout + CLOSE_WAIT_MS + FORCE_MARGIN_MS }),
  });
  // Listened to once registered, and the registration taken back if that
  // fails (a hostile server): nothing is left half done.
  try {
    if (kind === "node") track();
    else if (kind === "http2") trackSessions();
  } catch (error) {
    registration();
    throw new TypeError(`[atexit] drain() could not listen to the server: ${reasonOf(error)}`, { cause: error });
  }
  return registration;
}

/**
 * An `AbortSignal` that aborts when the drain of `server` begins to close
 * connections (after its `delay`), before it closes anything itself: the cue
 * for what atexit cannot reach to end the way its protocol expects, such as
 * an event stream whose body is a `ReadableStream` (`Deno.serve`,
 * `Bun.serve`) or WebSockets the application keeps. One signal per server;
 * asked for once the drain has begun to close, it is already aborted. It
 * never aborts if the server is not drained.
 *
 * @param server A server as {@linkcode drain} takes.
 * @returns The server's drain signal.
 * @throws {TypeError} If `server` is not a server, or cannot be read.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { drain, drainSignal } from "atexit/http";
 *
 * const server = createServer((_, res) => {
 *   // A long poll, answered as soon as the server begins to close connections.
 *   const answer = (): void => void res.end("retry");
 *   drainSignal(server).addEventListener("abort", answer);
 *   res.on("close", () => drainSignal(server).removeEventListener("abort", answer));
 * }).listen(8080);
 * drain(server);
 * ```
 */
export function drainSignal(server: ServerLike): AbortSignal {
  if (!serverKind(server, "drainSignal")) throw new TypeError(`[atexit] drainSignal() expects a server (${SERVER_KINDS}), got ${describe(server)}`);
  return controllerOf(server).signal;
}
