// This module is browser compatible.

import type { ExitCallback, RegisterOptions } from "./types.ts";

/** Names the kind of thing a caller passed, for a TypeError: `number`, `null`, `array`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
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
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`[atexit] ${fn}() expects an options object, got ${describe(value)}`);
  }
}

function assertKnownKeys(fn: string, options: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
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

const registerKeys = ["timeout", "last", "signal", "once", "name"] as const;

/** Each option is read once: the value checked is the value used. */
export function checkRegisterOptions(options: unknown): RegisterOptions {
  if (options === undefined) return {};
  assertOptionsObject("register", options);
  assertKnownKeys("register", options, registerKeys);
  const { timeout, last, signal, once, name } = options;
  if (timeout !== undefined) assertDuration("register", "timeout", timeout);
  for (const [key, value] of [["last", last], ["once", once]] as const) {
    if (value !== undefined && typeof value !== "boolean") {
      throw new TypeError(`[atexit] register() option "${key}" must be a boolean, got ${describe(value)}`);
    }
  }
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`[atexit] register() option "signal" must be an AbortSignal, got ${describe(signal)}`);
  }
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`[atexit] register() option "name" must be a string, got ${describe(name)}`);
  }
  return { timeout, last, signal, once, name } as RegisterOptions;
}

const configKeys = [
  "timeout",
  "totalTimeout",
  "onError",
  "errorExitCode",
  "duplicateSignalWindow",
  "extraSignals",
  "awaitCrash",
  "shutdownMessage",
] as const;

/** The signals `extraSignals` may name: termination requests only, never fatal or tool signals. */
const extraSignalNames: readonly string[] = ["SIGUSR2", "SIGQUIT"];

function checkExtraSignals(value: unknown): readonly string[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`[atexit] configure() option "extraSignals" must be an array of signal names, got ${describe(value)}`);
  }
  // Copied, then checked: the array the caller keeps cannot change what was checked.
  const signals = [...value];
  for (const signal of signals) {
    if (typeof signal !== "string") {
      throw new TypeError(`[atexit] configure() option "extraSignals" must hold signal names, got ${describe(signal)}`);
    }
    if (!extraSignalNames.includes(signal)) {
      throw new RangeError(
        `[atexit] configure() option "extraSignals" cannot take ${signal} (it can take: ${extraSignalNames.join(", ")})`,
      );
    }
  }
  return Object.freeze([...new Set(signals)]);
}

/** The keys given, each read once and checked; `undefined` values are kept (configure decides what they mean). */
export function checkConfig(options: unknown): Partial<Record<(typeof configKeys)[number], unknown>> {
  if (options === undefined) return {};
  assertOptionsObject("configure", options);
  assertKnownKeys("configure", options, configKeys);
  const checked: Partial<Record<(typeof configKeys)[number], unknown>> = {};
  for (const key of configKeys) {
    if (!(key in options)) continue;
    const value = options[key];
    checked[key] = value === undefined ? undefined : checkConfigValue(key, value);
  }
  return checked;
}

function checkConfigValue(key: (typeof configKeys)[number], value: unknown): unknown {
  switch (key) {
    case "timeout":
    case "totalTimeout":
    case "duplicateSignalWindow":
      assertDuration("configure", key, value);
      return value;
    case "onError":
      if (typeof value !== "function") {
        throw new TypeError(`[atexit] configure() option "onError" must be a function, got ${describe(value)}`);
      }
      return value;
    case "errorExitCode":
      assertStatus("configure", `option "errorExitCode"`, value);
      return value;
    case "extraSignals":
      return checkExtraSignals(value);
    case "awaitCrash":
      if (typeof value !== "boolean") {
        throw new TypeError(`[atexit] configure() option "awaitCrash" must be a boolean, got ${describe(value)}`);
      }
      return value;
    case "shutdownMessage":
      if (typeof value !== "string") {
        throw new TypeError(`[atexit] configure() option "shutdownMessage" must be a string, got ${describe(value)}`);
      }
      return value;
  }
}
