// This module is browser compatible.

import { OPT_IN_SIGNALS, SETTINGS, type SettingKind, STOP_SIGNALS } from "./config.ts";
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

/** Throws a `Type` whose message names `fn` and says `what` (the caller's input, with the `cause` a hostile one threw). */
export function fail(Type: ErrorConstructor, fn: string, what: string, cause?: unknown): never {
  throw new Type(`[atexit] ${fn}() ${what}`, cause === undefined ? undefined : { cause });
}

export function assertCallback(fn: string, value: unknown): asserts value is ExitCallback {
  if (typeof value !== "function") fail(TypeError, fn, `expects a function, got ${describe(value)}`);
}

/** An exit status: an integer from 0 to 255, the range every OS passes to the parent intact. */
export function assertStatus(fn: string, what: string, value: unknown): asserts value is number {
  if (typeof value !== "number") fail(TypeError, fn, `expects ${what} to be an integer from 0 to 255, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < 0 || value > 255) fail(RangeError, fn, `expects ${what} to be an integer from 0 to 255, got ${value}`);
}

export type Check = (fn: string, key: string, value: unknown) => unknown;

/** Throws a `Type` whose message names `fn` and its option `key`, then says `what`. */
function failOption(Type: ErrorConstructor, fn: string, key: string, what: string): never {
  fail(Type, fn, `option "${key}" ${what}`);
}

/** An option of one `typeof` kind ("a boolean", "a string", "a function"). */
export const ofType =
  (type: "boolean" | "string" | "function"): Check =>
  (fn, key, value) =>
    typeof value === type ? value : failOption(TypeError, fn, key, `must be a ${type}, got ${describe(value)}`);

/** A duration in milliseconds: a non-negative number; `Infinity` means no limit, and a fraction is fine. */
export const duration: Check = (fn, key, value) => {
  if (typeof value !== "number") failOption(TypeError, fn, key, `must be a number of milliseconds, got ${describe(value)}`);
  if (Number.isNaN(value) || value < 0) failOption(RangeError, fn, key, `must be 0 or more milliseconds, got ${value}`);
  return value;
};

const NO_OPTIONS: Readonly<Record<string, unknown>> = /* @__PURE__ */ Object.freeze({});

/**
 * Reads each known key of `options` once, checks the value read and returns
 * those values: what was checked is what is used, whatever a getter would
 * answer the second time. Keys given as `undefined` are kept as `undefined`.
 */
export function checkOptions(fn: string, options: unknown, checks: Readonly<Record<string, Check>>): Readonly<Record<string, unknown>> {
  // Shared, not made per call: most registrations pass no options.
  if (options === undefined) return NO_OPTIONS;
  if (typeof options !== "object" || options === null || arrayKind(options)) fail(TypeError, fn, `expects an options object, got ${describe(options)}`);
  const known = Object.keys(checks);
  // Read everything first: a trap or getter that throws is the caller's input
  // failing, reported as such, before any of it is used.
  const checked: Record<string, unknown> = {};
  let keys: string[];
  try {
    keys = Object.keys(options);
    for (const key of known) if (key in options) checked[key] = (options as Record<string, unknown>)[key];
  } catch (error) {
    fail(TypeError, fn, `could not read its options: ${reasonOf(error)}`, error);
  }
  for (const key of keys) if (!known.includes(key)) fail(TypeError, fn, `got an unknown option "${key}" (known: ${known.join(", ")})`);
  for (const key of Object.keys(checked)) if (checked[key] !== undefined) checked[key] = checks[key]!(fn, key, checked[key]);
  return checked;
}

const registerChecks: Readonly<Record<keyof RegisterOptions, Check>> = {
  timeout: duration,
  first: /* @__PURE__ */ ofType("boolean"),
  last: /* @__PURE__ */ ofType("boolean"),
  // Known by its shape, so that another realm's signal, or a polyfill's, is one.
  signal: (fn, key, value) => {
    try {
      const signal = value as AbortSignal | null;
      if (typeof signal === "object" && signal !== null && typeof signal.aborted === "boolean" && typeof signal.addEventListener === "function") return signal;
    } catch (error) {
      fail(TypeError, fn, `option "${key}" could not be read: ${reasonOf(error)}`, error);
    }
    return failOption(TypeError, fn, key, `must be an AbortSignal, got ${describe(value)}`);
  },
  once: /* @__PURE__ */ ofType("boolean"),
  name: /* @__PURE__ */ ofType("string"),
};

export function checkRegisterOptions(options: unknown): RegisterOptions {
  const checked = checkOptions("register", options, registerChecks) as RegisterOptions;
  if (checked.first && checked.last) fail(RangeError, "register", 'options "first" and "last" exclude each other');
  return checked;
}

/** How each kind of setting (config.ts) is checked. */
const settingChecks: Readonly<Record<SettingKind, Check>> = {
  duration,
  function: /* @__PURE__ */ ofType("function"),
  boolean: /* @__PURE__ */ ofType("boolean"),
  string: /* @__PURE__ */ ofType("string"),
  status: (fn, key, value) => {
    assertStatus(fn, `option "${key}"`, value);
    return value;
  },
  signals: (fn, key, value) => {
    const prefix = `option "${key}"`;
    // Copied, then checked: the array the caller keeps cannot change what was checked.
    let signals: unknown[] | undefined;
    try {
      if (arrayKind(value) === "array") signals = [...(value as unknown[])];
    } catch {
      // An array Proxy whose traps throw: not an array of signal names.
    }
    if (!signals) fail(TypeError, fn, `${prefix} must be an array of signal names, got ${describe(value)}`);
    for (const signal of signals) {
      if (typeof signal !== "string") fail(TypeError, fn, `${prefix} must hold signal names, got ${describe(signal)}`);
      if (!OPT_IN_SIGNALS.includes(signal)) {
        const why = STOP_SIGNALS.includes(signal) ? "it is handled by default" : `it can take: ${OPT_IN_SIGNALS.join(", ")}`;
        fail(RangeError, fn, `${prefix} cannot take ${signal} (${why})`);
      }
    }
    return Object.freeze([...new Set(signals)]);
  },
};

/** The keys given, each read once and checked; `undefined` values are kept (configure decides what they mean). */
export const checkConfig = (options: unknown): Partial<Record<keyof AtexitConfig, unknown>> =>
  checkOptions(
    "configure",
    options,
    Object.fromEntries(Object.entries(SETTINGS).map(([key, { kind }]) => [key, settingChecks[kind]])),
  );
