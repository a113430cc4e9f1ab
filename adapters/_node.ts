// The Node.js event mapping, shared by the `node` entry, the run-time-detecting
// entry and (with Bun's corrections) the Bun adapter. Private: not exported.
import { defineAdapter, type Adapter, type Trigger } from "../src/adapter.ts";
import type { Registry } from "../src/registry.ts";
import { currentExitCode, flushStdio, type ProcessLike } from "./_process.ts";
import { exitSignals, signalStatus } from "./_signals.ts";

/** How long a forced end waits for stdout/stderr to drain into a pipe. */
const STDIO_FLUSH_LIMIT_MS = 2000;
/** After re-raising, how long to wait for the signal to kill us before exiting with 128+n. */
const RERAISE_GRACE_MS = 500;

type Crash = Pick<Trigger, "reason" | "error">;

type SignalExitEmitter = { count?: unknown } | undefined;

/**
 * How many listeners for `signal` are neither ours nor signal-exit's.
 * signal-exit (a dependency of many CLIs) acts on a signal only when every
 * listener is one of its own; if atexit counted its listeners as the
 * application's, each would wait for the other and Ctrl+C would do nothing.
 * Both of its major versions publish how many instances are listening.
 */
function applicationListeners(proc: ProcessLike, signal: string): number {
  const v4 = (globalThis as Record<symbol, SignalExitEmitter>)[Symbol.for("signal-exit emitter")]?.count;
  const v3 = (proc as { __signal_exit_emitter__?: SignalExitEmitter }).__signal_exit_emitter__?.count;
  const theirs = (typeof v4 === "number" ? v4 : 0) + (typeof v3 === "number" ? v3 : 0);
  return proc.listenerCount(signal) - 1 - theirs;
}

/**
 * Builds the adapter for a Node-compatible `process`. Bun reuses it with its
 * own fixes; all state lives in the closure, so each install starts clean.
 */
export function nodeLikeAdapter(proc: ProcessLike, runtime: "node" | "bun"): Adapter {
  let uninstall: (() => void) | undefined;

  // A forced end: let piped output drain first, or Node drops what is still queued.
  const end = async (code: number): Promise<void> => {
    await flushStdio(proc, STDIO_FLUSH_LIMIT_MS);
    proc.exit(code);
  };

  const install = (registry: Registry): void => {
    let crash: Crash | undefined;
    // "natural" once the beforeExit run is over: an `exit` event then is the natural end;
    // during that run it can only come from process.exit() in a callback.
    let phase: "live" | "ending" | "natural" = "live";
    let signalled = false;

    const trigger = (reason: Trigger["reason"], code: number, extra?: Partial<Trigger>): Trigger => ({
      reason,
      code,
      runtime,
      final: true,
      ...extra,
    });

    // Natural end: the loop is empty. Await the callbacks, then let the program
    // end by itself (a forced exit would cut other listeners' beforeExit work).
    const onBeforeExit = async (): Promise<void> => {
      if (phase !== "live") return; // beforeExit fires again after our work: run once.
      phase = "ending";
      const status = currentExitCode(proc);
      const result = await registry.runAwaited(trigger("natural", status));
      phase = "natural";
      const final = registry.finalStatus(result, status);
      if (result.exitRequested) return end(final);
      if (final !== status) proc.exitCode = final;
    };

    // Every end passes here last, synchronously: process.exit(), a crash, or the
    // natural end after beforeExit (then usually with nothing left to run).
    const onExit = (code: number): void => {
      const reason = crash?.reason ?? (phase === "natural" ? "natural" : "exit");
      const result = registry.runNow(trigger(reason, code, crash && { error: crash.error }));
      const final = registry.finalStatus(result, code);
      if (final !== code) proc.exitCode = final;
    };

    // The monitor observes an uncaught error without changing Node's handling.
    // With Node's default `--unhandled-rejections=throw`, rejections arrive here too.
    const onCrash = (error: unknown, origin: unknown): void => {
      const rejection = origin === "unhandledRejection";
      // An app's own uncaughtException listener keeps the process alive: no crash.
      if (!rejection && proc.listenerCount("uncaughtException") > 0) return;
      crash = { reason: rejection ? "rejection" : "exception", error };
    };

    const terminate = (signal: string): void => {
      const fallback = signalStatus(signal);
      registry.detach();
      // PID 1 ignores signals it has no handler for (a container without init),
      // and Windows cannot raise them: exit with the shell's 128+n instead.
      if (proc.platform === "win32" || proc.pid === 1) proc.exit(fallback);
      proc.kill(proc.pid, signal);
      setTimeout(() => proc.exit(fallback), RERAISE_GRACE_MS);
    };

    const onSignal = async (signal: string): Promise<void> => {
      if (signalled) return terminate(signal); // a second signal: stop now.
      // Another listener means the application handles this signal itself.
      if (applicationListeners(proc, signal) > 0) return;
      signalled = true;
      phase = "ending";
      const code = signalStatus(signal);
      const result = await registry.runAwaited(trigger("signal", code, { signal }));
      if (result.exitRequested) return end(registry.finalStatus(result, code));
      await flushStdio(proc, STDIO_FLUSH_LIMIT_MS);
      terminate(signal);
    };

    // Bound per signal: a listener is never told which signal fired on every runtime.
    const signalListeners = exitSignals(proc.platform).map((signal) => {
      const listener = (): void => void onSignal(signal);
      return [signal, listener] as const;
    });
    const listeners: ReadonlyArray<readonly [string, (...args: never[]) => void]> = [
      ["beforeExit", onBeforeExit],
      ["exit", onExit],
      ["uncaughtExceptionMonitor", onCrash],
      ...signalListeners,
    ];
    for (const [event, listener] of listeners) proc.on(event, listener);
    uninstall = () => {
      for (const [event, listener] of listeners) proc.off(event, listener);
      uninstall = undefined;
    };
  };

  return defineAdapter({
    runtime,
    install,
    uninstall: () => uninstall?.(),
    currentCode: () => currentExitCode(proc),
    end,
  });
}
