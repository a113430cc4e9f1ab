/**
 * The Deno adapter: callbacks run on a natural end (awaited, in
 * `beforeunload`), on `Deno.exit()` and `process.exit()` (synchronously, in
 * `unload`), on SIGINT, SIGTERM and SIGHUP (SIGINT and SIGBREAK on Windows;
 * awaited, then the signal is re-raised) and on uncaught errors and
 * rejections (synchronously; Deno's report and status kept). It needs no
 * permission flags. `atexit` resolves here under the `deno` export condition.
 *
 * @example
 * ```ts
 * import { register } from "atexit/adapters/deno";
 *
 * register(async () => {
 *   await new Promise((resolve) => setTimeout(resolve, 10));
 *   console.log("flushed");
 * });
 * ```
 *
 * @module
 */
import { createApi } from "../src/api.ts";
import { assertRuntime } from "../src/detect.ts";
import type { Atexit, ServerExitReason } from "../src/types.ts";
import { denoAdapter, getDeno } from "./_deno.ts";

export { clear, configure, count } from "../src/public.ts";
export type * from "../src/types.ts";

const api: Atexit<ServerExitReason> = createApi<ServerExitReason>(() => {
  assertRuntime("deno", "atexit/adapters/deno");
  return denoAdapter(getDeno()!);
});

/**
 * Registers a callback to run when the program ends, last in, first out. It
 * is awaited on a natural end, on atexit's `exit()` and on signals; on
 * `Deno.exit()`, `process.exit()` and crashes it runs synchronously. Returns a
 * handle that unregisters it (and is `Disposable`).
 *
 * @example
 * ```ts
 * import { register } from "atexit/adapters/deno";
 *
 * const off = register((event) => console.log(`closing (${event.reason})`));
 * ```
 */
export const register: Atexit<ServerExitReason>["register"] = api.register;

/**
 * Removes every registration of `callback` (Python's semantics) and returns
 * how many there were.
 *
 * @example
 * ```ts
 * import { register, unregister } from "atexit/adapters/deno";
 *
 * const flush = () => {};
 * register(flush);
 * unregister(flush); // 1
 * ```
 */
export const unregister: Atexit<ServerExitReason>["unregister"] = api.unregister;

/**
 * Runs the callbacks (awaited, within their limits), then ends the program
 * with `code` (default: `Deno.exitCode`).
 *
 * @example
 * ```ts
 * import { exit } from "atexit/adapters/deno";
 *
 * await exit(1);
 * ```
 */
export const exit: Atexit["exit"] = api.exit;

/**
 * Runs the callbacks now, awaited, without ending the program; they are
 * consumed and will not run again.
 *
 * @example
 * ```ts
 * import { runHandlers } from "atexit/adapters/deno";
 *
 * await runHandlers();
 * ```
 */
export const runHandlers: Atexit["runHandlers"] = api.runHandlers;
