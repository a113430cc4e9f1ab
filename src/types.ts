// This module is browser compatible.

/**
 * Why the callbacks are running.
 *
 * - `natural`: the program ran out of work and is ending by itself.
 * - `exit`: an explicit exit (`exit()`, `process.exit()`, `Deno.exit()`).
 * - `signal`: a termination signal (see {@linkcode ExitSignal}).
 * - `exception` / `rejection`: the program is crashing on an uncaught error.
 * - `hidden` / `pagehide`: a browser page is being hidden or left (`hidden`
 *   also covers a page being frozen).
 * - `beforeunload`: a browser page is about to be left, where that listener was opted into.
 * - `manual`: {@linkcode Atexit.runHandlers} was called.
 * - `request`: an invocation that `withExit` (`atexit/request`) wraps has
 *   produced its response; the callbacks stay registered for the next one.
 */
export type ExitReason = ServerExitReason | BrowserExitReason;

/**
 * The reasons Node.js, Deno, Bun and the request-scoped runtimes run the
 * callbacks for (`request` only where `withExit` wraps a handler).
 */
export type ServerExitReason = "natural" | "exit" | "signal" | "exception" | "rejection" | "manual" | "request";

/** The reasons a browser page (or a web worker, through `exit()` and `runHandlers()`) runs the callbacks for. */
export type BrowserExitReason = "hidden" | "pagehide" | "beforeunload" | "exit" | "manual";

/**
 * The termination signals an `ExitEvent` may name: by default the requests
 * to stop ({@linkcode StopSignal}), and those opted into with `extraSignals`
 * ({@linkcode OptInSignal}).
 */
export type ExitSignal = StopSignal | OptInSignal;

/**
 * The requests to stop, handled by default: SIGINT, SIGTERM, SIGHUP, SIGPWR
 * (Linux) and SIGXCPU; on Windows SIGINT, SIGTERM, SIGHUP and SIGBREAK.
 */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP" | "SIGPWR" | "SIGXCPU" | "SIGBREAK";

/** The signals `extraSignals` may add (POSIX only; SIGSTKFLT on Linux only). */
export type OptInSignal =
  | "SIGQUIT"
  | "SIGUSR2"
  | "SIGALRM"
  | "SIGVTALRM"
  | "SIGXFSZ"
  | "SIGIO"
  | "SIGSTKFLT"
  | "SIGABRT"
  | "SIGTRAP"
  | "SIGSYS";

/**
 * The host a callback runs in: `worker` is a web worker, `workerd` Cloudflare
 * Workers' runtime, `edge-light` Vercel's edge runtime (and what mimics it),
 * as the export conditions name them.
 */
export type RuntimeName = "node" | "deno" | "bun" | "browser" | "worker" | "workerd" | "edge-light" | "unknown";

/** What every {@linkcode ExitEvent} carries, whatever its reason. */
interface ExitEventBase<R extends ExitReason> {
  /** Why the callbacks are running. */
  readonly reason: R;
  /** The host the callback runs in. */
  readonly runtime: RuntimeName;
  /** Whether a promise returned by the callback will be awaited on this path. */
  readonly awaited: boolean;
  /** `false` when the program may come back afterwards (a hidden page, the back/forward cache). */
  readonly final: boolean;
  /** Aborts when this callback's time is up: pass it to `fetch`, streams and timers. */
  readonly deadline: AbortSignal;
}

/** A termination signal is being handled. */
interface SignalExitEvent extends ExitEventBase<"signal"> {
  /**
   * The status the process ends with if the signal cannot kill it: 128 + the
   * signal's number (143 for SIGTERM), or what a callback passed to `exit()`.
   */
  readonly code: number;
  /** The signal being handled. */
  readonly signal: ExitSignal;
  readonly error?: undefined;
  readonly request?: undefined;
}

/** The program is crashing on an uncaught error or an unhandled rejection. */
interface CrashExitEvent<R extends "exception" | "rejection"> extends ExitEventBase<R> {
  /** The status the process will end with. */
  readonly code: number;
  /** The uncaught error, or the rejection's reason (which may be anything, `undefined` too). */
  readonly error: unknown;
  readonly signal?: undefined;
  readonly request?: undefined;
}

/** What `event.request` is: the first argument of the handler `withExit` wraps (a `Request`). */
export interface RequestLike {
  readonly method: string;
  readonly url: string;
}

