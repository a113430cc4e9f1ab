// This module is browser compatible.
//
// The run driver: the one loop that calls the callbacks, synchronously or
// awaited, isolating each one's failure. It takes its callbacks from a
// source: the registry's run (on an exit), or an invocation's phase
// (invocation.ts). The awaited part is in its own functions, so a page that
// only registers (every run in a page is synchronous) carries no timers.
// What a run's report needs it hears through an observer (`Source.observer`,
// made by exit-report.ts when a report is wanted): a few optional calls
// here, so a program that asks for no report carries none of the record.

import type { Entry, Outcome, Run, RunObserver, RunResult, SharedRegistry, Trigger } from "./protocol.ts";
import { nameOf, TIMEOUT_PREFIX } from "./report.ts";
import { slot } from "./realm.ts";
import { MAX_TIMER_MS, timeoutError } from "./time.ts";
import type { AtexitConfig, ExitEvent, RegisterOptions } from "./types.ts";

/** What the driver reads and writes of a run: the registry's, or a phase's own record. */
export type RunRecord = Pick<Run, "startedAt" | "exitCode" | "failed">;

/** Where a run's callbacks come from. */
export interface Source {
  /** The configuration in force, read when it is needed. */
  readonly config: AtexitConfig;
  readonly run: RunRecord;
  /** The next callback, or undefined when none is left. */
  take(): Entry | undefined;
  /** Reports a callback's async work that a path which cannot wait had to cut (the adapter's, when debugging). */
  readonly reportCut?: ((name: string, event: ExitEvent) => void) | undefined;
  /** What records the run for its report, when one is wanted (the registry's runs only). */
  readonly observer?: RunObserver | undefined;
}

export type Then = (this: unknown, onFulfilled?: (value: unknown) => void, onRejected?: (error: unknown) => void) => unknown;

/**
 * The `then` of what a callback returned, read once. Called inside the
 * callback's isolation: a getter or Proxy trap there belongs to the callback,
 * and a throw from it is the callback's failure, not the run's.
 */
export function thenOf(value: unknown): Then | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  const then = (value as { then?: unknown }).then;
  return typeof then === "function" ? (then as Then) : undefined;
}

// Made on first use, not at import.
let neverAborts: AbortSignal | undefined;
const signalThatNeverAborts = (): AbortSignal => (neverAborts ??= new AbortController().signal);

/** An ExitEvent whose `deadline` signal is made on first read (most callbacks never read it). */
class Event {
  // Declared, not defined as class fields: the constructor makes each one,
  // once (a defined field is made, then assigned, per callback of a run).
  declare readonly reason: ExitEvent["reason"];
  declare readonly code: number | undefined;
  declare readonly signal: string | undefined;
  declare readonly error: unknown;
  declare readonly runtime: ExitEvent["runtime"];
  declare readonly final: boolean;
  declare readonly awaited: boolean;
  declare readonly request: unknown;
  readonly #deadline: () => AbortSignal;

  constructor(trigger: Trigger, code: number | undefined, awaited: boolean, deadline: () => AbortSignal) {
    this.reason = trigger.reason;
    this.code = code;
    this.signal = trigger.signal;
    this.error = trigger.error;
    this.runtime = trigger.runtime;
    this.final = trigger.final;
    this.awaited = awaited;
    this.request = trigger.request;
    this.#deadline = deadline;
  }

  get deadline(): AbortSignal {
    return this.#deadline();
  }
}

/** The event a callback of `source` is called with: the status `exit()` asked for during the run wins. */
const eventOf = (source: Source, trigger: Trigger, awaited: boolean, deadline: () => AbortSignal): ExitEvent =>
  new Event(trigger, source.run.exitCode ?? trigger.code, awaited, deadline) as unknown as ExitEvent;

/** A callback as the run reports it. */
type Callback = Pick<Entry, "callback" | "options">;

