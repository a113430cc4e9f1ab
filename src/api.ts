// This module is browser compatible.
//
// The public functions. `register`, `exit` and `runHandlers` are bound by each
// entry to its adapter (registerWith, exitWith, runHandlersWith); the others
// need none. Free functions, not an object of them: a program that imports
// only `register` carries neither the awaited run nor `configure`.

import { SETTINGS } from "./config.ts";
import { reportRuns } from "./exit-report.ts";
import type { Adapter, Entry, SharedRegistry } from "./protocol.ts";
import { findRegistry, getRegistry } from "./realm.ts";
import { finalStatus, requestExit, runAwaited } from "./run.ts";
import type { Atexit, AtexitConfig, ConfigureOptions, ExitCallback, RegisterOptions, Registration } from "./types.ts";
import { assertCallback, assertStatus, checkConfig, checkRegisterOptions } from "./validate.ts";
import { defaultConfig } from "./config.ts";

/** An entry's adapter, made on first use (not at import): an unused import changes nothing. */
export type LazyAdapter = () => Adapter;

/** Memoizes `make`: the entry's adapter, made once, on first use. */
export function lazyAdapter(make: () => Adapter): LazyAdapter {
  let made: Adapter | undefined;
  return () => (made ??= make());
}

// Made on first use: the function every handle is bound from, whose
// prototype gives each handle `Symbol.dispose` without a property of its own.
let removeEntry: ((this: SharedRegistry, entry: Entry) => boolean) | undefined;

function handleTarget(): (this: SharedRegistry, entry: Entry) => boolean {
  const target = function (this: SharedRegistry, entry: Entry): boolean {
    return this.remove(entry);
  };
  Object.setPrototypeOf(
    target,
    Object.create(Function.prototype, {
      [Symbol.dispose]: {
        value(this: () => unknown): void {
          this();
        },
      },
    }),
  );
  return target;
}

/**
 * The handle on `entry`: calling it removes that registration from `registry`
 * (see {@linkcode Registration}). A bound function, not a closure: no context
 * object per registration.
 */
export const registrationOf = (registry: SharedRegistry, entry: Entry): Registration =>
  (removeEntry ??= handleTarget()).bind(registry, entry) as Registration;

/** `register` for the entry whose adapter `adapter` gives (see {@linkcode Atexit.register}). */
export function registerWith(adapter: LazyAdapter, callback: ExitCallback, options?: RegisterOptions): Registration {
  assertCallback("register", callback);
  const checked = checkRegisterOptions(options);
  // The adapter first: registering on the wrong runtime must leave no trace.
  const installing = adapter();
  const registry = getRegistry();
  return registrationOf(registry, registry.add(callback, checked, installing));
}

/** `exit` for the entry whose adapter `adapter` gives (see {@linkcode Atexit.exit}). */
export function exitWith(adapter: LazyAdapter, code?: number): Promise<void> {
  // Checked here, not in the async part, so bad input throws at the call site.
  if (code !== undefined) assertStatus("exit", "the status", code);
  const host = adapter();
  const registry = getRegistry();
  // Called from a callback (or beside a run): no second run; the run's owner ends the program.
  if (requestExit(registry, code)) return Promise.resolve();
  const status = code ?? host.currentCode?.() ?? 0;
  return runAwaited(registry, { reason: "exit", code: status, runtime: host.runtime, final: true }).then((result) =>
    host.exitProcess?.(finalStatus(registry.config, result, status)),
  );
}

/** `runHandlers` for the entry whose adapter `adapter` gives (see {@linkcode Atexit.runHandlers}). */
export async function runHandlersWith(adapter: LazyAdapter): Promise<void> {
  const host = adapter();
  const registry = findRegistry();
  // Called during a run (perhaps by one of its callbacks): that run is already doing the work.
  if (!registry || registry.current) return;
  const result = await runAwaited(registry, { reason: "manual", runtime: host.runtime, final: false });
  // exit() called during this run: it could not end the program then, so end it now.
  if (result.exitRequested) await host.exitProcess?.(finalStatus(registry.config, result, host.currentCode?.() ?? 0));
}

/** Removes every registration of `callback`: {@linkcode Atexit.unregister}. */
export function unregister(callback: ExitCallback): number {
  assertCallback("unregister", callback);
  return findRegistry()?.removeAll(callback) ?? 0;
}

/** How many registrations there are: {@linkcode Atexit.count}. */
export function count(): number {
  return findRegistry()?.size ?? 0;
}

/** Removes every registration: {@linkcode Atexit.clear}. */
export function clear(): void {
  findRegistry()?.clear();
}

/** Sets process-wide defaults and returns the configuration now in force: {@linkcode Atexit.configure}. */
export function configure(options?: ConfigureOptions): AtexitConfig {
  const checked = checkConfig(options);
  const changes = Object.entries(checked).filter(([key, value]) => value !== undefined || SETTINGS[key as keyof AtexitConfig].clearable);
  // Reading the configuration must not create the registry either.
  if (changes.length === 0) return findRegistry()?.config ?? defaultConfig;
  const registry = getRegistry();
  const before = registry.config;
  registry.config = Object.freeze({ ...before, ...Object.fromEntries(changes) });
  // The runs' record comes with the first onReport (a server adapter brings it too, for the channel).
  if (registry.config.onReport) reportRuns();
  // Installed listeners follow the settings they depend on.
  const changed = (key: string): boolean => registry.config[key as keyof AtexitConfig] !== before[key as keyof AtexitConfig];
  if (Object.keys(SETTINGS).some((key) => SETTINGS[key as keyof AtexitConfig].relisten && changed(key))) registry.relisten();
  return registry.config;
}
