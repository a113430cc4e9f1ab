/**
 * The Node.js adapter: callbacks run on a natural end (awaited, in
 * `beforeExit`), on `process.exit()` (synchronously, in `exit`), on SIGINT,
 * SIGTERM and SIGHUP (+SIGBREAK on Windows; awaited, then the signal is
 * re-raised) and on crashes (synchronously, Node's report and status kept).
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
import type { Atexit } from "../src/types.ts";
import { nodeLikeAdapter } from "./_node.ts";
import { getProcess } from "./_process.ts";

export type * from "../src/types.ts";

const api: Atexit = createApi(() => {
  assertRuntime("node", "atexit/adapters/node");
  return nodeLikeAdapter(getProcess()!, "node");
});

/** {@inheritDoc Atexit.register} */
export const register: Atexit["register"] = api.register;
/** {@inheritDoc Atexit.unregister} */
export const unregister: Atexit["unregister"] = api.unregister;
/** {@inheritDoc Atexit.exit} */
export const exit: Atexit["exit"] = api.exit;
/** {@inheritDoc Atexit.runHandlers} */
export const runHandlers: Atexit["runHandlers"] = api.runHandlers;
/** {@inheritDoc Atexit.count} */
export const count: Atexit["count"] = api.count;
/** {@inheritDoc Atexit.clear} */
export const clear: Atexit["clear"] = api.clear;
/** {@inheritDoc Atexit.configure} */
export const configure: Atexit["configure"] = api.configure;
