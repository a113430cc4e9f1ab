// This module is browser compatible.
//
// The cross-copy protocol: what every copy of atexit in one realm shares.
// A program may load atexit more than once (its ES module and CommonJS
// builds, two versions pinned by two dependencies); they must keep one LIFO
// stack and one set of listeners, so the first copy to need it puts one slot
// on `globalThis[Symbol.for("atexit")]` and every copy uses that slot.
//
// The policy, which holds for every release:
// - Protocol 1 is what the first release (1.0.0) ships.
// - The protocol only grows. A member added later is optional in these
//   types, says the protocol it appeared in, and a copy uses it only after
//   checking `slot.protocol >= n` (or that the member is there).
// - No member changes meaning. A new meaning is a new member.
// - Everything not declared here is each copy's own code, acting on the
//   shared data: the runs, the events, the reports, the status rules, the
//   adapters' listeners.
//
// docs/5.internals/protocol.md says why it is this narrow, and how it is tested.

import type { AtexitConfig, ExitCallback, ExitEvent, ExitReason, RegisterOptions, RuntimeName } from "./types.ts";

/** The protocol this copy implements. */
export const PROTOCOL = 1;

/** Where the slot lives: one key for every version, the version inside. */
export const SLOT_KEY: unique symbol = Symbol.for("atexit") as never;

/** The realm's one slot (protocol 1). */
export interface Slot {
  /** The protocol of the copy that made the slot (1). */
  readonly protocol: number;
  readonly registry: SharedRegistry;
  readonly state: SharedState;
}

/** One registration (protocol 1). */
export interface Entry {
  readonly callback: ExitCallback;
  /** The checked options: one shared frozen object for the many registrations that give none. */
  readonly options: RegisterOptions;
  /**
   * Registration order, to link entries back in it after a run and to tell
   * those registered during a run ({@linkcode Run.firstSeq}); -1 once it is no
   * longer registered.
   */
  seq: number;
}

/** What an exit is, for its callbacks' events: the event minus the per-callback parts (protocol 1). */
export interface Trigger {
  readonly reason: ExitReason;
  /** The status the process ends with, where there is one. */
  readonly code?: number | undefined;
  readonly signal?: string | undefined;
  readonly error?: unknown;
  readonly runtime: RuntimeName;
  readonly final: boolean;
  /** The request whose invocation is ending (reason `request`). */
  readonly request?: unknown;
}

/** How a run begins (protocol 1). */
export interface RunOptions {
  /** Callbacks stay registered after they run (a page that may come back). */
  readonly keep?: boolean | undefined;
  /** The listeners stay installed after the run, whatever is left (the signal path ends the program itself). */
  readonly holdListeners?: boolean | undefined;
}

/** A run under way: the registry's record, which every copy's run reads and writes (protocol 1). */
export interface Run {
  readonly startedAt: number;
  /** The `seq` the next registration got when the run began: entries from it on were registered during the run. */
  readonly firstSeq: number;
  /** The status of the exit that began the run, if any. */
  readonly code: number | undefined;
  readonly keep: boolean;
  readonly holdListeners: boolean;
  /** `exit()` was called during the run: the program is to end when it is over. */
  exitRequested: boolean;
  /** The status `exit()` asked for during the run. */
  exitCode: number | undefined;
  /** Some callback threw, rejected or timed out. */
  failed: boolean;
  /** The awaited run's promise, for a call that joins it. */
  promise: Promise<RunResult> | undefined;
}

/** What a run reports to whoever asked for it (protocol 1). */
export interface RunResult {
  readonly failed: boolean;
  readonly exitRequested: boolean;
  /** The status to end with when `exit()` was called during the run (absent if nobody knew one). */
  readonly exitCode: number | undefined;
}

/**
 * The registry's operations, which act on the one shared store (protocol 1).
 * The registry installs the first registration's adapter, and removes it with
 * the last registration (not during a run).
 */
export interface SharedRegistry {
  /** The configuration in force; `configure()` replaces it, frozen. */
  config: AtexitConfig;
  /** How many registrations there are. */
  readonly size: number;
  /**
   * Adds a registration (its arguments already checked) and installs `adapter`
   * if none is. Throws, leaving no trace, if `options.signal` cannot be
   * listened to or the install fails; with an aborted signal, adds nothing.
   */
  add(callback: ExitCallback, options: RegisterOptions, adapter: Adapter): Entry;
  /** Removes one registration; false if it was no longer registered. */
  remove(entry: Entry): boolean;
  /** Removes every registration of `callback`; returns how many there were. */
  removeAll(callback: ExitCallback): number;
  /** Removes every registration. */
  clear(): void;
  /** Begins a run (none may be under way). */
  begin(trigger: Trigger, options: RunOptions): Run;
  /**
   * The next callback of `run`, taken out of the stacks: `first` ones LIFO,
   * then ordinary ones LIFO, then `last` ones LIFO; undefined when none is
   * left, or when `run` is no longer the current one. A callback registered
   * again during the run after it ran waits for the next run.
   */
  take(run: Run): Entry | undefined;
  /** Ends `run`: what stays registered is linked back, in registration order. */
  close(run: Run): void;
  /** The run under way, if any. */
  readonly current: Run | undefined;
  /** The adapter whose listeners are installed, if any. */
  readonly installed: Adapter | undefined;
  /** Installs the adapter's listeners again, to follow a configuration change (not during a run). */
  relisten(): void;
  /** Removes the installed listeners now, whatever is still registered (before a re-raise). */
  detach(): void;
}