/** Reports a failure of `entry`'s callback to `onError`, and marks the run failed. */
function report(source: Source, error: unknown, event: ExitEvent, entry: Callback): void {
  source.run.failed = true;
  const name = nameOf(entry);
  try {
    source.config.onError(error, event, name);
  } catch (failure) {
    console.error(`[atexit] onError failed while reporting exit callback "${name}":`, failure);
  }
}

/** What a callback returned on a path that cannot wait (or past the total deadline): a rejection is still its failure. */
function settle(source: Source, result: unknown, entry: Entry, event: ExitEvent, done: ((outcome: Outcome) => void) | undefined): void {
  try {
    const then = thenOf(result);
    if (!then) return done?.("ok");
    // Async work this path cannot wait for: silent by default (a page hide
    // never waits, by design), reported where the adapter was asked to.
    source.reportCut?.(nameOf(entry), event);
    then.call(result, undefined, (error) => report(source, error, event, entry));
    done?.("cut");
  } catch (error) {
    done?.("failed");
    report(source, error, event, entry);
  }
}

/**
 * Calls every callback `source` has, one after another, without waiting for
 * what they return; each event's `deadline` is `deadline()`. There is no call
 * between taking a callback and calling it: a host may end the script at a
 * call (see runNow), and a callback taken and not called would be lost.
 */
export function callNow(source: Source, trigger: Trigger, deadline: () => AbortSignal = signalThatNeverAborts): void {
  const { observer } = source;
  for (;;) {
    const event = eventOf(source, trigger, false, deadline);
    // The time of the call, read before `take` for the reason above.
    const at = observer ? Date.now() : 0;
    const entry = source.take();
    if (!entry) return;
    let result: unknown;
    try {
      result = entry.callback(event);
    } catch (error) {
      observer?.called(entry, at)("failed");
      report(source, error, event, entry);
      continue;
    }
    settle(source, result, entry, event, observer?.called(entry, at));
  }
}

/**
 * Calls every callback `source` has, awaiting each within its timeout and the
 * whole within `totalTimeout` from the run's start. Callbacks still to come
 * when the total deadline passes are called without being awaited, their
 * deadline already aborted.
 */
export async function callAwaited(source: Source, trigger: Trigger): Promise<void> {
  const { config, run } = source;
  const endsAt = run.startedAt + config.totalTimeout;
  for (;;) {
    // Date.now, not performance.now: Node loads perf_hooks on first use of
    // `performance`, which would cost milliseconds at exit time.
    const left = endsAt - Date.now();
    if (left <= 0) break;
    const entry = source.take();
    if (!entry) return;
    const pending = callOne(source, entry, trigger, Math.min(entry.options.timeout ?? config.timeout, left));
    if (pending) await pending;
  }
  let overdue: AbortSignal | undefined;
  callNow(source, trigger, () => {
    if (!overdue) {
      const controller = new AbortController();
      controller.abort(timeoutError(`the exit callbacks did not finish within ${config.totalTimeout} ms in all`));
      overdue = controller.signal;
    }
    return overdue;
  });
}

/** Calls a callback on an awaited path; returns a promise only if there is something to wait for. */
function callOne(source: Source, entry: Callback, trigger: Trigger, ms: number): Promise<void> | undefined {
  let controller: AbortController | undefined;
  let expired: unknown;
  const deadline = (): AbortSignal => {
    if (!controller) {
      controller = new AbortController();
      if (expired) controller.abort(expired);
    }
    return controller.signal;
  };
  const event = eventOf(source, trigger, true, deadline);
  const { observer } = source;
  const at = observer ? Date.now() : 0;
  let result: unknown;
  let then: Then | undefined;
  try {
    result = entry.callback(event);
    then = thenOf(result);
  } catch (error) {
    observer?.called(entry, at)("failed");
    report(source, error, event, entry);
    return undefined;
  }
  const done = observer?.called(entry, at);
  if (!then) return void done?.("ok");
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<unknown>((resolve, reject) => {
    if (ms < MAX_TIMER_MS) {
      timer = setTimeout(() => {
        expired = timeoutError(`${TIMEOUT_PREFIX}"${nameOf(entry)}" did not finish within ${Math.round(ms)} ms`);
        controller?.abort(expired);
        reject(expired);
      }, ms);
    }
    // A `then` that throws rejects this promise: reported like any failure.
    then.call(result, resolve, reject);
  }).then(
    () => {
      clearTimeout(timer);
      done?.("ok");
    },
    (error) => {
      clearTimeout(timer);
      // Once the timer has fired, the promise was rejected with its error first.
      done?.(expired ? "timed out" : "failed");
      report(source, error, event, entry);
    },
  );
}

