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

// A host without exit events runs the callbacks only through exit() and runHandlers().
type FallbackExitReason = "exit" | "manual";

export { clear, configure, count } from "../src/public.ts";
export type * from "../src/types.ts";

const api: Atexit<FallbackExitReason> = createApi<FallbackExitReason>(() => ({ runtime: detectRuntime() }));

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
export const register: Atexit<FallbackExitReason>["register"] = api.register;

/**
 * Removes every registration of `callback` (Python's semantics) and returns
 * how many there were.
 *
 * @example
 * ```ts
 * import { register, unregister } from "atexit/adapters/fallback";
 *
 * const flush = () => {};
 * register(flush);
 * unregister(flush); // 1
 * ```
 */
export const unregister: Atexit<FallbackExitReason>["unregister"] = api.unregister;

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
