// This module is browser compatible.

// The exit paths every server runtime shares, once its adapter has said how to
// listen, read and set the status, kill and exit: the awaited natural end, the
// synchronous end, and a termination signal (run the callbacks, then die by the
// same signal so the parent sees the true cause).
import type { Trigger } from "../src/adapter.ts";
import type { Registry } from "../src/registry.ts";
import type { ProcessLike } from "./_process.ts";
import { signalStatus } from "./_signals.ts";

/** After re-raising, how long to wait for the signal to kill us before exiting with 128+n. */
const RERAISE_GRACE_MS = 500;

/**
 * How long a second signal lets a drain of stdout/stderr that is already under
 * way go on (every callback has finished by then): the output is the run's
 * result, and a person pressing Ctrl+C twice still gets a prompt back at once.
 */
export const SECOND_SIGNAL_DRAIN_MS = 500;

/** How an adapter's host is told to end. */
export interface SignalHost {
  readonly pid: number;
  /** Windows cannot raise a signal on itself: exit with 128+n there. */
  readonly windows: boolean;
  /** Whether the application listens to `signal` itself (then it owns it). */
  appOwns(signal: string): boolean | Promise<boolean>;
  kill(pid: number, signal: string): void;
  exit(code: number): void;
  /** Lets stdout and stderr drain before a forced end. */
  flush(): Promise<void>;
  /** Ends with `code` (after a flush), for `exit()` called during the run. */
  end(code: number): Promise<void>;
  /** Tells the adapter a terminal run has begun (its other paths change meaning). */
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
export function signalHandler(registry: Registry, host: SignalHost, runtime: Trigger["runtime"]): (signal: string) => Promise<void> {
  // The signal that began the run, and when it came.
  let first: { readonly signal: string; readonly at: number } | undefined;
  // The drain of stdout/stderr after the run, while it is under way.
  let draining: Promise<void> | undefined;

  let terminated = false;
  const terminate = (signal: string): void => {
    // Once: the first signal's path and a second signal's may both reach here after a drain.
    if (terminated) return;
    terminated = true;
    const fallback = signalStatus(signal);
    registry.detach();
    // PID 1 ignores signals it has no handler for (a container without init):
    // exit with the shell's 128+n instead, as on Windows.
    if (host.windows || host.pid === 1) return host.exit(fallback);
    host.kill(host.pid, signal);
    setTimeout(() => host.exit(fallback), RERAISE_GRACE_MS);
  };

  return async (signal) => {
    const at = Date.now();
    if (first) {
      // Watchers deliver one request twice: nodemon ~10-30 ms apart, tsx watch
      // and node --watch ~1 ms (their own copy beside the terminal's). A person's
      // second Ctrl+C takes far longer than that window; it ends the run at once.
      const gap = at - first.at;
      if (signal === first.signal && gap < registry.config.duplicateSignalWindow) {
        host.debug?.(`${signal} again ${gap} ms after the first: a duplicate delivery, ignored`);
        return;
      }
      if (draining) {
        host.debug?.(`${signal} while the output drains: ending once it has (at most ${SECOND_SIGNAL_DRAIN_MS} ms)`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([draining, new Promise((resolve) => (timer = setTimeout(resolve, SECOND_SIGNAL_DRAIN_MS)))]);
        clearTimeout(timer);
        return terminate(signal);
      }
      host.debug?.(`${signal} during the run: ending at once, cutting the callbacks still running`);
      return terminate(signal);
    }
    // Set before the (possibly asynchronous) ownership check, so a duplicate
    // arriving meanwhile is recognised as one.
    first = { signal, at };
    // Awaited only when it must be (Deno): the application's own listener may
    // end the process synchronously right after ours, and a report must precede that.
    const owns = host.appOwns(signal);
    if (typeof owns === "boolean" ? owns : await owns) {
      first = undefined;
      host.debug?.(`${signal}: the application listens to it, so it owns it; the callbacks run at the exit it chooses`);
      return;
    }
    host.onRun();
    const code = signalStatus(signal);
    // Listeners held after the run: a second signal while the output drains
    // must reach this handler, not the runtime's default (which would cut it).
    const result = await registry.runAwaited({ reason: "signal", code, signal, runtime, final: true }, true);
    // exit(code) from a callback: end with that status (its end drains the output too).
    if (result.exitRequested) return (draining = host.end(registry.finalStatus(result, code)));
    draining = host.flush();
    await draining;
    terminate(signal);
  };
}

/** How an adapter reads and sets the status its runtime will end with. */
export interface StatusHost {
  get(): number;
  set(code: number): void;
}

/**
 * The natural end: await the callbacks, then let the program end by itself
 * (a forced exit would cut other listeners' pending work), keeping the
 * status, unless a callback called `exit()`.
 */
export async function naturalEnd(
  registry: Registry,
  runtime: Trigger["runtime"],
  status: StatusHost,
  end: (code: number) => Promise<void>,
): Promise<void> {
  const code = status.get();
  const result = await registry.runAwaited({ reason: "natural", code, runtime, final: true });
  const final = registry.finalStatus(result, code);
  if (result.exitRequested) return end(final);
  if (final !== code) status.set(final);
}

/** A synchronous end (an explicit exit, a crash): the callbacks left run now, in the runtime's last event. */
export function endNow(registry: Registry, trigger: Trigger, status: StatusHost): void {
  const code = status.get();
  const result = registry.runNow({ ...trigger, code });
  const final = registry.finalStatus(result, code);
  if (final !== code) status.set(final);
}

/**
 * An end the program asked for through another channel (an uncaught error
 * with `awaitCrash`, a supervisor's shutdown message): await the callbacks,
 * then end by force with `code`, unless a callback asked for another status.
 */
export async function awaitedEnd(
  registry: Registry,
  trigger: Trigger & { readonly code: number },
  end: (code: number) => Promise<void>,
): Promise<void> {
  const result = await registry.runAwaited(trigger);
  await end(registry.finalStatus(result, trigger.code));
}
