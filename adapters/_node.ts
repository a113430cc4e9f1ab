// The Node.js event mapping, shared by the `node` entry, the run-time-detecting
// entry and (with Bun's corrections) the Bun adapter. Private: not exported.
import type { Adapter, Trigger } from "../src/adapter.ts";
import type { Registry } from "../src/registry.ts";
import { currentExitCode, flushBunStdio, flushStdio, STDIO_FLUSH_LIMIT_MS, type ProcessLike } from "./_process.ts";
import { endNow, naturalEnd, signalExitListeners, signalHandler, type StatusHost } from "./_paths.ts";
import { exitSignals } from "./_signals.ts";

type Crash = Pick<Trigger, "reason" | "error">;

/**
 * Builds the adapter for a Node-compatible `process`. Bun reuses it with its
 * own fixes; all state lives in the closure, so each install starts clean.
 */
export function nodeLikeAdapter(proc: ProcessLike, runtime: "node" | "bun"): Adapter {
  let uninstall: (() => void) | undefined;

  // Before a forced end, piped output must drain, or the runtime drops what is still queued.
  const drain = (): Promise<void> => (runtime === "bun" ? flushBunStdio : flushStdio)(proc, STDIO_FLUSH_LIMIT_MS);
  const end = async (code: number): Promise<void> => {
    await drain();
    proc.exit(code);
  };

  const install = (registry: Registry): void => {
    let crash: Crash | undefined;
    // "natural" once the beforeExit run is over: an `exit` event then is the natural end;
    // during that run it can only come from process.exit() in a callback.
    let phase: "live" | "ending" | "natural" = "live";

    const setCode = (code: number): void => void (proc.exitCode = code);

    // Natural end: the loop is empty.
    const onBeforeExit = async (): Promise<void> => {
      if (phase !== "live") return; // beforeExit fires again after our work: run once.
      phase = "ending";
      // Bun reports an unhandled rejection from the last tick only after beforeExit
      // has fired; one timer turn lets it surface (as a crash) before the natural run.
      if (runtime === "bun") await new Promise((resolve) => setTimeout(resolve, 0));
      await naturalEnd(registry, runtime, { get: () => currentExitCode(proc), set: setCode }, end).finally(
        () => (phase = "natural"),
      );
    };

    // Every end passes here last, synchronously: process.exit(), a crash, or the
    // natural end after beforeExit (then usually with nothing left to run).
    const onExit = (code: number): void => {
      const reason = crash?.reason ?? (phase === "natural" ? "natural" : "exit");
      const status: StatusHost = { get: () => code, set: setCode };
      endNow(registry, { reason, runtime, final: true, ...(crash && { error: crash.error }) }, status);
    };

    // The monitor observes an uncaught error without changing Node's handling.
    // With Node's default `--unhandled-rejections=throw`, rejections arrive here too.
    const onCrash = (error: unknown, origin: unknown): void => {
      const rejection = origin === "unhandledRejection";
      // An app's own uncaughtException listener keeps the process alive: no crash.
      if (!rejection && proc.listenerCount("uncaughtException") > 0) return;
      crash = { reason: rejection ? "rejection" : "exception", error };
    };

    // Bun fires no monitor for an unhandled rejection and then tells `exit`
    // listeners 0 although it ends with 1 (bun PR#38116). Only an
    // `unhandledRejection` listener sees it, and any listener cancels Bun's own
    // crash, so this one reproduces it: Bun's report, then status 1.
    const onBunRejection = (error: unknown): void => {
      if (proc.listenerCount("unhandledRejection") > 1) return; // the application handles it
      crash = { reason: "rejection", error };
      console.error(error);
      proc.exit(1);
    };

    const onSignal = signalHandler(
      registry,
      {
        pid: proc.pid,
        windows: proc.platform === "win32",
        // Our own listener is one of them; signal-exit's are not the application's.
        appOwns: (signal) => proc.listenerCount(signal) - 1 - signalExitListeners(proc) > 0,
        kill: (pid, signal) => void proc.kill(pid, signal),
        exit: (code) => proc.exit(code),
        flush: drain,
        end,
        onRun: () => void (phase = "ending"),
      },
      runtime,
    );

    // Bound per signal: a listener is never told which signal fired on every runtime.
    const signalListeners = exitSignals(proc.platform).map((signal) => {
      const listener = (): void => void onSignal(signal);
      return [signal, listener] as const;
    });
    const listeners: ReadonlyArray<readonly [string, (...args: never[]) => void]> = [
      ["beforeExit", onBeforeExit],
      ["exit", onExit],
      ["uncaughtExceptionMonitor", onCrash],
      ...(runtime === "bun" ? [["unhandledRejection", onBunRejection] as const] : []),
      ...signalListeners,
    ];
    for (const [event, listener] of listeners) proc.on(event, listener);
    uninstall = () => {
      for (const [event, listener] of listeners) proc.off(event, listener);
      uninstall = undefined;
    };
  };

  return {
    runtime,
    install,
    uninstall: () => uninstall?.(),
    currentCode: () => currentExitCode(proc),
    end,
  };
}
