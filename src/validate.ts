// This module is browser compatible.

import type { AtexitConfig, ExitCallback, RegisterOptions } from "./types.ts";

/** `Array.isArray`, which throws on a revoked Proxy: that is reported as such, never thrown raw. */
function arrayKind(value: unknown): "array" | "revoked proxy" | undefined {
  try {
    return Array.isArray(value) ? "array" : undefined;
  } catch {
    return "revoked proxy";
  }
}

/** Names the kind of thing a caller passed, for a TypeError: `number`, `null`, `array`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  return arrayKind(value) ?? typeof value;
}

/** What went wrong, as text, from anything thrown (hostile errors included). */
export function reasonOf(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return "an unreadable error";
  }
}

export function assertCallback(fn: string, value: unknown): asserts value is ExitCallback {
  if (typeof value !== "function") {
    throw new TypeError(`[atexit] ${fn}() expects a function, got ${describe(value)}`);
  }
}

/** A duration in milliseconds: a non-negative number; `Infinity` means no limit. */
export function assertDuration(fn: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`[atexit] ${fn}() option "${name}" must be a number of milliseconds, got ${describe(value)}`);
  }
  if (Number.isNaN(value) || value < 0) {
    throw new RangeError(`[atexit] ${fn}() option "${name}" must be 0 or more milliseconds, got ${value}`);
  }
}

/** An exit status: an integer from 0 to 255, the range every OS passes to the parent intact. */
export function assertStatus(fn: string, what: string, value: unknown): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`[atexit] ${fn}() expects ${what} to be an integer from 0 to 255, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new RangeError(`[atexit] ${fn}() expects ${what} to be an integer from 0 to 255, got ${value}`);
  }
}

function assertOptionsObject(fn: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || arrayKind(value)) {
    throw new TypeError(`[atexit] ${fn}() expects an options object, got ${describe(value)}`);
  }
}

function assertKnownKeys(fn: string, keys: readonly string[], known: readonly string[]): void {
  for (const key of keys) {
    if (!known.includes(key)) {
      throw new TypeError(`[atexit] ${fn}() got an unknown option "${key}" (known: ${known.join(", ")})`);
    }
  }
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AbortSignal).aborted === "boolean" &&
    typeof (value as AbortSignal).addEventListener === "function"
  );
}

export type Check = (fn: string, key: string, value: unknown) => unknown;

/** An option of one `typeof` kind ("a boolean", "a string", "a function"). */
export const ofType =
  (type: "boolean" | "string" | "function"): Check =>
  (fn, key, value) => {
    if (typeof value !== type) {
      throw new TypeError(`[atexit] ${fn}() option "${key}" must be a ${type}, got ${describe(value)}`);
    }
    return value;
  };

export const duration: Check = (fn, key, value) => {
  assertDuration(fn, key, value);
  return value;
};

const NO_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Reads each known key of `options` once, checks the value read and returns
 * those values: what was checked is what is used, whatever a getter would
 * answer the second time. Keys given as `undefined` are kept as `undefined`.
 */
export function checkOptions(fn: string, options: unknown, checks: Readonly<Record<string, Check>>): Readonly<Record<string, unknown>> {
  // Shared, not made per call: most registrations pass no options.
  if (options === undefined) return NO_OPTIONS;
  assertOptionsObject(fn, options);
  const known = Object.keys(checks);
  // Read everything first: a trap or getter that throws is the caller's input
  // failing, reported as such, before any of it is used.
  const given = new Map<string, unknown>();
  let keys: string[];
  try {
    keys = Object.keys(options);
    for (const key of known) if (key in options) given.set(key, options[key]);
  } catch (error) {
    throw new TypeError(`[atexit] ${fn}() could not read its options: ${reasonOf(error)}`, { cause: error });
  }
  assertKnownKeys(fn, keys, known);
  const checked: Record<string, unknown> = {};
  for (const [key, value] of given) checked[key] = value === undefined ? undefined : checks[key]!(fn, key, value);
  return checked;
}

const registerChecks: Readonly<Record<keyof RegisterOptions, Check>> = {
  timeout: duration,
  last: /* @__PURE__ */ ofType("boolean"),
  signal: (fn, key, value) => {
    let signal: boolean;
    try {
      signal = isAbortSignal(value);
    } catch (error) {
      throw new TypeError(`[atexit] ${fn}() option "${key}" could not be read: ${reasonOf(error)}`, { cause: error });
    }
    if (!signal) throw new TypeError(`[atexit] ${fn}() option "${key}" must be an AbortSignal, got ${describe(value)}`);
    return value;
  },
  once: /* @__PURE__ */ ofType("boolean"),
  name: /* @__PURE__ */ ofType("string"),
};

export const checkRegisterOptions = (options: unknown): RegisterOptions =>
  checkOptions("register", options, registerChecks) as RegisterOptions;

/** The requests to stop, handled by default where the OS has them (adapters/_signals.ts). */
const STOP_SIGNALS: readonly string[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", "SIGBREAK"];

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

const configChecks: Readonly<Record<keyof AtexitConfig, Check>> = {
  timeout: duration,
  totalTimeout: duration,
  onError: /* @__PURE__ */ ofType("function"),
  errorExitCode: (fn, key, value) => {
    assertStatus(fn, `option "${key}"`, value);
    return value;
  },
  duplicateSignalWindow: duration,
  extraSignals: (fn, key, value) => {
    const prefix = `[atexit] ${fn}() option "${key}"`;
    // Copied, then checked: the array the caller keeps cannot change what was checked.
    let signals: unknown[] | undefined;
    try {
      if (arrayKind(value) === "array") signals = [...(value as unknown[])];
    } catch {
      // An array Proxy whose traps throw: not an array of signal names.
    }
    if (!signals) throw new TypeError(`${prefix} must be an array of signal names, got ${describe(value)}`);
    for (const signal of signals) {
      if (typeof signal !== "string") throw new TypeError(`${prefix} must hold signal names, got ${describe(signal)}`);
      if (!OPT_IN_SIGNALS.includes(signal)) {
        const why = STOP_SIGNALS.includes(signal) ? "it is handled by default" : `it can take: ${OPT_IN_SIGNALS.join(", ")}`;
        throw new RangeError(`${prefix} cannot take ${signal} (${why})`);
      }
    }
    return Object.freeze([...new Set(signals)]);
  },
  awaitCrash: /* @__PURE__ */ ofType("boolean"),
  shutdownMessage: /* @__PURE__ */ ofType("string"),
};

/** The keys given, each read once and checked; `undefined` values are kept (configure decides what they mean). */
export const checkConfig = (options: unknown): Partial<Record<keyof AtexitConfig, unknown>> =>
  checkOptions("configure", options, configChecks);
