// The Node.js event mapping, shared by the `node` entry, the run-time-detecting
// entry and (with Bun's corrections) the Bun adapter. Private: not exported.
import type { Adapter, Trigger } from "../src/adapter.ts";
import type { Registry } from "../src/registry.ts";
import { debugRequested, printDebug } from "./_debug.ts";
import { currentExitCode, flushBunStdio, flushStdio, STDIO_FLUSH_LIMIT_MS, type ProcessLike } from "./_process.ts";
import { awaitedEnd, endNow, naturalEnd, signalExitListeners, signalHandler, type StatusHost } from "./_paths.ts";
import { exitSignals } from "./_signals.ts";

type Crash = Pick<Trigger, "reason" | "error">;
type Listener = readonly [string, (...args: never[]) => void];

/**
 * Builds the adapter for a Node-compatible `process`. Bun reuses it with its
 * own fixes; all state lives in the closure, so each install starts clean.
 */
export function nodeLikeAdapter(proc: ProcessLike, runtime: "node" | "bun"): Adapter {
  let uninstall: (() => void) | undefined;
  const debug = debugRequested(proc.env?.ATEXIT_DEBUG);

  // Before a forced end, piped output must drain, or the runtime drops what is still queued.
  const drain = (): Promise<void> => (runtime === "bun" ? flushBunStdio : flushStdio)(proc, STDIO_FLUSH_LIMIT_MS);
  const end = async (code: number): Promise<void> => {
    await drain();
    proc.exit(code);
  };

  // What the runtime prints for an uncaught error it handles itself, for the
  // awaited crash path, where atexit's listener takes that over.
  const printCrash = (error: unknown): void => {
    console.error(error);
    if (runtime === "node") console.error(`\nNode.js ${proc.version ?? ""}`);
  };

  const install = (registry: Registry): void => {
    const { awaitCrash, extraSignals, shutdownMessage } = registry.config;
    let crash: Crash | undefined;
    // "natural" once the beforeExit run is over: an `exit` event then is the natural end;
    // during that run it can only come from process.exit() in a callback.
    let phase: "live" | "ending" | "natural" = "live";

    const setCode = (code: number): void => void (proc.exitCode = code);

    let surfacing = false;
    // Natural end: the loop is empty.
    const onBeforeExit = async (): Promise<void> => {
      if (phase !== "live" || surfacing) return; // beforeExit fires again after our work: run once.
      // Bun reports an unhandled rejection from the last tick only after beforeExit
      // has fired; one timer turn lets it surface (as a crash, which then owns the end) before the natural run.
      if (runtime === "bun") {
        surfacing = true;
        await new Promise((resolve) => setTimeout(resolve, 0));
        surfacing = false;
        if (phase !== "live") return;
      }
      phase = "ending";
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

    // Our own uncaughtException listener (awaitCrash) is not the application's.
    const ownCrashListeners = awaitCrash ? 1 : 0;
    const appHandlesCrashes = (): boolean => proc.listenerCount("uncaughtException") > ownCrashListeners;

    // The monitor observes an uncaught error without changing Node's handling.
    // With Node's default `--unhandled-rejections=throw`, rejections arrive here too.
    const onCrash = (error: unknown, origin: unknown): void => {
      const rejection = origin === "unhandledRejection";
      // An app's own uncaughtException listener keeps the process alive: no crash.
      if (!rejection && appHandlesCrashes()) return;
      // The first crash is the cause: one during the awaited crash run does not replace it.
      crash ??= { reason: rejection ? "rejection" : "exception", error };
    };

    // awaitCrash: a listener stops the runtime's crash, so this one takes it
    // over: the runtime's report, the callbacks awaited, then status 1. A crash
    // while they run ends at once, with the callbacks left run synchronously.
    const awaitedCrash = (reason: Crash["reason"], error: unknown): void => {
      crash ??= { reason, error };
      printCrash(error);
      if (phase !== "live") return proc.exit(1);
      phase = "ending";
      void awaitedEnd(registry, { reason, code: 1, error, runtime, final: true }, end);
    };
    const onUncaught = (error: unknown, origin: unknown): void => {
      if (appHandlesCrashes()) return;
      awaitedCrash(origin === "unhandledRejection" ? "rejection" : "exception", error);
    };

    // Bun fires no monitor for an unhandled rejection and then tells `exit`
    // listeners 0 although it ends with 1 (bun PR#38116). Only an
    // `unhandledRejection` listener sees it, and any listener cancels Bun's own
    // crash, so this one reproduces it: Bun's report, then status 1.
    const onBunRejection = (error: unknown): void => {
      if (proc.listenerCount("unhandledRejection") > 1) return; // the application handles it
      if (awaitCrash) return awaitedCrash("rejection", error);
      crash = { reason: "rejection", error };
      console.error(error);
      proc.exit(1);
    };

    // A supervisor's request to stop (pm2 --shutdown-with-message): awaited, then status 0.
    const onMessage = (message: unknown): void => {
      if (message !== shutdownMessage || phase !== "live") return;
      phase = "ending";
      void awaitedEnd(registry, { reason: "exit", code: currentExitCode(proc), runtime, final: true }, end);
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
        ...(debug && { debug: printDebug }),
      },
      runtime,
    );

    // Bound per signal: a listener is never told which signal fired on every runtime.
    const signalListeners = exitSignals(proc.platform, extraSignals).map((signal): Listener => {
      const listener = (): void => void onSignal(signal);
      return [signal, listener];
    });
    const ipc = shutdownMessage !== undefined && proc.channel ? proc.channel : undefined;
    const listeners: Listener[] = [
      ["beforeExit", onBeforeExit],
      ["exit", onExit],
      ["uncaughtExceptionMonitor", onCrash],
      ...(awaitCrash ? [["uncaughtException", onUncaught] as const] : []),
      ...(runtime === "bun" ? [["unhandledRejection", onBunRejection] as const] : []),
      ...(ipc ? [["message", onMessage] as const] : []),
      ...signalListeners,
    ];
    // A `message` listener keeps the IPC channel, and so the process, alive:
    // atexit's must not, or a forked child would never end by itself.
    const appHeldChannel = ipc ? proc.listenerCount("message") > 0 : false;
    for (const [event, listener] of listeners) proc.on(event, listener);
    if (ipc) releaseChannel(ipc, appHeldChannel);
    uninstall = () => {
      // Node drops the count our listener held when it is removed: hold it back first.
      ipc?.refCounted?.();
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
    ...(debug && { debug }),
  };
}

/**
 * Takes back the hold our `message` listener put on the IPC channel. Node
 * counts the holds, so exactly ours goes; Bun only has the explicit switch,
 * used when nothing of the application's held the channel already.
 */
function releaseChannel(channel: NonNullable<ProcessLike["channel"]>, appHeld: boolean): void {
  if (channel.unrefCounted) channel.unrefCounted();
  else if (!appHeld) channel.unref?.();
}
