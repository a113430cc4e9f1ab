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
import { createApi } from "../src/api.ts";
import { detectRuntime } from "../src/detect.ts";
import type { Atexit } from "../src/types.ts";

export { clear, configure, count, unregister } from "../src/public.ts";
export type * from "../src/types.ts";

const api: Atexit = createApi(() => ({ runtime: detectRuntime() }));

/**
 * Registers a callback, last in, first out. With no exit event to hook here,
 * it runs when the program calls `exit()` or `runHandlers()`. Returns a
 * handle that unregisters it (and is `Disposable`).
 *
 * @example
 * ```ts
 * import { register } from "atexit/adapters/fallback";
 *
 * const off = register(() => console.log("bye"));
 * ```
 */
export const register: Atexit["register"] = api.register;

/**
 * Runs the callbacks, awaited within their limits, then resolves: a host
 * without exit events offers no way to end the program, so the caller does.
 *
 * @example
 * ```ts
 * import { exit } from "atexit/adapters/fallback";
 *
 * await exit();
 * ```
 */
export const exit: Atexit["exit"] = api.exit;

/**
 * Runs the callbacks now, awaited; they are consumed and will not run again.
 *
 * @example
 * ```ts
 * import { runHandlers } from "atexit/adapters/fallback";
 *
 * await runHandlers();
 * ```
 */
export const runHandlers: Atexit["runHandlers"] = api.runHandlers;