/** How reports name the deferred work `awaitWork` waits for. */
const DEFERRED_WORK: RegisterOptions = /* @__PURE__ */ Object.freeze({ name: "deferred work" });

/**
 * Awaits `work` (deferred work, promises that never reject) like one callback
 * of the run: within the `timeout` and what is left of the `totalTimeout`.
 * Work still pending then is reported (a `TimeoutError`, named "deferred
 * work") and the callbacks run anyway.
 */
export async function awaitWork(source: Source, work: Set<Promise<void>>, trigger: Trigger): Promise<void> {
  const { config, run, observer } = source;
  const at = Date.now();
  const ms = Math.max(0, Math.min(config.timeout, run.startedAt + config.totalTimeout - at));
  // The promises waited for, for the report.
  const seen = new Set<Promise<void>>();
  // Work deferred while it waits is waited for too: each promise leaves the set as it settles.
  const settleAll = async (): Promise<void> => {
    while (work.size > 0) {
      for (const promise of work) seen.add(promise);
      await Promise.all(work);
    }
  };
  // Not one of the report's callbacks: the report hears of it through `waited`.
  await callOne({ ...source, observer: undefined }, { callback: settleAll, options: DEFERRED_WORK }, trigger, ms);
  observer?.waited(at, seen, work);
}

/** The registry's run as a source, with the run's observer if its report is wanted (the same one for every call of one run). */
function registrySource(registry: SharedRegistry, run: Run, trigger: Trigger): Source {
  return {
    get config() {
      return registry.config;
    },
    run,
    take: () => registry.take(run),
    reportCut: registry.installed?.reportCut,
    observer: slot().state.observeRun?.(trigger, run),
  };
}

/** What `run` reports to whoever asked for it. */
export function resultOf(run: Run): RunResult {
  const exitCode = run.exitRequested ? (run.exitCode ?? run.code) : undefined;
  return { failed: run.failed, exitRequested: run.exitRequested, exitCode };
}

/**
 * Calls the callbacks `run` (the registry's run) has left, synchronously,
 * then ends it if `end`.
 */
export function carryOn(registry: SharedRegistry, run: Run, trigger: Trigger, end: boolean): RunResult {
  const source = registrySource(registry, run, trigger);
  try {
    callNow(source, trigger);
  } finally {
    if (end) {
      registry.close(run);
      source.observer?.end();
    }
  }
  return resultOf(run);
}

/**
 * Runs the registry's callbacks synchronously, for paths that cannot wait (an
 * `exit` event). Called while a run is under way, it carries on with the
 * callbacks that have not run yet, so nothing is lost when a callback ends
 * the program or a host nests one exit event inside another; whoever began
 * the run ends it.
 */
export function runSync(registry: SharedRegistry, trigger: Trigger): RunResult {
  const outer = registry.current;
  const result = carryOn(registry, outer ?? registry.begin(trigger, {}), trigger, !outer);
  // An awaited run carried on here never reaches its own end (the program
  // ends now): its report goes out now, what it still awaited cut.
  if (outer?.promise) slot().state.observeRun?.(trigger, outer)?.end();
  return result;
}

/** How a page's synchronous run of the registry goes. */
export interface NowOptions {
  /** Callbacks (but `once` ones) stay registered, in their order, for the next run (a page that may come back). */
  readonly keep?: boolean;
  /** `trigger` is a page hide, which runs the callbacks once: called again with it, outside a run, nothing runs. */
  readonly episode?: boolean;
  /**
   * The browser's own event found a synchronous run under way: that run's
   * script was ended by the browser (no task starts while one is alive), so
   * this call carries it on and ends it.
   */
  readonly takeOver?: boolean;
}

