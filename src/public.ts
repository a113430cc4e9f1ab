// This module is browser compatible.

// The functions that do not depend on the runtime: every entry point
// re-exports these, and binds register/exit/runHandlers to its own adapter.
import { findRegistry, getRegistry } from "./global.ts";
import { defaultConfig } from "./registry.ts";
import type { AtexitConfig, ConfigureOptions, ExitCallback } from "./types.ts";
import { assertCallback, checkConfig } from "./validate.ts";

/**
 * Removes every registration of `callback` (Python's semantics) and returns
 * how many there were.
 *
 * @example
 * ```ts
 * import { register, unregister } from "atexit";
 *
 * const flush = () => {};
 * register(flush);
 * register(flush);
 * unregister(flush); // 2
 * ```
 */
export function unregister(callback: ExitCallback): number {
  assertCallback("unregister", callback);
  return findRegistry()?.unregister(callback) ?? 0;
}

/**
 * How many registrations there are (Python's `atexit._ncallbacks()`).
 *
 * @example
 * ```ts
 * import { count, register } from "atexit";
 *
 * register(() => {});
 * count(); // 1
 * ```
 */
export function count(): number {
  return findRegistry()?.size ?? 0;
}

/**
 * Removes every registration (Python's `atexit._clear()`).
 *
 * @example
 * ```ts
 * import { clear, count } from "atexit";
 *
 * clear();
 * count(); // 0
 * ```
 */
export function clear(): void {
  findRegistry()?.clear();
}

/** Keys that `undefined` turns back off (elsewhere `undefined` leaves a key as it was). */
const clearable: readonly string[] = ["errorExitCode", "shutdownMessage"];
/** Keys that change which listeners the adapter installs. */
const listenerKeys: readonly string[] = ["extraSignals", "awaitCrash", "shutdownMessage"];

/**
 * Sets process-wide defaults and returns the configuration now in force.
 * A key given as `undefined` is left as it was, except `errorExitCode` and
 * `shutdownMessage`, which `undefined` turns back off.
 *
 * @example
 * ```ts
 * import { configure } from "atexit";
 *
 * configure({ timeout: 1000, onError: (error) => console.error("cleanup failed", error) });
 * ```
 */
export function configure(options?: ConfigureOptions): AtexitConfig {
  const checked = checkConfig(options);
  const changes = Object.entries(checked).filter(([key, value]) => value !== undefined || clearable.includes(key));
  // Reading the configuration must not create the registry either.
  if (changes.length === 0) return findRegistry()?.config ?? defaultConfig;
  const registry = getRegistry();
  const before = registry.config;
  registry.config = Object.freeze({ ...before, ...Object.fromEntries(changes) });
  // Listeners already installed follow the new settings (a registry made by an
  // older copy of atexit has no reinstall: its listeners stay as they are).
  if (listenerKeys.some((key) => registry.config[key as keyof AtexitConfig] !== before[key as keyof AtexitConfig])) {
    registry.reinstall?.();
  }
  return registry.config;
}
