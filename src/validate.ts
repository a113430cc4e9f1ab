// This module is browser compatible.

import type { AtexitConfig, ExitCallback, RegisterOptions } from "./types.ts";

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

const registerKeys = ["timeout", "last", "signal", "once"] as const;

export function checkRegisterOptions(options: unknown): RegisterOptions {
  if (options === undefined) return {};
  assertOptionsObject("register", options);
  assertKnownKeys("register", options, registerKeys);
  const { timeout, last, signal, once } = options;
  if (timeout !== undefined) assertDuration("register", "timeout", timeout);
  for (const [name, value] of [["last", last], ["once", once]] as const) {
    if (value !== undefined && typeof value !== "boolean") {
      throw new TypeError(`[atexit] register() option "${name}" must be a boolean, got ${describe(value)}`);
    }
  }
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`[atexit] register() option "signal" must be an AbortSignal, got ${describe(signal)}`);
  }
  return options as RegisterOptions;
}

const configKeys = ["timeout", "totalTimeout", "onError", "errorExitCode"] as const;

export function checkConfig(options: unknown): Partial<AtexitConfig> {
  if (options === undefined) return {};
  assertOptionsObject("configure", options);
  assertKnownKeys("configure", options, configKeys);
  const { timeout, totalTimeout, onError, errorExitCode } = options;
  if (timeout !== undefined) assertDuration("configure", "timeout", timeout);
  if (totalTimeout !== undefined) assertDuration("configure", "totalTimeout", totalTimeout);
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(`[atexit] configure() option "onError" must be a function, got ${describe(onError)}`);
  }
  // `errorExitCode: undefined` is meaningful (back to the default), so only other values are checked.
  if (errorExitCode !== undefined) assertStatus("configure", `option "errorExitCode"`, errorExitCode);
  return options as Partial<AtexitConfig>;
}