/** An invocation has produced its response (`withExit` of `atexit/request`). */
interface RequestExitEvent extends ExitEventBase<"request"> {
  /**
   * The request that invocation answered: concurrent invocations each run
   * the callbacks, and this tells them apart.
   */
  readonly request: RequestLike;
  readonly code?: undefined;
  readonly signal?: undefined;
  readonly error?: undefined;
}

/** Any other exit: a natural end, an explicit exit, a page hidden or left, a manual run. */
interface PlainExitEvent<R extends ExitReason> extends ExitEventBase<R> {
  /** The status the process will end with, where there is one. */
  readonly code?: number | undefined;
  readonly signal?: undefined;
  readonly error?: undefined;
  readonly request?: undefined;
}

/**
 * What a callback is told about the exit it is part of. It narrows by
 * `reason`: a `"signal"` event has `signal` and `code`, an `"exception"` or
 * `"rejection"` one has `error` and `code`, a `"request"` one has `request`. `ExitEvent<R>` is the event for
 * the reasons `R` alone.
 *
 * @example
 * ```ts
 * import { register } from "atexit";
 *
 * register((event) => {
 *   if (event.reason === "signal") console.log(`stopping on ${event.signal}`);
 * });
 * ```
 */
export type ExitEvent<R extends ExitReason = ExitReason> = R extends "signal"
  ? SignalExitEvent
  : R extends "exception" | "rejection"
    ? CrashExitEvent<R>
    : R extends "request"
      ? RequestExitEvent
      : PlainExitEvent<R>;

/**
 * A function to run at exit. It may return a promise; where the exit path allows
 * waiting (see `ExitEvent.awaited`) it is awaited, within its timeout.
 * `ExitCallback<R>` is told only of the reasons `R`; the plain `ExitCallback`,
 * which handles every reason, fits every entry point's `register`.
 */
export type ExitCallback<R extends ExitReason = ExitReason> = (event: ExitEvent<R>) => unknown;

/** Options for {@linkcode Atexit.register}. */
export interface RegisterOptions {
  /** Milliseconds this callback may take on awaited paths; defaults to the configured `timeout`. */
  readonly timeout?: number | undefined;
  /**
   * Run before every ordinary callback, on each exit path: what stops taking
   * work before the resources that work uses close (a server's `drain`, a
   * queue consumer). `first` callbacks run LIFO among themselves.
   */
  readonly first?: boolean | undefined;
  /** Run after every ordinary callback (log flushers); `last` callbacks run LIFO among themselves. */
  readonly last?: boolean | undefined;
  /** Remove the registration when this signal aborts; an aborted signal registers nothing. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Run at most once. Only browsers run callbacks more than once (at every
   * hide of a page that comes back); elsewhere a run always consumes them.
   */
  readonly once?: boolean | undefined;
  /** How failures name this callback in reports and in `onError`; defaults to the function's name. */
  readonly name?: string | undefined;
}

/**
 * A handle on one registration. Calling it unregisters that registration and
 * returns whether it was still registered. It is also `Disposable`, so
 * `using _ = register(fn)` unregisters at the end of the block.
 *
 * @example
 * ```ts
 * import { register } from "atexit";
 *
 * const off = register(() => console.log("bye"));
 * off(); // true: it was registered, and now it is not
 * off(); // false
 * ```
 */
export interface Registration extends DisposableWhereDeclared {
  (): boolean;
}

/**
 * `Symbol.dispose`'s type where the program's lib declares it (`esnext`,
 * `esnext.disposable`, `@types/node`), else `never`. Looked up, not named, so
 * these types compile under any lib, and `using` works wherever it can.
 */
type DisposeSymbol = SymbolConstructor extends { readonly dispose: infer S extends symbol } ? S : never;

/** `Disposable`'s shape, or nothing where the lib has no `Symbol.dispose`. */
type DisposableWhereDeclared = { [Key in DisposeSymbol]: () => void };

