/**
 * Servers that finish what they started: `drain(server)` registers an exit
 * callback that stops accepting connections, lets the requests in flight
 * finish, closes keep-alive connections as soon as they are idle, and closes
 * whatever is left by force at the time limit. It runs before the ordinary
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
import type { BunServer, DenoServer, Http2Server, Http2Session, NodeRequest, NodeResponse, NodeServer } from "../adapters/types/servers.ts";
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

const drainChecks: Readonly<Record<keyof DrainOptions, Check>> = {
  timeout: duration,
  delay: duration,
};

function serverKind(server: unknown): "node" | "http2" | "deno" | "bun" | undefined {
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
    throw new TypeError(`[atexit] drain() could not read the server: ${reasonOf(error)}`, { cause: error });
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
 * sessions get GOAWAY), and at `timeout` closes whatever is left by force.
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
  const kind = serverKind(server);
  if (!kind) throw new TypeError(`[atexit] drain() expects a server (node:http, node:http2, Deno.serve or Bun.serve), got ${describe(server)}`);
  const checked = checkOptions("drain", options, drainChecks) as DrainOptions;
  const delay = checked.delay ?? 0;

  // node:http: the responses in flight, to mark them `Connection: close` and
  // close their sockets once sent. Tracked from now on: requests before it
  // are out of reach.
  const inFlight = new Map<NodeResponse, NodeRequest["socket"]>();
  // Requests under way on each connection, and the connections whose client
  // was not told to close (see QUEUED_REQUEST_WAIT_MS).
  const busy = new Map<NodeRequest["socket"], number>();
  const untold = new Set<NodeRequest["socket"]>();
  let stopping = false;
  const track = (): void => {
    (server as NodeServer).on("request", (request, response) => {
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
        if (!untold.has(socket)) return closeIdle();
        // Its client may have queued a request behind this response: serve it
        // (told to close), or close the connection if none came.
        void sleep(QUEUED_REQUEST_WAIT_MS).then(() => {
          untold.delete(socket);
          if (!busy.has(socket)) socket.destroy();
          closeIdle();
        });
      });
    });
  };
  // A response whose headers have not left says `Connection: close`, and Node
  // closes its connection once it is sent; one whose headers have left cannot.
  const tell = (response: NodeResponse, socket: NodeRequest["socket"]): void => {
    if (response.headersSent) return void untold.add(socket);
    response.setHeader("Connection", "close");
    untold.delete(socket);
  };
  // Idle keep-alive connections close, now that nothing else will be sent on
  // them; not while one waits for a queued request (it is idle too).
  const closeIdle = (): void => {
    if (untold.size === 0) (server as NodeServer).closeIdleConnections();
  };

  const stopNode = async (limit: number, deadline: AbortSignal): Promise<void> => {
    const node = server as NodeServer;
    stopping = true;
    for (const [response, socket] of inFlight) tell(response, socket);
    const closed = new Promise<void>((resolve) => node.close(() => resolve()));
    node.closeIdleConnections();
    if (await settled(closed, limit, deadline)) return;
    node.closeAllConnections();
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
    for (const session of sessions) session.destroy();
    await settled(closed, CLOSE_WAIT_MS);
  };

  const stopDeno = async (limit: number, deadline: AbortSignal): Promise<void> => {
    // Deno has no forced close: past the limit, the program's end cuts what is left.
    await settled((server as DenoServer).shutdown(), limit, deadline);
  };

  const stopBun = async (limit: number, deadline: AbortSignal): Promise<void> => {
    const bun = server as BunServer;
    // stop() stops listening and lets the requests in flight finish; stop(true) cuts them.
    void Promise.resolve(bun.stop()).catch(() => {});
    const until = Date.now() + limit;
    while (bun.pendingRequests > 0 && Date.now() < until && !deadline.aborted) {
      await sleep(Math.min(BUN_POLL_MS, until - Date.now()), deadline);
    }
    if (bun.pendingRequests > 0) void Promise.resolve(bun.stop(true)).catch(() => {});
  };

  const run = async (event: ExitEvent): Promise<void> => {
    const started = Date.now();
    const registry = getRegistry();
    const limit = checked.timeout ?? Math.max(0, registry.config.timeout - FORCE_MARGIN_MS);
    (sharedState().draining ??= new WeakSet()).add(server);
    // The delay counts from the run's start, when isDraining() turned true
    // (deferred work, or another server's drain, may have come first).
    const since = started - (registry.current?.startedAt ?? started);
    await sleep(Math.max(0, Math.min(delay, limit) - since), event.deadline);
    const left = Math.max(0, limit - (Date.now() - started));
    const stop = { node: stopNode, http2: stopHttp2, deno: stopDeno, bun: stopBun }[kind];
    await stop(left, event.deadline);
  };

  const registration = registerWith(
    picked,
    (event) => {
      // A path that cannot wait (process.exit, a crash) cannot drain: the end
      // cuts the connections. An invocation's end (atexit/request) is not the
      // program's: the server serves on, and the drain stays registered.
      if (!event.awaited || event.reason === "request") return undefined;
      return run(event);
    },
    {
      name: "drain",
      // Before the ordinary callbacks, whatever the order of registration:
      // the server stops taking work before what its requests use (a database
      // pool registered after the server was up) is closed.
      first: true,
      // The drain's own limit, with room for the forced close; by default, the configured one.
      ...(checked.timeout !== undefined && { timeout: checked.timeout + CLOSE_WAIT_MS + FORCE_MARGIN_MS }),
    },
  );
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
