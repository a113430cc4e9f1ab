// This module is browser compatible.

import type { Adapter, EventFields, RunProtocol, Trigger } from "./adapter.ts";
import { Stack, type StackNode } from "./stack.ts";
import { reasonOf } from "./validate.ts";
import type {
  AtexitConfig,
  ExitCallback,
  ExitEvent,
  RegisterOptions,
  Registration,
} from "./types.ts";

/** What a run reports back to the adapter that asked for it. */
export interface RunResult {
  /** Some callback threw, rejected or timed out. */
  readonly failed: boolean;
  /** `exit()` was called during the run: the program is to end when it is over. */
  readonly exitRequested: boolean;
  /** The status to end with when `exit()` was called during the run (absent if nobody knew one). */
  readonly exitCode: number | undefined;
}

/**
 * One registration, as the registry and the awaited run (awaited.ts) see it.
 * Six fields and nothing per registration beside it but its handle: at a
 * million registrations each field is 8 MB, so what most registrations
 * never use (a signal's listener, a run it was added in) lives elsewhere.
 */
export interface Entry extends StackNode {
  readonly callback: ExitCallback;
  /** The checked options: one shared frozen object for the many registrations that give none. */
  readonly options: RegisterOptions;
  /**
   * Registration order, to link entries back in it after a run, and to tell
   * those registered during a run ({@linkcode Run.firstSeq}); {@linkcode RETIRED}
   * once it is no longer registered (counted, reachable through `unregister`).
   */
  seq: number;
}

/** The `seq` of an entry that is not (or no longer) registered. */
const RETIRED = -1;

const isActive = (entry: Entry): boolean => entry.seq !== RETIRED;

/** A run under way, as the registry and the awaited run (awaited.ts) see it. */
export interface Run {
  readonly startedAt: number;
  /** The `seq` the next registration gets when the run begins: entries from it on were registered during the run. */
  readonly firstSeq: number;
  /** The status of the exit that began the run, if any. */
  readonly code: number | undefined;
  /**
   * Callbacks that already ran in this run: one registering itself again is
   * deferred (no loop). A list, made a Set only when an entry registered
   * during the run comes up: most runs have none, and a Set insert per
   * callback was the largest cost of a 10,000-callback run.
   */
  readonly ran: ExitCallback[];
  ranSet: Set<ExitCallback> | undefined;
  readonly deferred: Entry[];
  /**
   * Whether callbacks stay registered after they run: a browser page that is
   * hidden may come back, and then its next hide runs them again.
   */
  readonly keep: boolean;
  /** The listeners stay installed after the run, whatever is left registered (the signal path ends the program itself). */
  readonly holdListeners: boolean;
  /** With `keep`: the callbacks that ran, to link back. */
  readonly kept: Entry[];
  exitRequested: boolean;
  failed: boolean;
  exitCode: number | undefined;
  promise: Promise<RunResult> | undefined;
}

/**
 * The awaited run, which lives in awaited.ts so that browser bundles, whose
 * runs are synchronous, do not carry it. Kept on the registry by the copy that
 * provides it, for {@linkcode Registry.runAwaited}.
 */
export type AwaitedRun = (registry: RunProtocol, trigger: Trigger, holdListeners?: boolean) => Promise<RunResult>;

// Created on first use, not at import; one per copy of atexit is enough (it holds no state).
let handlePrototype: object | undefined;

/** Function.prototype, plus a dispose method that calls the handle (its result is ignored there). */
function makeHandlePrototype(): object {
  return Object.create(Function.prototype, {
    [Symbol.dispose]: {
      value(this: () => unknown): void {
        this();
      },
    },
  }) as object;
}

const NOTHING_RAN: RunResult = Object.freeze({ failed: false, exitRequested: false, exitCode: undefined });

// Created on first use, not at import.
let neverAborts: AbortSignal | undefined;
const signalThatNeverAborts = (): AbortSignal => (neverAborts ??= new AbortController().signal);

/** An ExitEvent whose `deadline` signal is made on first read (most callbacks never read it). */
class Event implements EventFields {
  // Declared, not defined as class fields: the constructor makes each one,
  // once (a defined field is made, then assigned, per callback of a run).
  declare readonly code: number | undefined;
  declare readonly reason: ExitEvent["reason"];
  declare readonly signal: string | undefined;
  declare readonly error: unknown;
  declare readonly runtime: ExitEvent["runtime"];
  declare readonly final: boolean;
  declare readonly awaited: boolean;
  readonly #deadline: () => AbortSignal;

