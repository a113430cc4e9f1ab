// This module is browser compatible.

import { printError } from "./report.ts";
import type { AtexitConfig } from "./types.ts";

/** The requests to stop, handled by default where the OS has them (adapters/_signals.ts). */
export const STOP_SIGNALS: readonly string[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", "SIGBREAK"];

/**
 * The signals `extraSignals` may name: those that end a process by default
 * and are not listened to already (adapters/_signals.ts says why the others
 * are never listened to).
 */
export const OPT_IN_SIGNALS: readonly string[] = [
  "SIGQUIT",
  "SIGUSR2",
  "SIGALRM",
  "SIGVTALRM",
  "SIGXFSZ",
  "SIGIO",
  "SIGSTKFLT",
  "SIGABRT",
  "SIGTRAP",
  "SIGSYS",
];

/** How a setting's value is checked (validate.ts reads the kinds). */
export type SettingKind = "duration" | "function" | "status" | "signals" | "boolean" | "string";

/** How a setting is checked and what a change to it does. */
interface Setting {
  readonly kind: SettingKind;
  /** `configure({ key: undefined })` turns it back off (elsewhere `undefined` leaves a key as it was). */
  readonly clearable?: true;
  /** A change reinstalls the adapter's listeners, which depend on it. */
  readonly relisten?: true;
}

/**
 * The configuration a fresh realm starts with. Apart from {@linkcode SETTINGS}
 * (same keys, checked by the types) so that a program that only registers
 * carries the defaults and not how `configure()` checks and applies them.
 */
export const defaultConfig: AtexitConfig = /* @__PURE__ */ Object.freeze({
  timeout: 5000,
  totalTimeout: 9000,
  onError: printError,
  errorExitCode: undefined,
  duplicateSignalWindow: 100,
  extraSignals: /* @__PURE__ */ Object.freeze([]),
  awaitCrash: false,
  shutdownMessage: undefined,
  onReport: undefined,
});

/**
 * Every setting, once: how it is checked, and what a change does.
 * `configure()` and its checks come from here; the defaults are
 * {@linkcode defaultConfig}, the types and their documentation `AtexitConfig`
 * in types.ts.
 */
export const SETTINGS: { readonly [K in keyof AtexitConfig]: Setting } = {
  timeout: { kind: "duration" },
  totalTimeout: { kind: "duration" },
  onError: { kind: "function" },
  errorExitCode: { kind: "status", clearable: true },
  duplicateSignalWindow: { kind: "duration" },
  extraSignals: { kind: "signals", relisten: true },
  awaitCrash: { kind: "boolean", relisten: true },
  shutdownMessage: { kind: "string", clearable: true, relisten: true },
  onReport: { kind: "function", clearable: true },
};
