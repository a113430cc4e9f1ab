/**
 * The adapter for hosts with no exit events to hook (web workers, edge
 * runtimes, unknown hosts): it loads anywhere without throwing, and callbacks
 * run when the program calls `exit()` or `runHandlers()`.
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
import { exitWith, lazyHost, registerWith, runHandlersWith } from "../src/api.ts";
import { unregister as unregisterAny } from "../src/public.ts";
import { detectEdgeHost } from "../src/detect.ts";
import type { Atexit, ExitCallback } from "../src/types.ts";

// A host without exit events runs the callbacks only through exit() and runHandlers().
type FallbackExitReason = "exit" | "manual";

export { clear, configure, count } from "../src/public.ts";
export { deferOnEdge as defer } from "../src/defer.ts";
export type * from "../src/types.ts";

// The adapter is made on first use, and only if this entry is used at all.
// Named without reading `process` (this is the edge-light and worker build):
// Deno, Bun, workerd, edge, a page or a web worker, else "unknown".
const host = /* @__PURE__ */ lazyHost(() => ({ runtime: detectEdgeHost() }));

/**
 * Registers a callback, last in, first out. With no exit event to hook here,
 * it runs when the program calls `exit()` or `runHandlers()`.
 * Options, the handle and errors: {@linkcode Atexit.register}.
 */
export const register: Atexit<FallbackExitReason>["register"] = (callback, options) => registerWith(host, callback as ExitCallback, options);

/** Removes every registration of `callback` and returns how many there were: {@linkcode Atexit.unregister}. */
export const unregister: Atexit<FallbackExitReason>["unregister"] = unregisterAny as Atexit<FallbackExitReason>["unregister"];

/**
 * Runs the callbacks, awaited within their limits, then resolves: a host
 * without exit events offers no way to end the program, so the caller does.
 * See {@linkcode Atexit.exit}.
 */
export const exit: Atexit["exit"] = (code) => exitWith(host, code);

/** Runs the callbacks now, awaited; they are consumed. See {@linkcode Atexit.runHandlers}. */
export const runHandlers: Atexit["runHandlers"] = () => runHandlersWith(host);
