// This module is browser compatible.

// The functions that do not depend on the runtime: every entry point
// re-exports these, and binds register/exit/runHandlers to its own adapter.
import { findRegistry, getRegistry } from "./global.ts";
import { defaultConfig } from "./registry.ts";
import type { Atexit, AtexitConfig, ConfigureOptions, ExitCallback } from "./types.ts";
import { assertCallback, checkConfig } from "./validate.ts";

/** Removes every registration of `callback`: {@linkcode Atexit.unregister}. */
export function unregister(callback: ExitCallback): number {
  assertCallback("unregister", callback);
  return findRegistry()?.unregister(callback) ?? 0;
}

/** How many registrations there are: {@linkcode Atexit.count}. */
export function count(): number {
  return findRegistry()?.size ?? 0;
}

/** Removes every registration: {@linkcode Atexit.clear}. */
export function clear(): void {
  findRegistry()?.clear();
}

/** Keys that `undefined` turns back off (elsewhere `undefined` leaves a key as it was). */
const clearable: readonly string[] = ["errorExitCode", "shutdownMessage"];
/** Keys that change which listeners the adapter installs. */
const listenerKeys: readonly string[] = ["extraSignals", "awaitCrash", "shutdownMessage"];

/** Sets process-wide defaults and returns the configuration now in force: {@linkcode Atexit.configure}. */
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
