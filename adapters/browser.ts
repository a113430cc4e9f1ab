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
import { createApi } from "../src/api.ts";
import type { Atexit, BrowserExitReason } from "../src/types.ts";
import { browserAdapter, listenBeforeUnload } from "./_browser.ts";

export { clear, configure, count } from "../src/public.ts";
export type * from "../src/types.ts";

const api: Atexit<BrowserExitReason> = createApi<BrowserExitReason>(browserAdapter);

/**
 * Registers a callback to run, synchronously, whenever the page is hidden or
 * left; `event.final` is true only when the page is really going away (a
 * `pagehide` that is not into the back/forward cache). A returned promise is
 * not awaited (`event.awaited` is false): queue data with `sendBeacon` or
 * `atexit/beacon`. `once: true` runs it at the first hide only. Returns a
 * handle that unregisters it (and is `Disposable`).
 *
 * @example
 * ```ts
 * import { register } from "atexit/adapters/browser";
 *
 * register((event) => navigator.sendBeacon("/log", `hidden, final=${event.final}`));
 * ```
 */
export const register: Atexit<BrowserExitReason>["register"] = api.register;

/**
 * Removes every registration of `callback` (Python's semantics) and returns
 * how many there were.
 *
 * @example
 * ```ts
 * import { register, unregister } from "atexit/adapters/browser";
 *
 * const flush = () => {};
 * register(flush);
 * unregister(flush); // 1
 * ```
 */
export const unregister: Atexit<BrowserExitReason>["unregister"] = api.unregister;

/**
 * Runs the callbacks now, awaited; a page cannot end itself, so it then resolves.
 *
 * @example
 * ```ts
 * import { exit } from "atexit/adapters/browser";
 *
 * await exit();
 * ```
 */
export const exit: Atexit["exit"] = api.exit;

/**
 * Runs the callbacks now, awaited (a manual flush); they are consumed.
 *
 * @example
 * ```ts
 * import { runHandlers } from "atexit/adapters/browser";
 *
 * await runHandlers();
 * ```
 */
export const runHandlers: Atexit["runHandlers"] = api.runHandlers;

/**
 * Also runs the callbacks on `beforeunload` (off by default) and returns the
 * function that turns it off again. It fires earlier than `pagehide` on
 * desktop browsers, but never on iOS, and while it is on Firefox keeps the
 * page out of the back/forward cache.
 *
 * @example
 * ```ts
 * import { enableBeforeUnload } from "atexit/adapters/browser";
 *
 * const disable = enableBeforeUnload();
 * ```
 */
export const enableBeforeUnload: () => () => void = listenBeforeUnload;
