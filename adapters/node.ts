/**
 * The Node.js adapter: callbacks run on a natural end (awaited, in
 * `beforeExit`), on `process.exit()` (synchronously, in `exit`), on SIGINT,
 * SIGTERM and SIGHUP (+SIGBREAK on Windows; awaited, then the signal is
 * re-raised) and on crashes (synchronously; Node's report and status kept).
 * `atexit` resolves here under the `node` export condition.
 *
 * @example
 * ```ts
 * import { register } from "atexit/adapters/node";
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
import { nodeAdapter } from "./_node.ts";
import { getProcess } from "./_process.ts";

export { clear, configure, count } from "../src/public.ts";
export type * from "../src/types.ts";

const api: Atexit<ServerExitReason> = createApi<ServerExitReason>(() => {
  assertRuntime("node", "atexit/adapters/node");
  return nodeAdapter(getProcess()!);
});

/**
 * Registers a callback to run when the program ends, last in, first out. It
 * is awaited on a natural end, on atexit's `exit()` and on SIGINT, SIGTERM
 * and SIGHUP; on `process.exit()` and crashes it runs synchronously. Returns
 * a handle that unregisters it (and is `Disposable`). The first registration
 * installs atexit's listeners and the last one to go removes them.
 *
 * @example
 * ```ts
 * import { register } from "atexit/adapters/node";
 *
 * const off = register(async (event) => {
 *   console.log(`closing (${event.reason})`);
 * }, { timeout: 2000 });
 * ```
 */
export const register: Atexit<ServerExitReason>["register"] = api.register;

/**
 * Removes every registration of `callback` (Python's semantics) and returns
 * how many there were.
 *
 * @example
 * ```ts
 * import { register, unregister } from "atexit/adapters/node";
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
 * import { exit } from "atexit/adapters/node";
 *
 * await exit(1);
 * ```
 */
export const exit: Atexit["exit"] = api.exit;

/**
 * Runs the callbacks now, awaited, without ending the process (Python's
 * `atexit._run_exitfuncs()`); they are consumed and will not run again.
 *
 * @example
 * ```ts
 * import { runHandlers } from "atexit/adapters/node";
 *
 * await runHandlers();
 * ```
 */
export const runHandlers: Atexit["runHandlers"] = api.runHandlers;
