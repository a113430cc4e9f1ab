// This module is browser compatible.

import type { Adapter } from "./adapter.ts";
import { getRegistry } from "./global.ts";
import type { Atexit } from "./types.ts";
import { assertCallback, assertStatus, checkConfig, checkRegisterOptions } from "./validate.ts";

/**
 * Binds the public API to an adapter. `resolve` is called on first use, not at
 * import, so an entry point can check its host (or pick an adapter) lazily and
 * an unused import changes nothing.
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
export function createApi(resolve: () => Adapter): Atexit {
  let adapter: Adapter | undefined;
  const host = (): Adapter => (adapter ??= resolve());

  return {
    register(callback, options) {
      assertCallback("register", callback);
      return getRegistry().add(callback, checkRegisterOptions(options), host());
    },

    unregister(callback) {
      assertCallback("unregister", callback);
      return getRegistry().unregister(callback);
    },

    async exit(code) {
      if (code !== undefined) assertStatus("exit", "the status", code);
      const registry = getRegistry();
      const { end, runtime } = host();
      if (registry.running) {
        // Called from a callback (or beside a run): no second run; the status is what changes.
        registry.requestExit(code ?? host().currentCode?.());
        return;
      }
      const status = code ?? host().currentCode?.() ?? 0;
      const result = await registry.runAwaited({ reason: "exit", code: status, runtime, final: true });
      await end?.call(host(), registry.finalStatus(result, status));
    },

    async runHandlers() {
      await getRegistry().runAwaited({ reason: "manual", runtime: host().runtime, final: false });
    },

    count: () => getRegistry().size,

    clear() {
      getRegistry().clear();
    },

    configure(options) {
      const registry = getRegistry();
      const changes = Object.entries(checkConfig(options)).filter(
        // `errorExitCode: undefined` means "back to the default"; elsewhere undefined means "unchanged".
        ([key, value]) => value !== undefined || key === "errorExitCode",
      );
      registry.config = Object.freeze({ ...registry.config, ...Object.fromEntries(changes) });
      return registry.config;
    },
  };
}
