/**
 * The entry for hosts that no export condition names (and JSR's root): it
 * detects the runtime on first use and binds the matching adapter, else the
 * fallback. Bundlers that know their target take the `node` (or `deno`, `bun`,
 * `browser`) condition instead and never load this detection.
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
import { createApi } from "../src/api.ts";
import { detectRuntime } from "../src/detect.ts";
import type { Atexit } from "../src/types.ts";
import { getProcess } from "./_process.ts";
import { nodeLikeAdapter } from "./_node.ts";

export type * from "../src/types.ts";

const api: Atexit = createApi(() => {
  const runtime = detectRuntime();
  return runtime === "node" ? nodeLikeAdapter(getProcess()!, "node") : { runtime };
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