/** What {@linkcode Atexit.configure} sets, process-wide. */
export interface AtexitConfig {
  /** Default per-callback time limit on awaited paths, in milliseconds. Default 5000. */
  readonly timeout: number;
  /** Time limit for one whole awaited run, in milliseconds. Default 9000 (under `docker stop`'s 10 s). */
  readonly totalTimeout: number;
  /**
   * Receives every callback failure (a throw, a rejection, a timeout), with the
   * event the callback was given and its name (the `name` option, else the
   * function's name, else `"anonymous"`). Default: one line on stderr with the
   * `[atexit]` prefix, followed by the callback's own error.
   */
  readonly onError: (error: unknown, event: ExitEvent, name: string) => void;
  /**
   * Exit status to use when a callback failed and the program would otherwise end with 0.
   * Default `undefined`: a failing callback does not change the status (CPython's rule).
   */
  readonly errorExitCode: number | undefined;
  /**
   * A repeat of the signal being handled that arrives within this many
   * milliseconds of the first is a duplicate delivery, not a second request,
   * and is ignored: watchers send the same signal twice within a few
   * milliseconds (nodemon, tsx watch, node --watch). A repeat later than this
   * ends the process at once. Default 100; 0 treats every repeat as a second request.
   */
  readonly duplicateSignalWindow: number;
  /**
   * Signals handled besides the requests to stop ({@linkcode StopSignal}),
   * the same way: callbacks awaited, then the signal re-raised. `"SIGUSR2"`
   * is nodemon's restart signal; `"SIGQUIT"` some supervisors' stop signal.
   * SIGABRT, SIGTRAP and SIGSYS are also raised by faults (`abort()`, a
   * breakpoint, a seccomp filter): the process still dies by them. Windows
   * has none of these. Default none.
   */
  readonly extraSignals: readonly OptInSignal[];
  /**
   * Await the callbacks on an uncaught exception or unhandled rejection (for
   * telemetry that must flush a crash report): the error is printed as the
   * runtime would print it, the callbacks run awaited with `reason` and
   * `error` set, then the program ends with the runtime's crash status (1).
   * Default `false`: callbacks run synchronously and the runtime crashes as usual.
   */
  readonly awaitCrash: boolean;
  /**
   * An IPC message that asks the program to shut down, as pm2's
   * `--shutdown-with-message` sends `"shutdown"`: on it, the callbacks are
   * awaited and the program ends with status 0. Node and Bun; default off.
   */
  readonly shutdownMessage: string | undefined;
  /**
   * Receives one {@linkcode ExitReport} per run of the registry (an exit, a
   * signal, `runHandlers()`, a page hide; not an invocation's phase under
   * `withExit`): called once the last callback has settled, before the
   * program ends; on a path that cannot wait, synchronously at the end of the
   * run. A promise it returns is not awaited. A throw or rejection is one
   * `[atexit]` line on stderr and never changes how the program ends.
   * Default `undefined`; `undefined` turns it back off.
   */
  readonly onReport: ((report: ExitReport) => void) | undefined;
}

/**
 * How a callback of a run ended:
 *
 * - `ok`: it returned, or its promise resolved in time.
 * - `failed`: it threw, or its promise rejected (`onError` heard of it).
 * - `timed out`: its promise was still pending at its time limit (`onError` heard of it).
 * - `cut`: it returned a promise the run could not wait for: on a path that
 *   cannot wait, called past `totalTimeout`, or still pending when the
 *   program ended by another path. A callback that returned nothing there is `ok`.
 */
export type CallbackOutcome = "ok" | "failed" | "timed out" | "cut";

/** What one callback did in a run: an entry of {@linkcode ExitReport.callbacks}. */
export interface CallbackReport {
  /** Its `name` option, else its function's name, else `"anonymous"` (what `onError` is told). */
  readonly name: string;
  readonly outcome: CallbackOutcome;
  /** Milliseconds from its call until it settled, timed out or was cut. */
  readonly duration: number;
  /**
   * A drain's exit callback (`drain()` of `atexit/http`) only: what that
   * drain did, its `DrainCounts` as they were when the run ended.
   */
  readonly drain?: ReportedDrainCounts;
}

/** The counts of one drain as a report carries them (`DrainCounts` of `atexit/http` says what each one is). */
export interface ReportedDrainCounts {
  readonly requests: number;
  readonly idle: number;
  readonly websockets: number;
  readonly streams: number;
  readonly forced: number;
}

/** The work `defer()` held for the program, as a run found it: {@linkcode ExitReport.deferred}. */
export interface DeferredReport {
  /**
   * Deferred promises the run waited for that settled in time. It looks at
   * the held work again each time what it waited for has settled: one deferred
   * meanwhile is counted if still pending then, and one that came and went
   * before is not (the run never waited for it).
   */
  readonly awaited: number;
  /** Deferred promises still pending when the run stopped waiting (its time limit, or a path that cannot wait). */
  readonly abandoned: number;
  /** Milliseconds the run waited for them (0 on a path that cannot wait). */
  readonly duration: number;
}