const NOTHING_RAN: RunResult = /* @__PURE__ */ Object.freeze({ failed: false, exitRequested: false, exitCode: undefined });

/**
 * {@linkcode runSync} with what a page being hidden adds: callbacks kept for
 * the next hide, a hide episode run once, and a run the browser ended taken over.
 */
export function runNow(registry: SharedRegistry, trigger: Trigger, options: NowOptions = {}): RunResult {
  const outer = registry.current;
  // Only a synchronous run (an awaited one has its promise) has a script that
  // can be ended this way; an awaited run is carried on and ends itself.
  if (outer) return carryOn(registry, outer, trigger, options.takeOver === true && !outer.promise);
  const state = slot().state;
  // An episode's trigger runs the callbacks once: a later call with the same
  // trigger (the same page hide) finds them already run.
  if (options.episode && trigger === state.episode) return NOTHING_RAN;
  // Firefox, closing a tab, ends the script of a pagehide listener at a
  // function call (docs/2.runtimes/browser.md), then dispatches
  // visibilitychange, whose trigger must find either nothing begun or a run
  // to take over: ended at `begin`, nothing has begun (that trigger runs the
  // episode itself); after it, the run is under way and its episode recorded,
  // with no call in between.
  const run = registry.begin(trigger, options);
  if (options.episode) {
    // A call of the same episode nested in `begin` (a host that dispatches an
    // event inside a call) has run it: this one runs nothing.
    if (trigger === state.episode) {
      registry.close(run);
      return NOTHING_RAN;
    }
    state.episode = trigger;
  }
  return carryOn(registry, run, trigger, true);
}

/** How an awaited run of the registry goes. */
export interface AwaitedOptions {
  /** The adapter's listeners stay installed after the run: the caller ends the program itself, and hears what comes meanwhile. */
  readonly holdListeners?: boolean;
}

/**
 * Runs the registry's callbacks, awaited (see {@linkcode callAwaited}): the
 * server runtimes' exit paths, `exit()` and `runHandlers()`. The program's
 * deferred work settles first. A call while a run is under way joins it.
 */
export function runAwaited(registry: SharedRegistry, trigger: Trigger, options: AwaitedOptions = {}): Promise<RunResult> {
  const current = registry.current;
  if (current) return current.promise ?? Promise.resolve(resultOf(current));
  const run = registry.begin(trigger, options);
  const source = registrySource(registry, run, trigger);
  // At the very start: before `first` callbacks (a drain's delay) and the deferred work.
  slot().state.onAwaitedRun?.(run, trigger, registry.config);
  run.promise = (async () => {
    try {
      // Lets `run.promise` be set before the first callback starts, so a call
      // made from it joins; and the work `defer` holds settles first.
      await Promise.resolve();
      const { deferred } = slot().state;
      if (deferred) await awaitWork(source, deferred, trigger);
      await callAwaited(source, trigger);
    } finally {
      registry.close(run);
      source.observer?.end();
    }
    return resultOf(run);
  })();
  return run.promise;
}

/**
 * Records that `exit(code)` was called during the run under way: the program
 * is to end when the run is over, with `code`, or without one with the status
 * it was already going to end with. Returns whether a run was under way.
 */
export function requestExit(registry: SharedRegistry, code: number | undefined): boolean {
  const run = registry.current;
  if (!run) return false;
  run.exitRequested = true;
  if (code !== undefined) run.exitCode = code;
  return true;
}

/**
 * The status to end with after a run that was to end with `status`: the one
 * `exit()` asked for during the run (`status` if it named none), else
 * `errorExitCode` if a callback failed and the program would have ended
 * cleanly, else `status` itself.
 */
export function finalStatus(config: AtexitConfig, result: RunResult, status: number): number {
  if (result.exitRequested) return result.exitCode ?? status;
  const { errorExitCode } = config;
  return result.failed && status === 0 && errorExitCode !== undefined ? errorExitCode : status;
}
