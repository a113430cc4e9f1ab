// The exit engine every server runtime shares (Node.js, Bun, Deno). It owns
// the stages of an ending program and what each exit path does: the awaited
// natural end, the runtime's last synchronous event, crashes (observed, or
// taken over with `awaitCrash`), a supervisor's shutdown message, termination
// signals, and ending with the output flushed. Each runtime's file describes
// only its host (a `ServerHost`): how to listen, read and set the status,
// kill, exit and flush output, with that runtime's quirks. A new exit path is added
// here, once, and each host wires its event to it (each host file opens with
// a table of its runtime's events and the path each one takes).
import type { Adapter, SharedRegistry, Trigger } from "../src/protocol.ts";
import { finalStatus, runAwaited, runSync } from "../src/run.ts";
import type { AtexitConfig } from "../src/types.ts";
import { printCut, printDebug } from "./_debug.ts";
import { listening } from "./_listening.ts";
import { signalHandler } from "./_signal.ts";

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
  /** Ends the program now (the engine drains the output first where it must). */
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
  /** A message from a supervisor: the configured `shutdownMessage` ends the program, awaited. */
  message(message: unknown): void;
  /** A termination signal. */
  signal(signal: string): void;
}

/** How an exit path reads and sets the status the program ends with. */
export interface Status {
  get(): number;
  set(code: number): void;
}

/**
 * Builds the adapter for a server runtime from its host. All state lives in
 * the closure made at each install, so a reinstall starts clean.
 */
export function serverAdapter(host: ServerHost): Adapter {
  // Before a forced end, piped output must drain, or the runtime drops what is still queued.
  const end = async (code: number): Promise<void> => {
    await host.flush();
    host.exit(code);
  };
  return {
    runtime: host.runtime,
    ...listening((registry) => host.listen(exitPaths(registry, host, end), registry.config)),
    currentCode: host.code,
    exitProcess: end,
    ...(host.debug && { reportCut: printCut }),
  };
}

function exitPaths(registry: SharedRegistry, host: ServerHost, end: (code: number) => Promise<void>): ExitPaths {
  const { runtime } = host;
  // "ending" from the first run that ends the program; "natural" once the
  // natural-end run is over, when the runtime's last event is that end.
  let stage: "live" | "ending" | "natural" = "live";
  let crash: { readonly reason: CrashReason; readonly error: unknown } | undefined;
  const status: Status = { get: () => host.code(), set: (code) => host.setCode(code) };

  // The host is the signal path's context as it is, with the engine's parts.
  const onSignal = signalHandler(
    registry,
    { ...host, exitProcess: end, onRun: () => void (stage = "ending"), debug: host.debug ? printDebug : undefined },
    runtime,
  );

  return {
    get live() {
      return stage === "live";
    },
    natural() {
      if (stage !== "live") return undefined;
      stage = "ending";
      return naturalEnd(registry, runtime, status, end).finally(() => void (stage = "natural"));
    },
    last(code) {
      const reason = crash?.reason ?? (stage === "natural" ? "natural" : "exit");
      endNow(registry, { reason, runtime, final: true, ...(crash && { error: crash.error }) }, { get: () => code, set: status.set });
    },
    crash(reason, error) {
      crash ??= { reason, error };
    },
    awaitCrash(reason, error) {
      // The first crash is the cause (a host may have observed this one already).
      const cause = (crash ??= { reason, error });
      if (stage !== "live") return false;
      host.printCrash(reason, error);
      stage = "ending";
      void awaitedEnd(registry, { ...cause, code: 1, runtime, final: true }, end);
      return true;
    },
    message(message) {
      const { shutdownMessage } = registry.config;
      if (shutdownMessage === undefined || message !== shutdownMessage || stage !== "live") return;
      stage = "ending";
      void awaitedEnd(registry, { reason: "exit", code: host.code(), runtime, final: true }, end);
    },
    signal: onSignal,
  };
}

/**
 * The natural end: await the callbacks, then let the program end by itself
 * (a forced exit would cut other listeners' pending work), keeping the
 * status, unless a callback called `exit()`.
 */
export async function naturalEnd(
  registry: SharedRegistry,
  runtime: Trigger["runtime"],
  status: Status,
  end: (code: number) => Promise<void>,
): Promise<void> {
  const code = status.get();
  const result = await runAwaited(registry, { reason: "natural", code, runtime, final: true });
  const final = finalStatus(registry.config, result, code);
  if (result.exitRequested) return end(final);
  if (final !== code) status.set(final);
}

/** A synchronous end (an explicit exit, a crash): the callbacks left run now, in the runtime's last event. */
export function endNow(registry: SharedRegistry, trigger: Trigger, status: Status): void {
  const code = status.get();
  const result = runSync(registry, { ...trigger, code });
  const final = finalStatus(registry.config, result, code);
  if (final !== code) status.set(final);
}

/**
 * An end the program asked for through another channel (an uncaught error
 * with `awaitCrash`, a supervisor's shutdown message): await the callbacks,
 * then end by force with `code`, unless a callback asked for another status.
 */
export async function awaitedEnd(
  registry: SharedRegistry,
  trigger: Trigger & { readonly code: number },
  end: (code: number) => Promise<void>,
): Promise<void> {
  const result = await runAwaited(registry, trigger);
  await end(finalStatus(registry.config, result, trigger.code));
}
