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

interface Setting {
  /** Its value in a fresh realm. */
  readonly value: unknown;
  readonly kind: SettingKind;
  /** `configure({ key: undefined })` turns it back off (elsewhere `undefined` leaves a key as it was). */
  readonly clearable?: true;
  /** A change reinstalls the adapter's listeners, which depend on it. */
  readonly relisten?: true;
}

/**
 * Every setting, once: its default, how it is checked, and what a change
 * does. `configure()`, its checks and the defaults all come from here; the
 * types and their documentation are `AtexitConfig` in types.ts.
 */
export const SETTINGS: { readonly [K in keyof AtexitConfig]: Setting } = {
  timeout: { value: 5000, kind: "duration" },
  totalTimeout: { value: 9000, kind: "duration" },
  onError: { value: printError, kind: "function" },
  errorExitCode: { value: undefined, kind: "status", clearable: true },
  duplicateSignalWindow: { value: 100, kind: "duration" },
  extraSignals: { value: Object.freeze([]), kind: "signals", relisten: true },
  awaitCrash: { value: false, kind: "boolean", relisten: true },
  shutdownMessage: { value: undefined, kind: "string", clearable: true, relisten: true },
};

/** The configuration a fresh realm starts with. */
export const defaultConfig: AtexitConfig = /* @__PURE__ */ Object.freeze(
  Object.fromEntries(Object.entries(SETTINGS).map(([key, { value }]) => [key, value])) as unknown as AtexitConfig,
);