/**
 * One run of the registry, as `onReport` and the `atexit:report` diagnostics
 * channel (Node.js, Deno, Bun) receive it. Frozen, its parts too.
 *
 * @example
 * ```ts
 * import { configure } from "atexit";
 *
 * configure({ onReport: (report) => console.log(report.reason, report.callbacks.map((c) => c.outcome)) });
 * ```
 */
export interface ExitReport {
  /** Why the callbacks ran. */
  readonly reason: ExitReason;
  /** The signal handled (reason `signal`). */
  readonly signal: ExitSignal | undefined;
  /**
   * The status the program ends with, where it is known: the exit's status
   * after `exit()` during the run and `errorExitCode`; for a signal, 128 + its
   * number, what the process ends with where the signal cannot kill it (it
   * dies by the signal elsewhere). Undefined for `runHandlers()` and a page hide.
   */
  readonly code: number | undefined;
  /** When the run began, in ms since the epoch (`Date.now()`). */
  readonly startedAt: number;
  /** Milliseconds from the run's start until it ended. */
  readonly duration: number;
  /**
   * Each callback called, in the order their calls returned: the order they
   * were called, but for a callback whose call ran others (a runtime's exit
   * event nested in it), which comes after them.
   */
  readonly callbacks: readonly CallbackReport[];
  /** The deferred work of `defer()`; all 0 where there was none. */
  readonly deferred: DeferredReport;
}

/**
 * What {@linkcode Atexit.configure} takes: any of the settings (see
 * {@linkcode AtexitConfig}). A key given as `undefined` is left as it was,
 * except `errorExitCode`, `shutdownMessage` and `onReport`, which `undefined` turns back off.
 */
export type ConfigureOptions = { readonly [K in keyof AtexitConfig]?: AtexitConfig[K] | undefined };

/**
 * The public API. Every entry point has it, for the reasons its runtime can
 * produce: `Atexit<ServerExitReason>` on Node.js, Deno and Bun,
 * `Atexit<BrowserExitReason>` in browsers, every reason where the runtime is
 * detected at run time.
 */
