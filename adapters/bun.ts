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
 *   await Bun.sleep(10);
 *   console.log("flushed");
 * });
 * ```
 *
 * @module
 */
import { createApi } from "../src/api.ts";
import { assertRuntime } from "../src/detect.ts";
import type { Atexit, ServerExitReason } from "../src/types.ts";
import { bunAdapter } from "./_bun.ts";
import { getProcess } from "./_process.ts";

export { clear, configure, count } from "../src/public.ts";
export type * from "../src/types.ts";

const api: Atexit<ServerExitReason> = createApi<ServerExitReason>(() => {
  assertRuntime("bun", "atexit/adapters/bun");
  return bunAdapter(getProcess()!);
});

/**
 * Registers a callback to run when the program ends, last in, first out. It
 * is awaited on a natural end, on atexit's `exit()` and on SIGINT, SIGTERM
 * and SIGHUP; on `process.exit()` and crashes it runs synchronously. Returns
 * a handle that unregisters it (and is `Disposable`).
 *
 * @example
 * ```ts
 * import { register } from "atexit/adapters/bun";
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
 * import { register, unregister } from "atexit/adapters/bun";
 *
 * const flush = () => {};
 * register(flush);
 * unregister(flush); // 1
 * ```
 */
export const unregister: Atexit<ServerExitReason>["unregister"] = api.unregister;

/**
 * Runs the callbacks (awaited, within their limits), lets stdout and stderr
 * drain, then ends the process with `code` (default: `process.exitCode` or 0).
 *
 * @example
 * ```ts
 * import { exit } from "atexit/adapters/bun";
 *
 * await exit(1);
 * ```
 */
export const exit: Atexit["exit"] = api.exit;

/**
 * Runs the callbacks now, awaited, without ending the process; they are
 * consumed and will not run again.
 *
 * @example
 * ```ts
 * import { runHandlers } from "atexit/adapters/bun";
 *
 * await runHandlers();
 * ```
 */
export const runHandlers: Atexit["runHandlers"] = api.runHandlers;
