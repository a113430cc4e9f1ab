/**
 * The adapter for hosts with no exit events to hook (web workers, edge
 * runtimes, unknown hosts): it loads anywhere without throwing, and callbacks
 * run when the program calls `exit()` or `runHandlers()` (and at the end of
 * each invocation `withExit` wraps). `atexit` resolves here under the
 * `edge-light` and `worker` conditions, whose hosts never have `process`
 * read (src/detect.ts asks for them first).
 *
 * @example
 * ```ts
 * import { register, runHandlers } from "atexit/adapters/fallback";
 *
 * register(() => console.log("flushed"));
 * await runHandlers();
 * ```
 *
 * @module
 */
import { exitWith, lazyAdapter, registerWith, runHandlersWith, unregister as unregisterAny } from "../src/api.ts";
import { contextFor, deferWith } from "../src/defer.ts";
import { detect } from "../src/detect.ts";
import type { Atexit, ExitCallback } from "../src/types.ts";

// A host without exit events runs the callbacks only through exit() and runHandlers().
type FallbackExitReason = "exit" | "manual";

export { clear, configure, count } from "../src/api.ts";
export type * from "../src/types.ts";

const adapter = /* @__PURE__ */ lazyAdapter(() => ({ runtime: detect() }));

/**
 * Registers a callback, last in, first out. With no exit event to hook here,
 * it runs when the program calls `exit()` or `runHandlers()`.
 * Options, the handle and errors: {@linkcode Atexit.register}.
 */
export const register: Atexit<FallbackExitReason>["register"] = (callback, options) => registerWith(adapter, callback as ExitCallback, options);

/** Removes every registration of `callback` and returns how many there were: {@linkcode Atexit.unregister}. */
export const unregister: Atexit<FallbackExitReason>["unregister"] = unregisterAny as Atexit<FallbackExitReason>["unregister"];

/**
 * Runs the callbacks, awaited within their limits, then resolves: a host
 * without exit events offers no way to end the program, so the caller does.
 * See {@linkcode Atexit.exit}.
 */
export const exit: Atexit["exit"] = (code) => exitWith(adapter, code);

/** Runs the callbacks now, awaited; they are consumed. See {@linkcode Atexit.runHandlers}. */
export const runHandlers: Atexit["runHandlers"] = () => runHandlersWith(adapter);

/** Keeps `promise` alive until it settles: see {@linkcode Atexit.defer}. */
export const defer: Atexit["defer"] = (promise) => deferWith({ context: contextFor(adapter().runtime) }, promise);

/** No supervisor can be told here: resolves at once, and sends nothing. See {@linkcode Atexit.ready}. */
export const ready: Atexit["ready"] = () => Promise.resolve();
