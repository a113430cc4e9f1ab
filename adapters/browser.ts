/**
 * The browser adapter: callbacks run, synchronously and last in first out,
 * when the page is hidden or left (`visibilitychange` to hidden, `pagehide`,
 * `freeze`), once per hide episode, and again at the next hide if the page
 * comes back (from another tab, or from the back/forward cache). It never
 * listens to `unload`, and to `beforeunload` only on request. It listens
 * wherever there is a page, also a happy-dom or jsdom one under Node and an
 * Electron renderer; in a worker or during server-side rendering it adds no
 * listener. `atexit` resolves here under the `browser` condition.
 *
 * @example
 * ```ts
 * import { register } from "atexit/adapters/browser";
 *
 * register((event) => {
 *   navigator.sendBeacon("/analytics", JSON.stringify({ left: event.final }));
 * });
 * ```
 *
 * @module
 */
import { exitWith, lazyAdapter, registerWith, runHandlersWith, unregister as unregisterAny } from "../src/api.ts";
import { deferWith, globalContext } from "../src/defer.ts";
import type { Atexit, BrowserExitReason, ExitCallback } from "../src/types.ts";
import { browserAdapter, listenBeforeUnload } from "./_browser.ts";

export { clear, configure, count } from "../src/api.ts";
export type * from "../src/types.ts";

const adapter = /* @__PURE__ */ lazyAdapter(browserAdapter);

/**
 * Registers a callback to run, synchronously, whenever the page is hidden or
 * left (`event.final` is true only when it is really going away); a returned
 * promise is not awaited, so queue data with `sendBeacon` or `atexit/beacon`.
 * Options, the handle and errors: {@linkcode Atexit.register}.
 */
export const register: Atexit<BrowserExitReason>["register"] = (callback, options) => registerWith(adapter, callback as ExitCallback, options);

/** Removes every registration of `callback` and returns how many there were: {@linkcode Atexit.unregister}. */
export const unregister: Atexit<BrowserExitReason>["unregister"] = unregisterAny as Atexit<BrowserExitReason>["unregister"];

/** Runs the callbacks now, awaited; a page cannot end itself, so it then resolves. See {@linkcode Atexit.exit}. */
export const exit: Atexit["exit"] = (code) => exitWith(adapter, code);

/** Runs the callbacks now, awaited (a manual flush); they are consumed. See {@linkcode Atexit.runHandlers}. */
export const runHandlers: Atexit["runHandlers"] = () => runHandlersWith(adapter);

/** Keeps `promise` alive until it settles (a page never has `process` read): see {@linkcode Atexit.defer}. */
export const defer: Atexit["defer"] = (promise) => deferWith({ context: globalContext }, promise);

/**
 * Also runs the callbacks on `beforeunload` (off by default) and returns the
 * function that turns it off again. It fires earlier than `pagehide` on
 * desktop browsers, but never on iOS, and while it is on Firefox keeps the
 * page out of the back/forward cache.
 *
 * @returns The function that removes the `beforeunload` listener again.
 *
 * @example
 * ```ts
 * import { enableBeforeUnload } from "atexit/adapters/browser";
 *
 * const disable = enableBeforeUnload();
 * disable();
 * ```
 */
export const enableBeforeUnload: () => () => void = listenBeforeUnload;

/** No supervisor can be told here: resolves at once, and sends nothing. See {@linkcode Atexit.ready}. */
export const ready: Atexit["ready"] = () => Promise.resolve();
