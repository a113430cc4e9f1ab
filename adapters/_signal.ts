// The termination-signal path every server runtime shares: run the callbacks,
// awaited, then die by the same signal so the parent sees the true cause.
// What a signal after the first does is one of three named policies below:
// a watcher's duplicate delivery is ignored, a second request during the run
// ends the process at once, and one while the output flushes lets the flush
// finish first. The server engine (_engine.ts) wires this to each runtime.
import type { SharedRegistry, Trigger } from "../src/protocol.ts";
import { finalStatus, runAwaited } from "../src/run.ts";
import { within } from "../src/time.ts";
import type { ServerHost } from "./_host.ts";
import { signalStatus } from "./_signals.ts";
import type { ProcessLike } from "./types/process.ts";

/** After re-raising, how long to wait for the signal to kill us before exiting with 128+n. */
const RERAISE_GRACE_MS = 500;

/**
 * How long a second signal lets a flush of stdout/stderr that is already under
 * way go on (every callback has finished by then): the output is the run's
 * result, and a person pressing Ctrl+C twice still gets a prompt back at once.
 */
export const SECOND_SIGNAL_FLUSH_MS = 500;

/** What the signal path needs: the runtime's part (see `ServerHost`) and the engine's. */
export interface SignalContext extends Pick<ServerHost, "pid" | "windows" | "unraisable" | "appOwns" | "kill" | "exit" | "flush"> {
  /** Ends with `code` (after a flush), for `exit()` called during the run. */
  exitProcess(code: number): Promise<void>;
  /** Tells the engine a terminal run has begun (its other paths change meaning). */
  onRun(): void;
  /** Reports what atexit decided about a signal, when debugging is on (`ATEXIT_DEBUG`). */
  debug?(message: string): void;
}

type SignalExitEmitter = { count?: unknown } | undefined;

/**
 * How many of `proc`'s listeners for `signal` belong to signal-exit.
 * signal-exit (a dependency of many CLIs) acts on a signal only when every
 * listener is its own; if atexit counted its listeners as the application's,
 * each would wait for the other and Ctrl+C would do nothing. Both of its
 * major versions publish how many instances are listening.
 */
export function signalExitListeners(proc: ProcessLike): number {
  const v4 = (globalThis as Record<symbol, SignalExitEmitter>)[Symbol.for("signal-exit emitter")]?.count;
  const v3 = (proc as { __signal_exit_emitter__?: SignalExitEmitter }).__signal_exit_emitter__?.count;
  return (typeof v4 === "number" ? v4 : 0) + (typeof v3 === "number" ? v3 : 0);
}

/** Builds the one listener body shared by every signal (bound per signal by the caller). */
export function signalHandler(registry: SharedRegistry, context: SignalContext, runtime: Trigger["runtime"]): (signal: string) => Promise<void> {
  // The signal that began the run, and when it came.
  let first: { readonly signal: string; readonly at: number } | undefined;
  // The flush of stdout/stderr after the run, while it is under way.
  let flushing: Promise<unknown> | undefined;

  let terminated = false;
  /** Ends the process by `signal`: re-raised, or 128+n where it cannot kill. */
  const terminate = (signal: string): void => {
    // Once: the first signal's path and a second signal's may both reach here after a flush.
    if (terminated) return;
    terminated = true;
    const fallback = signalStatus(signal);
    registry.detach();
    // PID 1 ignores signals it has no handler for (a container without init):
    // exit with the shell's 128+n instead, as on Windows, and after a signal
    // the runtime cannot die by.
    if (context.windows || context.pid === 1 || context.unraisable?.includes(signal)) return context.exit(fallback);
    context.kill(context.pid, signal);
    setTimeout(() => context.exit(fallback), RERAISE_GRACE_MS);
  };

  /**
   * Policy for a duplicate delivery: ignored. Watchers deliver one request
   * twice: nodemon ~10-30 ms apart, tsx watch and node --watch ~1 ms (their
   * own copy beside the terminal's). A person's second Ctrl+C takes far
   * longer than `duplicateSignalWindow`.
   */
  const onDuplicate = (signal: string, gap: number): void =>
    context.debug?.(`${signal} again ${gap} ms after the first: a duplicate delivery, ignored`);

  /** Policy for a second request while the output flushes: the flush finishes (at most SECOND_SIGNAL_FLUSH_MS), then the end. */
  const onSecondDuringFlush = async (signal: string, pending: Promise<unknown>): Promise<void> => {
    context.debug?.(`${signal} while the output flushes: ending once it has (at most ${SECOND_SIGNAL_FLUSH_MS} ms)`);
    await within([pending], SECOND_SIGNAL_FLUSH_MS);
    terminate(signal);
  };

  /** Policy for a second request during the run: the end, at once, cutting the callbacks still running. */
  const onSecondDuringRun = (signal: string): void => {
    context.debug?.(`${signal} during the run: ending at once, cutting the callbacks still running`);
    terminate(signal);
  };

  return async (signal) => {
    const at = Date.now();
    if (first) {
      const gap = at - first.at;
      if (signal === first.signal && gap < registry.config.duplicateSignalWindow) return onDuplicate(signal, gap);
      return flushing ? onSecondDuringFlush(signal, flushing) : onSecondDuringRun(signal);
    }
    // Set before the (possibly asynchronous) ownership check, so a duplicate
    // arriving meanwhile is recognised as one.
    first = { signal, at };
    // Awaited only when it must be (Deno): the application's own listener may
    // end the process synchronously right after ours, and a report must precede that.
    const owns = context.appOwns(signal);
    if (typeof owns === "boolean" ? owns : await owns) {
      first = undefined;
      context.debug?.(`${signal}: the application listens to it, so it owns it; the callbacks run at the exit it chooses`);
      return;
    }
    context.onRun();
    const code = signalStatus(signal);
    // Listeners held after the run: a second signal while the output flushes
    // must reach this handler, not the runtime's default (which would cut it).
    const result = await runAwaited(registry, { reason: "signal", code, signal, runtime, final: true }, { holdListeners: true });
    // exit(code) from a callback: end with that status (its end flushes the output too).
    if (result.exitRequested) return void (flushing = context.exitProcess(finalStatus(registry.config, result, code)));
    flushing = context.flush();
    await flushing;
    terminate(signal);
  };
}
