// What the unit tests of the entries (node, bun, deno, fallback, browser,
// workerd: test/unit/adapters/<entry>.test.ts) share. Each test loads its
// entry afresh, as an entry makes its adapter once per load, and the realm's
// registry is emptied after it, which takes off whatever listeners the entry
// put on the real process of the Node that runs the tests.
import { afterEach, expect, vi } from "vitest";
import { defaultConfig } from "../../../src/config.ts";
import { findRegistry, sharedState } from "../../../src/realm.ts";
import type { Atexit, ExitEvent } from "../../../src/types.ts";

/** Imports `load()`'s module anew (vi.resetModules first), so its adapter is made again. */
export async function fresh<T>(load: () => Promise<T>): Promise<T> {
  vi.resetModules();
  return load();
}

/** How a callback saw its run: reason, runtime, awaited or not. */
export const seen = (event: ExitEvent): string => `${event.reason} ${event.runtime} ${event.awaited ? "awaited" : "sync"}`;

/** After each test: the realm's registry emptied and its settings reset, globals, mocks and timers restored. */
export function resetAfterEach(): void {
  afterEach(() => {
    const registry = findRegistry();
    registry?.clear();
    if (registry) registry.config = defaultConfig;
    const state = sharedState();
    state.ready = undefined;
    state.onAwaitedRun = undefined;
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    vi.useRealTimers();
  });
}

/** The wrong-entry error `entry` throws on `actual`, registering nothing. */
export function expectRefused(atexit: Pick<Atexit, "register" | "count">, entry: string, expected: string, actual: string): void {
  expect(() => atexit.register(() => {})).toThrow(
    new Error(`[atexit] ${entry} is for ${expected}, but this program runs on ${actual}; import "atexit" to get the adapter for this host`),
  );
  expect(atexit.count()).toBe(0);
}

/**
 * `defer()` on a fresh realm: it makes the AsyncLocalStorage `context` says
 * (a constructor name, or null for none), and the awaited run waits for the
 * deferred work (a 1 s timer, on fake time) before the callbacks.
 */
export async function expectDeferHeld(atexit: Pick<Atexit, "defer" | "register" | "runHandlers">, context: string | null): Promise<void> {
  vi.useFakeTimers();
  const log: string[] = [];
  // None made yet: the entry's host says where this realm's AsyncLocalStorage comes from.
  sharedState().context = undefined;
  atexit.defer(new Promise((resolve) => setTimeout(resolve, 1000)).then(() => void log.push("deferred work")));
  const made = sharedState().context;
  expect(made === null ? null : made?.constructor.name).toBe(context);
  atexit.register(() => void log.push("callback"));
  const running = atexit.runHandlers();
  await vi.advanceTimersByTimeAsync(1000);
  await running;
  expect(log).toEqual(["deferred work", "callback"]);
}

/**
 * `ready()` of an entry where no supervisor can be (a page, the fallback,
 * workerd): even with a supervisor's variables set, it resolves and sends
 * nothing (it does not even record a first call).
 */
export async function expectReadyInert(atexit: Pick<Atexit, "ready">): Promise<void> {
  vi.stubEnv("NOTIFY_SOCKET", "/run/systemd/notify");
  vi.stubEnv("pm_id", "0");
  await expect(atexit.ready()).resolves.toBeUndefined();
  expect(sharedState().ready).toBeUndefined();
}

/**
 * `ready()` of an entry on its runtime: with no supervisor it sends nothing;
 * under PM2 (`pm_id`, and the IPC channel of the Node that runs the tests)
 * it sends "ready" once, whatever the number of calls.
 */
export async function expectReadyToPm2(atexit: Pick<Atexit, "ready">, setEnv: (name: string, value: string) => void = vi.stubEnv): Promise<void> {
  const sent: unknown[] = [];
  const send = (message: unknown, done: (error: unknown) => void): boolean => {
    sent.push(message);
    done(null);
    return true;
  };
  vi.stubGlobal("process", Object.assign(Object.create(process), { send }));
  await atexit.ready();
  expect(sent).toEqual([]);
  sharedState().ready = undefined;
  setEnv("pm_id", "0");
  const first = atexit.ready();
  expect(atexit.ready()).toBe(first);
  await first;
  expect(sent).toEqual(["ready"]);
}

