/**
 * The entry for Cloudflare's runtime (workerd), under the `workerd` export
 * condition: it never touches `process` (which Node compatibility adds, and
 * which says Node), and loads without throwing at module scope, where workerd
 * forbids timers and I/O. A Worker's invocations end through
 * `atexit/request`'s `withExit`; `defer` outside one goes to the request's
 * `waitUntil` from `cloudflare:workers`.
 *
 * @example
 * ```ts ignore
 * import { defer, register } from "atexit";
 * import { withExit } from "atexit/request";
 *
 * register(() => fetch("http://127.0.0.1:9/flush", { method: "POST" }), { last: true });
 *
 * export default {
 *   fetch: withExit((request: Request) => {
 *     defer(fetch("http://127.0.0.1:9/audit", { method: "POST", body: request.url }));
 *     return new Response("ok");
 *   }),
 * };
 * ```
 *
 * @module
 */
import { waitUntil } from "cloudflare:workers";
import { exitWith, lazyAdapter, registerWith, runHandlersWith, unregister as unregisterAny } from "../src/api.ts";
import { deferWith, loadedContext } from "../src/defer.ts";
import { detect } from "../src/detect.ts";
import { sharedState } from "../src/realm.ts";
import type { WaitUntil } from "../src/protocol.ts";
import type { Atexit, ExitCallback } from "../src/types.ts";
import { loadContext } from "./_workerd.ts";

// Invocations end through withExit; exit() and runHandlers() run the callbacks on request.
type WorkerdExitReason = "request" | "exit" | "manual";

export { clear, configure, count } from "../src/api.ts";
export type * from "../src/types.ts";

// Named from the host's globals, as the other entries are ("workerd" in
// workerd itself, before `process` is ever read). Its first use also begins
// loading the AsyncLocalStorage that tells invocations apart.
const adapter = /* @__PURE__ */ lazyAdapter(() => {
  loadContext(sharedState());
  return { runtime: detect() };
});

/**
 * Registers a callback, last in, first out: it runs at the end of every
 * invocation that `withExit` wraps (and stays registered), and on `exit()`
 * and `runHandlers()`. Options, the handle and errors: {@linkcode Atexit.register}.
 */
export const register: Atexit<WorkerdExitReason>["register"] = (callback, options) => registerWith(adapter, callback as ExitCallback, options);

/** Removes every registration of `callback` and returns how many there were: {@linkcode Atexit.unregister}. */
export const unregister: Atexit<WorkerdExitReason>["unregister"] = unregisterAny as Atexit<WorkerdExitReason>["unregister"];

/** Runs the callbacks, awaited within their limits, then resolves: a Worker cannot be ended. See {@linkcode Atexit.exit}. */
export const exit: Atexit["exit"] = (code) => exitWith(adapter, code);

/** Runs the callbacks now, awaited; they are consumed. See {@linkcode Atexit.runHandlers}. */
export const runHandlers: Atexit["runHandlers"] = () => runHandlersWith(adapter);

// Outside a request, `cloudflare:workers`' waitUntil throws: then there is none.
const requestWaitUntil = (): WaitUntil | undefined => {
  try {
    return typeof waitUntil === "function" ? waitUntil : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Keeps `promise` alive until it settles: inside an invocation `withExit`
 * wraps, that invocation's exit phase waits for it before the callbacks;
 * elsewhere in a request it goes to `waitUntil` of `cloudflare:workers`.
 * See {@linkcode Atexit.defer}.
 */
export const defer: Atexit["defer"] = (promise) => {
  adapter();
  deferWith({ context: loadedContext, waitUntil: requestWaitUntil }, promise);
};

/** No supervisor can be told here: resolves at once, and sends nothing. See {@linkcode Atexit.ready}. */
export const ready: Atexit["ready"] = () => Promise.resolve();
