/**
 * The Bun adapter. Bun implements Node's `process` events, so this is the
 * Node adapter with Bun's differences corrected. `atexit` resolves here under
 * the `bun` export condition.
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
import { exitWith, lazyHost, registerWith, runHandlersWith } from "../src/api.ts";
import { unregister as unregisterAny } from "../src/public.ts";
import type { Atexit, ExitCallback, ServerExitReason } from "../src/types.ts";
import { bunAdapter } from "./_bun.ts";
import { processEntryAdapter } from "./_process.ts";

export { clear, configure, count } from "../src/public.ts";
export { defer } from "../src/defer.ts";
export type * from "../src/types.ts";

// The adapter is made on first use, and only if this entry is used at all.
const host = /* @__PURE__ */ lazyHost(() => processEntryAdapter("bun", "atexit/adapters/bun", bunAdapter));

/**
 * Registers a callback to run when the process ends, last in, first out: awaited on a natural end, on atexit's `exit()` and on SIGINT, SIGTERM and SIGHUP; synchronously on `process.exit()` and crashes.
 * Options, the handle and errors: {@linkcode Atexit.register}.
 */
export const register: Atexit<ServerExitReason>["register"] = (callback, options) => registerWith(host, callback as ExitCallback, options);

/** Removes every registration of `callback` and returns how many there were: {@linkcode Atexit.unregister}. */
export const unregister: Atexit<ServerExitReason>["unregister"] = unregisterAny as Atexit<ServerExitReason>["unregister"];

/**
 * Runs the callbacks (awaited, within their limits), lets stdout and stderr drain, then ends the process with `code` (default: `process.exitCode`, else 0).
 * See {@linkcode Atexit.exit}.
 */
export const exit: Atexit["exit"] = (code) => exitWith(host, code);

/**
 * Runs the callbacks now, awaited, without ending the process; they are consumed.
 * See {@linkcode Atexit.runHandlers}.
 */
export const runHandlers: Atexit["runHandlers"] = () => runHandlersWith(host);
