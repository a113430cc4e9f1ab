// This module is browser compatible.

import type { Adapter } from "./adapter.ts";
import { findRegistry, getRegistry } from "./global.ts";
import type { Atexit, ExitReason } from "./types.ts";
import { clear, configure, count, unregister } from "./public.ts";
import { assertCallback, assertStatus, checkRegisterOptions } from "./validate.ts";

/**
 * Binds the public API to an adapter: `register`, `exit` and `runHandlers`
 * use it; the other functions are the same everywhere (`public.ts`). `R` is
 * the reasons that adapter can produce, which its callbacks are typed for.
 * `resolve` is called on first use, not at import, so an entry point can
 * check its host (or pick an adapter) lazily and an unused import changes
 * nothing.
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
  let bound: Adapter | undefined;
  const host = (): Adapter => (bound ??= resolve());

  return {
    register(callback, options) {
      assertCallback("register", callback);
      const checked = checkRegisterOptions(options);
      // The host first: registering on the wrong runtime must leave no trace.
      const adapter = host();
      // Held with every entry's callbacks; this adapter's triggers carry only reasons R.
      return getRegistry().add(callback, checked, adapter);
    },

    // The one shared function, which takes any callback: typed here for the
    // callbacks this entry's register takes.
    unregister: unregister as Atexit<R>["unregister"],

    exit(code) {
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
      return registry
        .runAwaited({ reason: "exit", code: status, runtime: adapter.runtime, final: true })
        .then((result) => adapter.end?.(registry.finalStatus(result, status)));
    },

    async runHandlers() {
      const adapter = host();
      const registry = findRegistry();
      // Called during a run (perhaps by one of its callbacks): that run is already doing the work.
      if (!registry || registry.running) return;
      const result = await registry.runAwaited({ reason: "manual", runtime: adapter.runtime, final: false });
      // exit() called during this run: it could not end the program then, so end it now.
      if (result.exitRequested) await adapter.end?.(registry.finalStatus(result, adapter.currentCode?.() ?? 0));
    },

    count,
    clear,
    configure,
  };
}
