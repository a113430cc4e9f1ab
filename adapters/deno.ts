/**
 * The Deno adapter: callbacks run on a natural end (awaited, in
 * `beforeunload`), on `Deno.exit()` and `process.exit()` (synchronously, in
 * `unload`), on the requests to stop (SIGINT, SIGTERM, SIGHUP, SIGPWR,
 * SIGXCPU; SIGINT and SIGBREAK on Windows; awaited, then the signal is re-raised) and on uncaught errors and
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
import { exitWith, lazyAdapter, registerWith, runHandlersWith, unregister as unregisterAny } from "../src/api.ts";
import { deferWith, processContext } from "../src/defer.ts";
import { assertRuntime, detect } from "../src/detect.ts";
import type { Atexit, ExitCallback, ServerExitReason } from "../src/types.ts";
import { denoAdapter, getDeno } from "./_deno.ts";
import { denoReadyHost, type ReadyHost, readyWith } from "./_ready.ts";

export { clear, configure, count } from "../src/api.ts";
export type * from "../src/types.ts";

const adapter = /* @__PURE__ */ lazyAdapter(() => {
  const actual = detect();
  assertRuntime("deno", "atexit/adapters/deno", actual);
  const deno = getDeno();
  // A host without a usable Deno global hooks nothing (see processEntryAdapter).
  return deno && actual === "deno" ? denoAdapter(deno) : { runtime: actual };
});

/**
 * Registers a callback to run when the program ends, last in, first out: awaited on a natural end, on atexit's `exit()` and on the requests to stop; synchronously on `Deno.exit()` and crashes.
 * Options, the handle and errors: {@linkcode Atexit.register}.
 */
export const register: Atexit<ServerExitReason>["register"] = (callback, options) => registerWith(adapter, callback as ExitCallback, options);

/** Removes every registration of `callback` and returns how many there were: {@linkcode Atexit.unregister}. */
export const unregister: Atexit<ServerExitReason>["unregister"] = unregisterAny as Atexit<ServerExitReason>["unregister"];

/**
 * Runs the callbacks (awaited, within their limits), then ends the program with `code` (default: `Deno.exitCode`).
 * See {@linkcode Atexit.exit}.
 */
export const exit: Atexit["exit"] = (code) => exitWith(adapter, code);

/** Runs the callbacks now, awaited, without ending the program; they are consumed. See {@linkcode Atexit.runHandlers}. */
export const runHandlers: Atexit["runHandlers"] = () => runHandlersWith(adapter);

/** Keeps `promise` alive until it settles: see {@linkcode Atexit.defer}. */
export const defer: Atexit["defer"] = (promise) => deferWith({ context: processContext }, promise);

// The entry's runtime check first: a wrong entry throws here as register() does.
const readyHostOf = (): ReadyHost | undefined => {
  const deno = adapter().runtime === "deno" ? getDeno() : undefined;
  return deno && denoReadyHost(deno);
};

/** Tells the supervisor (systemd, PM2) the service is ready, and systemd how long its stop takes: see {@linkcode Atexit.ready}. */
export const ready: Atexit["ready"] = () => readyWith(readyHostOf);
