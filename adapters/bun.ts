/**
 * The Bun adapter: Node's exit paths on Bun's `process`, with Bun's own
 * corrections (a rejection's real status, stdout and stderr flushed from
 * Bun's own sinks; SIGPWR and SIGSTKFLT, which Bun never hands to a
 * listener, are left to it). `atexit` resolves here under the `bun` export
 * condition.
 *
 * @example
 * ```ts
 * import { register } from "atexit/adapters/bun";
 *
 * register(async () => {
 *   await new Promise((resolve) => setTimeout(resolve, 10));
 *   console.log("flushed");
 * });
 * ```
 *
 * @module
 */
import { exitWith, lazyAdapter, registerWith, runHandlersWith, unregister as unregisterAny } from "../src/api.ts";
import { deferWith, processContext } from "../src/defer.ts";
import type { Atexit, ExitCallback, ServerExitReason } from "../src/types.ts";
import { bunAdapter } from "./_bun.ts";
import { processEntryAdapter } from "./_process.ts";
import { processEntryReadyHost, readyWith } from "./_ready.ts";

export { clear, configure, count } from "../src/api.ts";
export type * from "../src/types.ts";

const adapter = /* @__PURE__ */ lazyAdapter(() => processEntryAdapter("bun", "atexit/adapters/bun", bunAdapter));

/**
 * Registers a callback to run when the process ends, last in, first out: awaited on a natural end, on atexit's `exit()` and on the requests to stop; synchronously on `process.exit()` and crashes.
 * Options, the handle and errors: {@linkcode Atexit.register}.
 */
export const register: Atexit<ServerExitReason>["register"] = (callback, options) => registerWith(adapter, callback as ExitCallback, options);

/** Removes every registration of `callback` and returns how many there were: {@linkcode Atexit.unregister}. */
export const unregister: Atexit<ServerExitReason>["unregister"] = unregisterAny as Atexit<ServerExitReason>["unregister"];

/**
 * Runs the callbacks (awaited, within their limits), flushes stdout and stderr, then ends the process with `code` (default: `process.exitCode`, else 0).
 * See {@linkcode Atexit.exit}.
 */
export const exit: Atexit["exit"] = (code) => exitWith(adapter, code);

/** Runs the callbacks now, awaited, without ending the process; they are consumed. See {@linkcode Atexit.runHandlers}. */
export const runHandlers: Atexit["runHandlers"] = () => runHandlersWith(adapter);

/** Keeps `promise` alive until it settles: see {@linkcode Atexit.defer}. */
export const defer: Atexit["defer"] = (promise) => deferWith({ context: processContext }, promise);

const readyHost = /* @__PURE__ */ processEntryReadyHost(adapter, "bun");

/** Tells the supervisor (systemd, PM2) the service is ready, and systemd how long its stop takes: see {@linkcode Atexit.ready}. */
export const ready: Atexit["ready"] = () => readyWith(readyHost);
