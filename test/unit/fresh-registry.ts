// A Registry of its own against a fake adapter, shared by the unit tests of
// the core (test/unit/src) and of the adapters' reports on its runs
// (test/unit/adapters/_debug.test.ts). A registry per test, not the realm's,
// so that no test sees another's registrations or run; the tests of the
// public functions, which only reach the realm's registry, use the fake
// adapter alone, with test/fixtures/api.ts.
import { vi } from "vitest";
import { registrationOf } from "../../src/api.ts";
import { defaultConfig } from "../../src/config.ts";
import type { Adapter, Trigger } from "../../src/protocol.ts";
import { Registry } from "../../src/registry.ts";
import type { AtexitConfig, ExitCallback, ExitEvent, RuntimeName } from "../../src/types.ts";

/** An adapter whose every member is a spy; `code` is the status it says the program would end with. */
export function fakeAdapter(code?: number, runtime: RuntimeName = "unknown") {
  return {
    runtime,
    install: vi.fn(),
    uninstall: vi.fn(),
    currentCode: vi.fn((): number | undefined => code),
    exitProcess: vi.fn(),
  };
}

/** runHandlers()'s trigger: awaited, and the program goes on. */
export const manual: Trigger = { reason: "manual", runtime: "unknown", final: false };

/** A page hidden, which may be shown again. */
export const hidden: Trigger = { reason: "hidden", runtime: "browser", final: false };

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A callback that logs `name` (and records the event it got). */
export function logger(log: string[], name: string, events?: ExitEvent[]): ExitCallback {
  return (event) => {
    log.push(name);
    events?.push(event);
  };
}

/**
 * A registry with the realm's defaults but for `config` (so a failure is
 * printed by printError, as in a program); `add` registers on it through
 * `adapter` and returns the handle register() would.
 */
export function setup<A extends Adapter = ReturnType<typeof fakeAdapter>>(
  config: Partial<AtexitConfig> = {},
  adapter: A = fakeAdapter() as Adapter as A,
) {
  const registry = new Registry();
  registry.config = Object.freeze({ ...defaultConfig, ...config });
  const log: string[] = [];
  const add = (callback: ExitCallback, options: Parameters<Registry["add"]>[1] = {}) =>
    registrationOf(registry, registry.add(callback, options, adapter));
  return { registry, adapter, log, add };
}

/** The same, with failures going to the `onError` spy it returns, unless `config` names another onError. */
export function setupWithSpy<A extends Adapter = ReturnType<typeof fakeAdapter>>(
  config: Partial<AtexitConfig> = {},
  adapter: A = fakeAdapter() as Adapter as A,
) {
  const onError = vi.fn();
  return { ...setup({ onError, ...config }, adapter), onError };
}