export interface Atexit<R extends ExitReason = ExitReason> {
  /**
   * Registers a callback to run when the program ends. Callbacks run last in,
   * first out; a callback that throws is reported and the others still run.
   * The first registration installs atexit's listeners, and the last one to
   * go removes them. Which exits await the callback, and which run it
   * synchronously, depends on the runtime (see each entry point).
   *
   * @param callback The function to run; it is told about the exit ({@linkcode ExitEvent}).
   * @param options Its `timeout`, `first`, `last`, `signal`, `once` and `name` ({@linkcode RegisterOptions}).
   * @returns A handle that unregisters this registration ({@linkcode Registration}).
   * @throws {TypeError} If `callback` is not a function, an option has the wrong type or an unknown
   *   key, or the `signal` cannot be listened to; the message starts with `[atexit] register()`.
   * @throws {RangeError} If `timeout` is negative or NaN.
   * @throws {Error} On an entry point for another runtime (it names both).
   *
   * @example
   * ```ts
   * import { register } from "atexit";
   *
   * const off = register(async (event) => {
   *   await fetch("http://127.0.0.1:9/flush", { method: "POST", signal: event.deadline });
   * }, { timeout: 2000 });
   * ```
   */
  register(callback: ExitCallback<R>, options?: RegisterOptions): Registration;
  /**
   * Removes every registration of `callback` (Python's semantics).
   *
   * @param callback The function that was registered.
   * @returns How many registrations of it there were (0 if none).
   * @throws {TypeError} If `callback` is not a function.
   *
   * @example
   * ```ts
   * import { register, unregister } from "atexit";
   *
   * const flush = () => {};
   * register(flush);
   * register(flush);
   * unregister(flush); // 2
   * ```
   */
  unregister(callback: ExitCallback<R>): number;
  /**
   * Runs the callbacks (awaiting async ones, bounded by the timeouts), then ends
   * the program with `code` (default: the status the runtime would use now).
   * Called during a run, it does not start another one: it sets the status the
   * program ends with once the run is over, and resolves at once.
   *
   * @param code The exit status, an integer from 0 to 255.
   * @returns A promise that settles only where the program cannot end itself (a page, a worker).
   * @throws {TypeError} If `code` is not a number.
   * @throws {RangeError} If `code` is not an integer from 0 to 255.
   *
   * @example
   * ```ts
   * import { exit } from "atexit";
   *
   * await exit(3);
   * ```
   */
  exit(code?: number): Promise<void>;
  /**
   * Runs the callbacks now without ending the program (Python's `_run_exitfuncs`).
   * Like an exit, it consumes them: a callback runs once, so it will not run again at the real exit.
   * Called during a run, it does nothing (that run is doing the work).
   *
   * @returns A promise that resolves once every callback has settled or timed out.
   *
   * @example
   * ```ts
   * import { register, runHandlers } from "atexit";
   *
   * register(() => console.log("flushed"));
   * await runHandlers();
   * ```
   */
  runHandlers(): Promise<void>;
  /**
   * Keeps `promise` alive until it settles. Inside a request that `withExit`
   * (`atexit/request`) wraps, that request's exit phase waits for it before
   * the callbacks, inside the runtime's `waitUntil`; in a request on
   * Cloudflare Workers, Vercel, Netlify or Supabase, it goes to that
   * platform's `waitUntil`; elsewhere (Node.js, Deno, Bun, a page), the
   * program's awaited exit paths wait for it before the callbacks. It is
   * awaited like one callback: within the configured `timeout` and the run's
   * `totalTimeout`. A rejection is logged, one `[atexit]` line, and fails nothing.
   *
   * @param promise The background work (any thenable).
   * @throws {TypeError} If `promise` is not a thenable, or its `then` cannot be read.
   *
   * @example
   * ```ts
   * import { defer, register } from "atexit";
   *
   * const sent: string[] = [];
   * register(() => void sent.push("flushed"), { last: true });
   * defer(new Promise<void>((resolve) => setTimeout(() => (sent.push("uploaded"), resolve()), 10)));
   * ```
   */
  defer(promise: PromiseLike<unknown>): void;
  /**
   * How many registrations there are (Python's `atexit._ncallbacks()`).
   *
   * @returns The number of registrations, each registration of the same function counted.
   *
   * @example
   * ```ts
   * import { count, register } from "atexit";
   *
   * register(() => {});
   * count(); // 1
   * ```
   */
  count(): number;
  /**
   * Removes every registration (Python's `atexit._clear()`); the listeners go with the last.
   *
   * @example
   * ```ts
   * import { clear, count } from "atexit";
   *
   * clear();
   * count(); // 0
   * ```
   */
  clear(): void;
  /**
   * Sets process-wide defaults and returns the configuration now in force. A
   * key given as `undefined` is left as it was, except `errorExitCode`,
   * `shutdownMessage` and `onReport`, which `undefined` turns back off. Listeners already
   * installed follow the new `extraSignals`, `awaitCrash` and `shutdownMessage`.
   *
   * @param options Any of the settings ({@linkcode ConfigureOptions}); none reads the configuration.
   * @returns The whole configuration now in force (frozen).
   * @throws {TypeError} If `options` is not an object, has an unknown key, or a value of the wrong type.
   * @throws {RangeError} If a duration is negative or NaN, `errorExitCode` is not an integer from 0
   *   to 255, or `extraSignals` names a signal it cannot take.
   *
   * @example
   * ```ts
   * import { configure } from "atexit";
   *
   * configure({ timeout: 1000, onError: (error) => console.error("cleanup failed", error) });
   * ```
   */
  configure(options?: ConfigureOptions): AtexitConfig;
  /**
   * Tells the supervisor the service is ready. Under systemd (`NOTIFY_SOCKET`)
   * it sends `READY=1`, feeds the watchdog every `WATCHDOG_USEC` / 2 while the
   * program runs and ends, and when an awaited exit run begins sends
   * `STOPPING=1` and `EXTEND_TIMEOUT_USEC` (the `totalTimeout` from the run's
   * start, plus 3 s for the flush and the end). Under PM2 (`pm_id`, with an
   * IPC channel) it sends `"ready"` (`pm2 start --wait-ready`). With no
   * supervisor, and in browsers, workers and request-scoped hosts, it does
   * nothing. Only the first call sends; every later one returns its promise.
   * Nothing it starts keeps the program alive.
   *
   * @returns A promise that resolves once the supervisor has the message (or
   *   at most 5 s later); it never rejects: a failure to send is one
   *   `[atexit]` line on stderr.
   *
   * @example
   * ```ts
   * import { ready } from "atexit";
   *
   * await ready();
   * ```
   */
  ready(): Promise<void>;
}