/**
 * The contract between the registry and one runtime (protocol 1): another
 * copy's registry installs and removes this copy's adapters, and this copy's
 * registry another's. Every member but `runtime` is optional: a host without
 * exit events (the fallback) provides none.
 */
export interface Adapter {
  /** The host; reported to callbacks as `event.runtime`. */
  readonly runtime: RuntimeName;
  /** Adds the host's listeners. Called with the first registration, once per realm. */
  install?(registry: SharedRegistry): void;
  /** Removes them. Called when the last registration goes, or before the program is ended. */
  uninstall?(): void;
  /** The status the program would end with if it ended now. */
  currentCode?(): number | undefined;
  /** Reports the async work of callback `name` that an exit path had to cut (on stderr, with `ATEXIT_DEBUG=1`). */
  reportCut?(name: string, event: ExitEvent): void;
  /** Prints a debugging report (on stderr, with `ATEXIT_DEBUG=1`): what a helper did, such as a drain's counts. */
  debug?(message: string): void;
  /** Ends the program with `code` after `exit()` ran the callbacks. */
  exitProcess?(code: number): Promise<void> | void;
}

/**
 * What every copy shares besides the registry (protocol 1): module state
 * would be per copy, and with two copies the second would act on nothing.
 * Each field is made on first use.
 */
export interface SharedState {
  /** The installed page adapter's trigger, for `enableBeforeUnload()` of whichever copy. */
  pageTrigger?: ((reason: "beforeunload", final: boolean, trusted: boolean) => void) | undefined;
  /** The trigger of the page hide whose callbacks have run: the same hide runs them once. */
  episode?: Trigger | undefined;
  /** Bytes of keepalive requests that `sendOnExit` has in flight (the page's budget is one). */
  keepaliveInFlight?: number | undefined;
  /** The servers `drain` has begun to drain, for `isDraining()`. */
  draining?: WeakSet<object> | undefined;
  /** Per server, what `drainSignal` hands out: aborted when its drain begins to close connections. */
  drainSignals?: WeakMap<object, AbortController> | undefined;
  /**
   * Per server, what its last drain did (atexit/http's `DrainCounts`), for
   * `drainCounts()` of whichever copy; and the same counts under the drain's
   * exit callback, from the drain's start, for the exit report of whichever copy.
   */
  drainCounts?: WeakMap<object, Readonly<Record<"requests" | "idle" | "websockets" | "streams" | "forced", number>>> | undefined;
  /** Work `defer` holds for the program: the exit run awaits it before the callbacks. */
  deferred?: Set<Promise<void>> | undefined;
  /** The invocations `withExit` has open, for `defer` on hosts without AsyncLocalStorage. */
  invocations?: Set<Invocation> | undefined;
  /** What tells `defer` which invocation it is called in; `null` where the host has none. */
  context?: InvocationContext | null | undefined;
  /** workerd's node:async_hooks while it loads. */
  contextLoading?: Promise<void> | undefined;
  /**
   * What records a run of the registry for its report (`onReport`, the
   * `atexit:report` diagnostics channel): asked by each copy's run driver
   * for every run, it gives the same observer each time for one run, or
   * undefined when nobody wants that run's report. Set by the first copy
   * asked for reports (a `configure()`, a server adapter's install).
   */
  observeRun?: ((trigger: Trigger, run: Run) => RunObserver | undefined) | undefined;
  /** The first `ready()`'s promise: a later call, of any copy, returns it and sends nothing. */
  ready?: Promise<void> | undefined;
  /**
   * Called by `runAwaited` as an awaited run begins, before its first
   * callback and its deferred work (`ready()` tells systemd the service is stopping).
   */
  onAwaitedRun?: ((run: Run, trigger: Trigger, config: AtexitConfig) => void) | undefined;
}

/** How a callback ended, for the exit report (the public `CallbackOutcome`). */
export type Outcome = "ok" | "failed" | "timed out" | "cut";

/** What the run driver tells the record of one run (protocol 1, see `SharedState.observeRun`). */
export interface RunObserver {
  /**
   * `entry` was called at `at` (epoch ms) and has returned; the function
   * returned is told how it ended, then or later, once.
   */
  called(entry: Pick<Entry, "callback" | "options">, at: number): (outcome: Outcome) => void;
  /**
   * The run's wait for deferred work, begun at `at` (epoch ms), is over: the
   * promises it waited for, and the set they are held in (those still there are pending).
   */
  waited(at: number, seen: ReadonlySet<Promise<void>>, work: ReadonlySet<Promise<void>>): void;
  /** The run is over (called again, it does nothing): the report goes out. */
  end(): void;
}

/** A host's `waitUntil`: keeps the invocation alive until the promise settles. */
export type WaitUntil = (promise: Promise<unknown>) => void;

/** One call of a handler that `withExit` wraps, as `defer` and its phase see it (protocol 1). */
export interface Invocation {
  /** Its deferred work, as promises that never reject; each leaves the set as it settles. */
  readonly deferred: Set<Promise<void>>;
  /** The host's `waitUntil` for this invocation, where it has one. */
  readonly waitUntil: WaitUntil | undefined;
  /** Until its handler's response is produced. */
  open: boolean;
}

/** The part of AsyncLocalStorage that tells which invocation a call belongs to (protocol 1). */
export interface InvocationContext {
  getStore(): Invocation | undefined;
  run<T>(store: Invocation, fn: () => T): T;
}
