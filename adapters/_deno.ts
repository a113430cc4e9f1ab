// The Deno event mapping, shared by the `deno` entry and the run-time-detecting
// entry. Private: not exported. Deno's own exit events are web events on
// globalThis; it never fires `unload` on a signal (deno#11752) nor after an
// uncaught error (deno#3603), so those paths have listeners of their own.
import type { Adapter, Trigger } from "../src/adapter.ts";
import type { Registry } from "../src/registry.ts";
import { endNow, naturalEnd, signalExitListeners, signalHandler, type StatusHost } from "./_paths.ts";
import { flushStdio, getProcess, STDIO_FLUSH_LIMIT_MS } from "./_process.ts";

/** The parts of the `Deno` global atexit touches (no `@types/deno` needed). */
export interface DenoLike {
  readonly pid: number;
  exitCode: number;
  readonly build: { readonly os: string };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  kill(pid: number, signal: string): void;
  exit(code?: number): never;
}

/** `globalThis.Deno`, if this host is Deno. */
export const getDeno = (): DenoLike | undefined => (globalThis as unknown as { Deno?: DenoLike }).Deno;

type Crash = Pick<Trigger, "reason" | "error">;

/** Builds the Deno adapter; all state lives in the closure, so each install starts clean. */
export function denoAdapter(deno: DenoLike): Adapter {
  const windows = deno.build.os === "windows";
  // Deno's node:process: what the application may listen on, and where output
  // written through it waits (Deno's own console writes synchronously).
  const proc = getProcess();
  let uninstall: (() => void) | undefined;

  const drain = (): Promise<void> => (proc ? flushStdio(proc, STDIO_FLUSH_LIMIT_MS) : Promise.resolve());
  const end = async (code: number): Promise<void> => {
    await drain();
    deno.exit(code);
  };

  const install = (registry: Registry): void => {
    // "natural" once the beforeunload run is over: `unload` then is the natural end.
    let phase: "live" | "ending" | "natural" = "live";
    const status: StatusHost = { get: () => deno.exitCode, set: (code) => void (deno.exitCode = code) };

    // Natural end. Cancelling beforeunload once keeps the event loop going while
    // the callbacks are awaited; Deno fires it again when the loop is empty, and
    // then we let the program end (and keep Deno.exitCode).
    const onBeforeUnload = (event: Event): void => {
      if (phase !== "live") return;
      phase = "ending";
      event.preventDefault();
      void naturalEnd(registry, "deno", status, end).finally(() => (phase = "natural"));
    };

    // Deno.exit(), process.exit() and the natural end all pass here, synchronously:
    // `unload` on the main thread, node:process `exit` too (the only event a
    // node:worker_threads worker gets when it ends: no beforeunload there).
    const onUnload = (): void =>
      endNow(registry, { reason: phase === "natural" ? "natural" : "exit", runtime: "deno", final: true }, status);

    // An uncaught error or rejection ends Deno with 1 and its own report, and no
    // `unload`: run the callbacks here, unless the application cancelled the event.
    const onCrash = (reason: Crash["reason"], event: Event, error: unknown): void => {
      if (event.defaultPrevented) return;
      registry.runNow({ reason, code: 1, error, runtime: "deno", final: true });
    };
    const onError = (event: Event): void => onCrash("exception", event, (event as ErrorEvent).error);
    const onRejection = (event: Event): void => onCrash("rejection", event, (event as PromiseRejectionEvent).reason);

    const onSignal = signalHandler(
      registry,
      {
        pid: deno.pid,
        windows,
        // Our listeners are Deno's own; node:process listeners are the application's.
        appOwns: (signal) => (proc ? proc.listenerCount(signal) - signalExitListeners(proc) > 0 : false),
        // Deno lets a program signal its own pid without --allow-run.
        kill: (pid, signal) => deno.kill(pid, signal),
        exit: (code) => deno.exit(code),
        flush: drain,
        end,
        onRun: () => void (phase = "ending"),
      },
      "deno",
    );
    // Windows delivers only SIGINT and SIGBREAK to Deno's listeners.
    const signals = windows ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP"];
    const signalListeners = signals.map((signal) => [signal, (): void => void onSignal(signal)] as const);

    const events = [
      ["beforeunload", onBeforeUnload],
      ["unload", onUnload],
      ["error", onError],
      ["unhandledrejection", onRejection],
    ] as const;
    for (const [event, listener] of events) addEventListener(event, listener);
    for (const [signal, listener] of signalListeners) deno.addSignalListener(signal, listener);
    proc?.on("exit", onUnload);
    uninstall = () => {
      proc?.off("exit", onUnload);
      for (const [event, listener] of events) removeEventListener(event, listener);
      for (const [signal, listener] of signalListeners) deno.removeSignalListener(signal, listener);
      uninstall = undefined;
    };
  };

  return {
    runtime: "deno",
    install,
    uninstall: () => uninstall?.(),
    currentCode: () => deno.exitCode,
    end,
  };
}