  constructor(trigger: Trigger, code: number | undefined, awaited: boolean, deadline: () => AbortSignal) {
    this.reason = trigger.reason;
    this.code = code;
    this.signal = trigger.signal;
    this.error = trigger.error;
    this.runtime = trigger.runtime;
    this.final = trigger.final;
    this.awaited = awaited;
    this.#deadline = deadline;
  }

  get deadline(): AbortSignal {
    return this.#deadline();
  }
}

/** The default `onError`: one line on stderr naming the callback, then the callback's own error. */
export const printError = (error: unknown, event?: ExitEvent, name = "anonymous"): void => {
  // A timeout is atexit's own finding: its one line says everything, and its
  // stack would only show atexit's timer.
  if (isTimeout(error)) return void console.error(`[atexit] ${(error as Error).message}`);
  console.error(`[atexit] exit callback "${name}" failed${event ? ` (${describeEvent(event)})` : ""}:`, error);
};

function describeEvent(event: ExitEvent): string {
  return `on ${event.reason}${event.signal ? ` ${event.signal}` : ""}`;
}

/** The configuration a fresh registry starts with. */
export const defaultConfig: AtexitConfig = Object.freeze({
  timeout: 5000,
  totalTimeout: 9000,
  onError: printError,
  errorExitCode: undefined,
  duplicateSignalWindow: 100,
  extraSignals: Object.freeze([]),
  awaitCrash: false,
  shutdownMessage: undefined,
});

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

/** How atexit's own timeout messages begin (awaited.ts makes them; printError knows them by it). */
export const TIMEOUT_PREFIX = "exit callback ";

function isTimeout(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return name === "TimeoutError" && typeof message === "string" && message.startsWith(TIMEOUT_PREFIX);
}

/** Adds `entry` to the index of registrations by callback. */
function index(byCallback: Map<ExitCallback, Entry | Set<Entry>>, entry: Entry): void {
  const known = byCallback.get(entry.callback);
  if (!known) byCallback.set(entry.callback, entry);
  else if (known instanceof Set) known.add(entry);
  else byCallback.set(entry.callback, new Set([known, entry]));
}

/** How reports name a callback: its `name` option, else its function name. */
export function nameOf(entry: Entry): string {
  if (entry.options.name) return entry.options.name;
  try {
    const { name } = entry.callback;
    return typeof name === "string" && name !== "" ? name : "anonymous";
  } catch {
    // A Proxy's trap may throw: the report must still go out.
    return "anonymous";
  }
}

/**
 * The process-wide LIFO registry. It knows nothing about runtimes: adapters
 * call `runAwaited` (awaited.ts) or {@linkcode Registry.runNow} when their
 * host says the program is ending, and the registry installs the adapter's
 * listeners with the first registration and removes them with the last.
 *
 * One instance lives per JavaScript realm (see `global.ts`), so its methods
 * are those of the first copy of atexit that was loaded, and a copy of any
 * version may call them: every member 0.1.0 calls stays (the two-versions
 * tests hold it to that), and a copy checks for what was added since
 * (`runsEpisodes`, `reinstall`) before using it.
 */
export class Registry {
  config: AtexitConfig = defaultConfig;
  #ordinary = new Stack();
  #last = new Stack();
  // The registrations of each callback: one entry, or a Set once the same
  // function is registered again (most are registered once, and a Set each
  // cost a lot at scale). Built on the first `unregister(callback)`, and kept
  // from then on: a program that only uses handles, or never unregisters,
  // pays no Map write per registration.
  #byCallback: Map<ExitCallback, Entry | Set<Entry>> | undefined;
  #size = 0;
  #seq = 0;
  /** What removes each signal-bound registration's abort listener (made on the first `signal` option). */
  #aborts: Map<Entry, () => void> | undefined;
  /** The function every handle is bound from (made on first use). */
  #off: ((this: Entry) => boolean) | undefined;
  #hooked: Adapter | undefined;
  #run: Run | undefined;
  /** The trigger of the last episode run (a browser's page hide), which runs once. */
  #episode: Trigger | undefined;

  /**
   * This registry's `runNow` takes `episode` (a registry made by an older copy
   * of atexit ignores it, and its adapter latches episodes itself).
   */
  readonly runsEpisodes: true = true;

  /** The awaited run of the copy that brought it (see {@linkcode Registry.runAwaited}). */
  awaitedRun: AwaitedRun | undefined;

