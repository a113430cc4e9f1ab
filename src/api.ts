// This module is browser compatible.

import type { Adapter } from "./adapter.ts";
import { runAwaited } from "./awaited.ts";
import { findRegistry, getRegistry } from "./global.ts";
import type { Atexit, ExitCallback, ExitReason, RegisterOptions, Registration } from "./types.ts";
import { clear, configure, count, unregister } from "./public.ts";
import { assertCallback, assertStatus, checkRegisterOptions } from "./validate.ts";

/**
 * An entry point's adapter, made on first use (not at import), so an entry
 * can check its host or pick an adapter lazily and an unused import changes
 * nothing.
 */
export type Host = () => Adapter;

/** Memoizes `resolve`: the entry's adapter, made once, on first use. */
export function lazyHost(resolve: () => Adapter): Host {
  let bound: Adapter | undefined;
  return () => (bound ??= resolve());
}

/**
 * `register` for the entry whose adapter `host` gives (see {@linkcode Atexit.register}).
 * Free functions, not an object of them: a program that imports only
 * `register` carries neither the awaited run's callers nor `configure`.
 */
export function registerWith(host: Host, callback: ExitCallback, options?: RegisterOptions): Registration {
  assertCallback("register", callback);
  const checked = checkRegisterOptions(options);
  // The host first: registering on the wrong runtime must leave no trace.
  const adapter = host();
  return getRegistry().add(callback, checked, adapter);
}

/** `exit` for the entry whose adapter `host` gives (see {@linkcode Atexit.exit}). */
export function exitWith(host: Host, code?: number): Promise<void> {
  // Checked here, not in the async part, so bad input throws at the call site.
  if (code !== undefined) assertStatus("exit", "the status", code);
  const adapter = host();
  const registry = getRegistry();
  if (registry.running) {
    // Called from a callback (or beside a run): no second run; the run's owner ends the program.
    registry.requestExit(code);
    return Promise.resolve();
  }
  const status = code ?? adapter.currentCode?.() ?? 0;
  return runAwaited(registry, { reason: "exit", code: status, runtime: adapter.runtime, final: true }).then((result) => adapter.end?.(registry.finalStatus(result, status)));
}

/** `runHandlers` for the entry whose adapter `host` gives (see {@linkcode Atexit.runHandlers}). */
export async function runHandlersWith(host: Host): Promise<void> {
  const adapter = host();
  const registry = findRegistry();
  // Called during a run (perhaps by one of its callbacks): that run is already doing the work.
  if (!registry || registry.running) return;
  const result = await runAwaited(registry, { reason: "manual", runtime: adapter.runtime, final: false });
  // exit() called during this run: it could not end the program then, so end it now.
  if (result.exitRequested) await adapter.end?.(registry.finalStatus(result, adapter.currentCode?.() ?? 0));
}

/**
 * The whole API bound to one adapter, as one object: for tests and for
 * hosts built at run time. Entry points export the free functions instead,
 * so bundlers drop what a program does not import. `R` is the reasons that
 * adapter can produce, which its callbacks are typed for.
 *
 * @example
 * ```ts
 * import { createApi } from "./api.ts";
 *
 * const { register, runHandlers } = createApi(() => ({ runtime: "unknown" }));
 * register(() => console.log("bye"));
 * await runHandlers();
 * ```
 */
export function createApi<R extends ExitReason = ExitReason>(resolve: () => Adapter): Atexit<R> {
  const host = lazyHost(resolve);
  return {
    // Held with every entry's callbacks; this adapter's triggers carry only reasons R.
    register: (callback, options) => registerWith(host, callback as ExitCallback, options),
    // The one shared function, which takes any callback: typed here for the
    // callbacks this entry's register takes.
    unregister: unregister as Atexit<R>["unregister"],
    exit: (code) => exitWith(host, code),
    runHandlers: () => runHandlersWith(host),
    count,
    clear,
    configure,
  };
}
