// The Deno event mapping, shared by the `deno` entry and the run-time-detecting
// entry. Private: not exported. Deno's own exit events are web events on
// globalThis; it never fires `unload` on a signal (deno#11752) nor after an
// uncaught error (deno#3603), so those paths have listeners of their own.
import type { Adapter, Trigger } from "../src/adapter.ts";
import type { Registry } from "../src/registry.ts";
import { debugRequested, printDebug } from "./_debug.ts";
import { awaitedEnd, endNow, naturalEnd, signalExitListeners, signalHandler, type StatusHost } from "./_paths.ts";
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
  readonly env?: { get(name: string): string | undefined };
  readonly permissions?: { querySync?(descriptor: { name: "env"; variable: string }): { readonly state: string } };
  inspect?(value: unknown): string;
  /** The key of Deno's internals, where the resource table is (see `heldByOthers`). */
  readonly internal?: symbol;
}

type Internals = { readonly core?: { resources?(): Record<string, string> } };

/** `globalThis.Deno`, if this host is Deno. */
export const getDeno = (): DenoLike | undefined => (globalThis as unknown as { Deno?: DenoLike }).Deno;

type Crash = Pick<Trigger, "reason" | "error">;

/**
 * `ATEXIT_DEBUG`, read only where the program may read it (`--allow-env`):
 * asking without the permission would prompt, or throw.
 */
function debugFlag(deno: DenoLike): boolean {
  try {
    const granted = deno.permissions?.querySync?.({ name: "env", variable: "ATEXIT_DEBUG" }).state === "granted";
    return granted && debugRequested(deno.env?.get("ATEXIT_DEBUG"));
  } catch {
    return false;
  }
}

/** The ids of the resources Deno holds for bound signals, if its resource table can be read. */
function signalResources(deno: DenoLike): string[] | undefined {
  const internals = deno.internal ? (deno as unknown as Record<symbol, Internals | undefined>)[deno.internal] : undefined;
  const table = internals?.core?.resources?.();
  return table && Object.keys(table).filter((rid) => table[rid] === "signal");
}

/**
 * Whether a listener other than `ours` holds `signal`. Deno keeps no count of
 * listeners anyone can read, but it binds one resource per signal while any
 * listener is left and frees it with the last one (deno runtime/js/40_signals.js),
 * so taking ours off and straight back on shows whether ours was the last.
 * That sees listeners added before and after atexit's, through
 * `Deno.addSignalListener` or node:process alike. The signal is unbound for
 * the moment between the two calls (no await there). Where the table cannot
 * be read, nothing is seen.
 */
function heldByOthers(deno: DenoLike, signal: string, ours: () => void): boolean {
  const before = signalResources(deno);
  if (!before) return false;
  deno.removeSignalListener(signal, ours);
  deno.addSignalListener(signal, ours);
  const after = new Set(signalResources(deno));
  return before.every((rid) => after.has(rid));
}

/** Builds the Deno adapter; all state lives in the closure, so each install starts clean. */
export function denoAdapter(deno: DenoLike): Adapter {
  const windows = deno.build.os === "windows";
  // Deno's node:process: what the application may listen on, and where output
  // written through it waits (Deno's own console writes synchronously).
  const proc = getProcess();
  let uninstall: (() => void) | undefined;
  const debug = debugFlag(deno);

  const drain = (): Promise<void> => (proc ? flushStdio(proc, STDIO_FLUSH_LIMIT_MS) : Promise.resolve());
  const end = async (code: number): Promise<void> => {
    await drain();
    deno.exit(code);
  };

  const install = (registry: Registry): void => {
    const { awaitCrash, extraSignals } = registry.config;
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
    // With awaitCrash, cancel it ourselves, print Deno's report, await the
    // callbacks and end with 1; a crash while they run ends synchronously.
    let awaitedCrash: (Trigger & { readonly code: number }) | undefined;
    const onCrash = (reason: Crash["reason"], event: Event, error: unknown): void => {
      if (event.defaultPrevented) return;
      // The first crash is the cause: one during the awaited crash run does not replace it.
      const trigger = awaitedCrash ?? ({ reason, code: 1, error, runtime: "deno", final: true } as const);
      if (awaitCrash && phase === "live") {
        awaitedCrash = trigger;
        event.preventDefault();
        const shown = error instanceof Error && error.stack ? error.stack : (deno.inspect?.(error) ?? String(error));
        console.error(`error: Uncaught ${reason === "rejection" ? "(in promise) " : ""}${shown}`);
        phase = "ending";
        return void awaitedEnd(registry, trigger, end);
      }
      registry.runNow(trigger);
    };
    const onError = (event: Event): void => onCrash("exception", event, (event as ErrorEvent).error);
    const onRejection = (event: Event): void => onCrash("rejection", event, (event as PromiseRejectionEvent).reason);

    const onSignal = signalHandler(
      registry,
      {
        pid: deno.pid,
        windows,
        appOwns: (signal) => {
          // node:process listeners can be counted (at once, before the app's own
          // listener may end the process), and signal-exit's are not the application's.
          const nodeListeners = proc?.listenerCount(signal) ?? 0;
          if (nodeListeners - (proc ? signalExitListeners(proc) : 0) > 0) return true;
          // signal-exit's listeners hold the signal too, and would hide a Deno one.
          if (nodeListeners > 0) return false;
          const ours = signalListeners.find(([name]) => name === signal)?.[1];
          // Deno calls every listener of a signal in one synchronous loop; look
          // once it is over, so taking ours off and on cannot disturb it.
          return Promise.resolve().then(() => ours !== undefined && heldByOthers(deno, signal, ours));
        },
        // Deno lets a program signal its own pid without --allow-run.
        kill: (pid, signal) => deno.kill(pid, signal),
        exit: (code) => deno.exit(code),
        flush: drain,
        end,
        onRun: () => void (phase = "ending"),
        ...(debug && { debug: printDebug }),
      },
      "deno",
    );
    // Windows delivers only SIGINT and SIGBREAK to Deno's listeners.
    // `?? []`: a registry made by an older copy of atexit has no such setting.
    const signals = windows ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP", ...(extraSignals ?? [])];
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
    ...(debug && { debug }),
  };
}