  /**
   * The awaited run's first step, set by the first `defer` (defer.ts) of
   * whichever copy: the program's deferred work settles before the callbacks.
   * Declared, not initialized: a registry that nothing defers on carries nothing.
   */
  declare beforeRun: ((run: Run, trigger: Trigger) => Promise<void> | undefined) | undefined;

  /** How many registrations there are. */
  get size(): number {
    return this.#size;
  }

  /** Whether a run is under way. */
  get running(): boolean {
    return this.#run !== undefined;
  }

  /** The adapter whose listeners are installed, if any. */
  get hooked(): Adapter | undefined {
    return this.#hooked;
  }

  /** Adds a registration (arguments already validated) and installs `adapter` if nothing is. */
  add(callback: ExitCallback, options: RegisterOptions, adapter: Adapter): Registration {
    const entry: Entry = { callback, options, seq: RETIRED, prev: undefined, next: undefined, owner: undefined };
    // A bound function, not a closure: no context object per registration,
    // and `Symbol.dispose` comes from the prototype it shares with every handle.
    const registration = (this.#off ??= this.#handleTarget()).bind(entry) as Registration;
    const { signal } = options;
    // The signal first: if it throws (a hostile signal-like object), nothing has changed yet.
    if (signal) {
      try {
        // Like addEventListener: an already aborted signal registers nothing.
        if (signal.aborted) return registration;
        const onAbort = (): void => void this.#deactivate(entry);
        signal.addEventListener("abort", onAbort, { once: true });
        (this.#aborts ??= new Map()).set(entry, () => signal.removeEventListener("abort", onAbort));
      } catch (error) {
        throw new TypeError(`[atexit] register() option "signal" could not be listened to: ${reasonOf(error)}`, { cause: error });
      }
    }

    entry.seq = this.#seq++;
    this.#stackOf(entry).push(entry);
    if (this.#byCallback) index(this.#byCallback, entry);
    this.#size++;
    if (!this.#hooked && adapter.install) {
      this.#hooked = adapter;
      try {
        adapter.install(this);
      } catch (error) {
        // A registration that returns is fully installed; one that throws leaves no trace.
        this.#hooked = undefined;
        this.#deactivate(entry);
        try {
          adapter.uninstall?.();
        } catch {
          // What install left half done, uninstall may fail on too; the install error is the one to see.
        }
        throw error;
      }
    }
    return registration;
  }

  /** Removes every registration of `callback`; returns how many there were. */
  unregister(callback: ExitCallback): number {
    const known = this.#index().get(callback);
    if (!known) return 0;
    const entries = known instanceof Set ? [...known] : [known];
    for (const entry of entries) this.#deactivate(entry);
    return entries.length;
  }

  /** Removes every registration. */
  clear(): void {
    for (const entry of this.#entries()) this.#deactivate(entry);
  }

  /** Every active registration: linked in a stack, or taken out by the run under way (to be linked back). */
  #entries(): Entry[] {
    const run = this.#run;
    const entries = [...this.#ordinary.nodes(), ...this.#last.nodes(), ...(run ? [...run.kept, ...run.deferred] : [])] as Entry[];
    return entries.filter(isActive);
  }

  /** The index by callback, built from the active registrations on first use. */
  #index(): Map<ExitCallback, Entry | Set<Entry>> {
    if (!this.#byCallback) {
      const built = new Map<ExitCallback, Entry | Set<Entry>>();
      for (const entry of this.#entries().sort((a, b) => a.seq - b.seq)) index(built, entry);
      this.#byCallback = built;
    }
    return this.#byCallback;
  }

  /**
   * Records that `exit(code)` was called during the current run: the program
   * is to end when the run is over, with `code`, or without one with the
   * status it was already going to end with.
   */
  requestExit(code: number | undefined): void {
    const run = this.#run;
    if (!run) return;
    run.exitRequested = true;
    if (code !== undefined) run.exitCode = code;
  }

  /**
   * The status to end with after a run that was to end with `status`: the one
   * `exit()` asked for during the run (`status` if it named none), else `errorExitCode` if a callback
   * failed and the program would have ended cleanly, else `status` itself.
   */
  finalStatus(result: RunResult, status: number): number {
    if (result.exitRequested) return result.exitCode ?? status;
    const { errorExitCode } = this.config;
    return result.failed && status === 0 && errorExitCode !== undefined ? errorExitCode : status;
  }

  /**
   * Installs the adapter's listeners again, so they follow a configuration
   * change (`extraSignals`, `awaitCrash`, `shutdownMessage`). Not during a
   * run: the run is already ending the program with the listeners it has.
   */
  reinstall(): void {
    const adapter = this.#hooked;
    if (!adapter || this.#run) return;
    adapter.uninstall?.();
    adapter.install?.(this);
  }

  /** Removes the installed listeners now, whatever is still registered (before a re-raise). */
  detach(): void {
    const adapter = this.#hooked;
    this.#hooked = undefined;
    adapter?.uninstall?.();
  }

  /**
   * The awaited run, for copies of atexit that call it as a method (0.1.0
   * does; this version calls `runAwaited` of awaited.ts, which also sets
   * `awaitedRun`). Before any server adapter or `exit()`/`runHandlers()` of
   * this version was used (a page whose other copy calls its `exit()`), the
   * run is synchronous, as every run in a page already is.
   */
  runAwaited(trigger: Trigger, holdListeners = false): Promise<RunResult> {
    const awaited = this.awaitedRun;
    if (awaited) return awaited(this, trigger, holdListeners);
    const current = this.#run;
    return Promise.resolve(current ? (current.promise ?? this.result(current)) : this.runNow(trigger));
  }

  /**
   * Runs the callbacks synchronously, for paths that cannot wait (an `exit`
   * event, a page being hidden). Promises they return are not awaited. Called
   * while a run is under way, it carries on with the callbacks that have not
   * run yet, so nothing is lost when a callback ends the program or a host
   * nests one exit event inside another. With `keep`, callbacks (but `once`
   * ones) stay registered, in their order, for the next run. With `episode`,
   * `trigger` runs them once: called again with it, outside a run, it runs nothing.
   * With `resume`, a synchronous run under way is one whose script the host
   * ended (a browser's own event cannot come while it is alive): this call
   * carries it on and ends it.
   */
  runNow(trigger: Trigger, keep = false, episode = false, resume = false): RunResult {
    const outer = this.#run;
    // Firefox, closing a tab, ends the script of a pagehide listener at a
    // function call made here (no catch, no finally: measured with
    // bench/firefox-close.mjs), then dispatches visibilitychange, whose
    // trigger must find either nothing begun or a run to take over. So the
    // run's record is made first (a trigger after an end there runs the
    // episode itself), and there is no call between the check below and the
    // run being under way, nor between taking a callback and calling it (a
    // callback taken and not called would be lost). A callback that was cut
    // is not called again: Firefox mostly cuts inside sendBeacon once the
    // beacon has left, and calling it again sent a beacon twice in 93 closes
    // of 500.
    const fresh = outer ? undefined : this.#newRun(trigger, keep, false);
    // An episode's trigger runs the callbacks once: a later call with the
    // same trigger (the same page hide) finds them already run.
    if (!outer && episode && trigger === this.#episode) return NOTHING_RAN;
    const run = outer ?? (this.#run = fresh!);
    if (!outer && episode) this.#episode = trigger;
    // Only a synchronous run (an awaited one has its promise) has a script
    // that can be ended this way; an awaited run is carried on and ends itself.
    const takeover = resume && outer && !outer.promise;
    try {
      for (;;) {
        const event = this.event(trigger, false, signalThatNeverAborts, run);
        const entry = this.next(run);
        if (!entry) break;
        let result: unknown;
        try {
          result = entry.callback(event);
        } catch (error) {
          this.report(error, event, run, entry);
          continue;
        }
        this.settle(result, entry, event, run);
      }
    } finally {
      // Whoever began the run ends it (a nested call only drains), or the
      // call that took over a run whose own script was ended.
      if (!outer || takeover) this.end(run);
    }
    return this.result(run);
  }

  /** The run under way, if any. */
  get current(): Run | undefined {
    return this.#run;
  }

  /** What `run` reports to whoever asked for it. */
  result(run: Run): RunResult {
    const exitCode = run.exitRequested ? (run.exitCode ?? run.code) : undefined;
    return { failed: run.failed, exitRequested: run.exitRequested, exitCode };
  }

  /** Begins a run (none may be under way); its callbacks are taken with `next`, and it is closed with `end`. */
  begin(trigger: Trigger, keep: boolean, holdListeners = false): Run {
    return (this.#run = this.#newRun(trigger, keep, holdListeners));
  }

  #newRun(trigger: Trigger, keep: boolean, holdListeners: boolean): Run {
    return {
      startedAt: Date.now(),
      firstSeq: this.#seq,
      code: trigger.code,
      ran: [],
      ranSet: undefined,
      deferred: [],
      keep,
      holdListeners,
      kept: [],
      exitRequested: false,
      failed: false,
      exitCode: undefined,
      promise: undefined,
    };
  }

  /** Closes `run`: what stays registered is linked back in registration order. */
  end(run: Run): void {
    if (this.#run !== run) return;
    this.#run = undefined;
    // Back in registration order (a callback registered during the run ran,
    // and was popped, before older ones).
    const back = [...run.kept, ...run.deferred].filter(isActive);
    for (const entry of back.sort((a, b) => a.seq - b.seq)) this.#stackOf(entry).push(entry);
    if (this.#size === 0 && !run.holdListeners) this.detach();
  }

  /** Takes the next callback to run: ordinary ones LIFO, then `last` ones LIFO. */
  next(run: Run): Entry | undefined {
    // A run taken over and ended while its own call was still there: that
    // call takes nothing more (the callbacks are linked back for the next run).
    if (this.#run !== run) return;
    for (;;) {
      const entry = (this.#ordinary.pop() ?? this.#last.pop()) as Entry | undefined;
      if (!entry) return undefined;
      if (entry.seq >= run.firstSeq && (run.ranSet ??= new Set(run.ran)).has(entry.callback)) {
        // Registered again during this run after it ran: it waits for the next run.
        run.deferred.push(entry);
        continue;
      }
      if (run.ranSet) run.ranSet.add(entry.callback);
      else run.ran.push(entry.callback);
      if (run.keep && !entry.options.once) run.kept.push(entry);
      else this.#retire(entry);
      return entry;
    }
  }

  #stackOf(entry: Entry): Stack {
    return entry.options.last ? this.#last : this.#ordinary;
  }

  /**
   * What every handle of this registry is bound from: bound to its entry, it
   * unregisters it (true if it was registered). Its prototype gives each
   * bound handle `Symbol.dispose` without a property of its own.
   */
  #handleTarget(): (this: Entry) => boolean {
    const registry = this;
    const off = function (this: Entry): boolean {
      return registry.#deactivate(this);
    };
    Object.setPrototypeOf(off, (handlePrototype ??= makeHandlePrototype()));
    return off;
  }

  #deactivate(entry: Entry): boolean {
    if (!isActive(entry)) return false;
    this.#stackOf(entry).remove(entry);
    this.#retire(entry);
    if (this.#size === 0 && !this.#run) this.detach();
    return true;
  }

  /** A callback that runs is consumed: it is no longer registered. */
  #retire(entry: Entry): void {
    if (!isActive(entry)) return;
    entry.seq = RETIRED;
    this.#size--;
    const aborts = this.#aborts;
    const detach = aborts?.get(entry);
    if (detach) {
      aborts!.delete(entry);
      try {
        detach();
      } catch {
        // A signal-like whose removeEventListener throws must not stop a run; its abort now finds nothing.
      }
    }
    const byCallback = this.#byCallback;
    if (!byCallback) return;
    const known = byCallback.get(entry.callback);
    if (known === entry) byCallback.delete(entry.callback);
    else if (known instanceof Set) {
      known.delete(entry);
      if (known.size === 1) byCallback.set(entry.callback, known.values().next().value!);
    }
  }

  /** The event a callback of `run` is called with. */
  event(trigger: Trigger, awaited: boolean, deadline: () => AbortSignal, run: Run): ExitEvent {
    // The adapter's trigger pairs its reason with that reason's fields.
    return new Event(trigger, run.exitCode ?? trigger.code, awaited, deadline) as ExitEvent;
  }

  /** Reports a callback's failure to `onError`, and marks the run failed. */
  report(error: unknown, event: ExitEvent, run: Run, entry: Entry): void {
    run.failed = true;
    const name = nameOf(entry);
    try {
      this.config.onError(error, event, name);
    } catch (failure) {
      console.error(`[atexit] onError failed while reporting exit callback "${name}":`, failure);
    }
  }

  /** What a callback returned on a path that cannot wait (or a run past its total deadline): a rejection is still its failure. */
  settle(result: unknown, entry: Entry, event: ExitEvent, run: Run): void {
    try {
      const then = thenOf(result);
      if (!then) return;
      // Async work this path cannot wait for: silent by default (a browser hide
      // never waits, by design), visible with the adapter's debug switch.
      if (this.#hooked?.debug) {
        console.error(
          `[atexit] exit callback "${nameOf(entry)}" returned a promise ${describeEvent(event)}, which cannot wait: its async work is cut`,
        );
      }
      then.call(result, undefined, (error) => this.report(error, event, run, entry));
    } catch (error) {
      this.report(error, event, run, entry);
    }
  }
}
