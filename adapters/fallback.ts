/**
 * The adapter for hosts with no exit events to hook (web workers, edge
 * runtimes, unknown hosts): it loads anywhere without throwing, and callbacks
 * run when the program calls `exit()` or `runHandlers()`. `exit()` runs them
 * and resolves, as such a host offers no way to end the program.
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

export type * from "../src/types.ts";

const api: Atexit = createApi(() => ({ runtime: detectRuntime() }));

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
