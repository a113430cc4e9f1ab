/**
 * The entry for hosts that no export condition names (and JSR's root): it
 * detects the runtime on first use and binds the matching adapter (Node,
 * Deno, Bun, browsers and their workers), else the fallback. Bundlers that
 * know their target take the `node` (or `deno`, `bun`, `browser`) condition
 * instead and never load this detection; `require()` under the `node`
 * condition loads this one, because Deno's `require()` takes that condition.
 *
 * @example
 * ```ts
 * import { register } from "atexit";
 *
 * register(() => console.log("bye"));
 * ```
 *
 * @module
 */
import { exitWith, registerWith, runHandlersWith } from "../src/api.ts";
import { deferWith } from "../src/defer.ts";
import type { Atexit } from "../src/types.ts";
import { picked, pickedDeferHost, pickedReadyHost } from "./_pick.ts";
import { readyWith } from "./_ready.ts";

export { clear, configure, count, unregister } from "../src/api.ts";
export type * from "../src/types.ts";

/**
 * Registers a callback to run when the program ends, last in, first out, on
 * whatever exit events the detected runtime has (see that runtime's entry).
 * Options, the handle and errors: {@linkcode Atexit.register}.
 */
export const register: Atexit["register"] = (callback, options) => registerWith(picked, callback, options);

/** Runs the callbacks (awaited, within their limits), then ends the program where the runtime allows it. See {@linkcode Atexit.exit}. */
export const exit: Atexit["exit"] = (code) => exitWith(picked, code);

/** Runs the callbacks now, awaited, without ending the program; they are consumed. See {@linkcode Atexit.runHandlers}. */
export const runHandlers: Atexit["runHandlers"] = () => runHandlersWith(picked);

/** Keeps `promise` alive until it settles: see {@linkcode Atexit.defer}. */
export const defer: Atexit["defer"] = (promise) => deferWith(pickedDeferHost(), promise);

/** Tells the supervisor (systemd, PM2) the service is ready, and systemd how long its stop takes: see {@linkcode Atexit.ready}. */
export const ready: Atexit["ready"] = () => readyWith(pickedReadyHost);
