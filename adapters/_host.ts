// What the server engine (_engine.ts) and its signal path (_signal.ts) know
// of a runtime, and what a runtime's listeners call: types only, one file, so
// neither of the two imports the other for them.
import type { AtexitConfig } from "../src/types.ts";

/** The reasons an uncaught error gives an exit. */
export type CrashReason = "exception" | "rejection";

/** One server runtime, as the engine sees it. */
export interface ServerHost {
  readonly runtime: "node" | "deno" | "bun";
  readonly pid: number;
  /** Windows cannot raise a signal on itself: exit with 128+n there. */
  readonly windows: boolean;
  /** Signals this runtime cannot die by once atexit has listened to them: exit with 128+n after those. */
  readonly unraisable?: readonly string[];
  /** `ATEXIT_DEBUG` is set: report what the exit paths cut or leave alone. */
  readonly debug: boolean;
  /** The status the program would end with if it ended now. */
  code(): number;
  setCode(code: number): void;
  /** Ends the program now (the engine flushes the output first where it must). */
  exit(code: number): void;
  kill(pid: number, signal: string): void;
  /** Waits, within a bound, until what was written to stdout and stderr has left. */
  flush(): Promise<unknown>;
  /** Whether the application listens to `signal` itself (then it owns it). */
  appOwns(signal: string): boolean | Promise<boolean>;
  /** Prints the runtime's own report of an uncaught error, which the awaited crash path takes over. */
  printCrash(reason: CrashReason, error: unknown): void;
  /** Adds the runtime's listeners, wired to the engine's paths; returns what removes them. */
  listen(paths: ExitPaths, config: AtexitConfig): () => void;
}

/** The engine's exit paths, which a host's listeners call. */
export interface ExitPaths {
  /** No run that ends the program has begun. */
  readonly live: boolean;
  /**
   * The event loop is empty: the callbacks are awaited and the program then
   * ends by itself, with its status. Undefined if the program is already
   * ending (a runtime that fires the event again once the run is over).
   */
  natural(): Promise<void> | undefined;
  /** The runtime's last, synchronous event, ending with `code`: the callbacks left run now. */
  last(code: number): void;
  /** An uncaught error the runtime ends the program for by itself; the first one is the cause. */
  crash(reason: CrashReason, error: unknown): void;
  /**
   * `awaitCrash`: an uncaught error whose default handling the host stops. The
   * runtime's report is printed, the callbacks awaited, then the program ends
   * with 1. False if the program is already ending (the host then ends it its own way).
   */
  awaitCrash(reason: CrashReason, error: unknown): boolean;
  /** A message from a supervisor: the configured `shutdownMessage` ends the program, awaited (see `stop`). */
  message(message: unknown): void;
  /**
   * Whoever started the program asks it to end (its `shutdownMessage`, a
   * cluster primary's disconnect): the callbacks are awaited as an exit with
   * the program's status, then it ends with that status. Nothing if it is
   * already ending.
   */
  stop(): void;
  /** A termination signal. */
  signal(signal: string): void;
}

/** How an exit path reads and sets the status the program ends with. */
export interface Status {
  get(): number;
  set(code: number): void;
}
