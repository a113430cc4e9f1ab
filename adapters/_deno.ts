// Deno as a server host (see _engine.ts), for the `deno` entry and the
// run-time-detecting entry. Deno's own exit events are web events on
// globalThis; it never fires `unload` on a signal (deno#11752) nor after an
// uncaught error (deno#3603), so those paths have listeners of their own.
//
// | Deno event                                | exit path (ExitPaths)                | listener       |
// |-------------------------------------------|--------------------------------------|----------------|
// | `beforeunload` (the event loop is empty)  | `natural()`: awaited (the event is   | onBeforeUnload |
// |                                           |   cancelled once), then it ends      |                |
// | `unload`, node:process `exit`             | `last(code)`: what is left, now      | onUnload       |
// |   (Deno.exit(), process.exit())           |                                      |                |
// | `error`, `unhandledrejection`             | `crash()` then `last(1)`; with       | onError,       |
// |                                           |   awaitCrash, `awaitCrash()`         |   onRejection  |
// | node:process `internalMessage` (a         | `stop()`: awaited, then 0            | onDisconnect   |
// |   node:cluster primary's disconnect)      |                                      |                |
// | Deno.addSignalListener: SIGINT, SIGTERM,  | `signal()`: awaited, then re-raised  | (per signal)   |
// |   SIGHUP, SIGPWR, SIGXCPU, extraSignals   |   (_signal.ts)                       |                |
import type { Adapter } from "../src/protocol.ts";
import { debugRequested } from "./_debug.ts";
import { serverAdapter } from "./_engine.ts";
import type { CrashReason } from "./_host.ts";
import { clusterListener, flushStdio, getProcess, keepLast, STDIO_FLUSH_LIMIT_MS } from "./_process.ts";
import { signalExitListeners } from "./_signal.ts";
import { DENO_UNRAISABLE, denoSignals } from "./_signals.ts";
import type { DenoLike } from "./types/deno.ts";

type Internals = { readonly core?: { resources?(): Record<string, string> } };

/** `globalThis.Deno`, if this host is Deno. */
export const getDeno = (): DenoLike | undefined => (globalThis as unknown as { Deno?: DenoLike }).Deno;

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

/** The adapter for Deno. */
export function denoAdapter(deno: DenoLike): Adapter {
  const windows = deno.build.os === "windows";
  // Deno's node:process: what the application may listen on, and where output
  // written through it waits (Deno's own console writes synchronously).
  const proc = getProcess();
  // Our listener per signal, for the ownership probe: set at each install.
  let ours = new Map<string, () => void>();

  return serverAdapter({
    runtime: "deno",
    pid: deno.pid,
    windows,
    unraisable: DENO_UNRAISABLE,
    debug: debugFlag(deno),
    code: () => deno.exitCode,
    setCode: (code) => void (deno.exitCode = code),
    exit: (code) => deno.exit(code),
    // Deno lets a program signal its own pid without --allow-run.
    kill: (pid, signal) => deno.kill(pid, signal),
    flush: () => (proc ? flushStdio(proc, STDIO_FLUSH_LIMIT_MS) : Promise.resolve()),
    appOwns: (signal) => {
      // node:process listeners can be counted (at once, before the app's own
      // listener may end the process), and signal-exit's are not the application's.
      const nodeListeners = proc?.listenerCount(signal) ?? 0;
      if (nodeListeners - (proc ? signalExitListeners(proc) : 0) > 0) return true;
      // signal-exit's listeners hold the signal too, and would hide a Deno one.
      if (nodeListeners > 0) return false;
      const listener = ours.get(signal);
      // Deno calls every listener of a signal in one synchronous loop; look
      // once it is over, so taking ours off and on cannot disturb it. Ours
      // removed meanwhile (the registry emptied in that loop) stays removed.
      return Promise.resolve().then(() => listener !== undefined && ours.get(signal) === listener && heldByOthers(deno, signal, listener));
    },
    printCrash: (reason, error) => {
      const shown = error instanceof Error && error.stack ? error.stack : (deno.inspect?.(error) ?? String(error));
      console.error(`error: Uncaught ${reason === "rejection" ? "(in promise) " : ""}${shown}`);
    },
    listen: (paths, { awaitCrash, extraSignals }) => {
      // Natural end. Cancelling beforeunload once keeps the event loop going
      // while the callbacks are awaited; Deno fires it again when the loop is
      // empty, and then we let the program end (and keep Deno.exitCode).
      const onBeforeUnload = (event: Event): void => {
        if (paths.natural()) event.preventDefault();
      };
      // Deno.exit(), process.exit() and the natural end all pass here, synchronously:
      // `unload` on the main thread, node:process `exit` too (the only event a
      // node:worker_threads worker gets when it ends: no beforeunload there).
      const onUnload = (): void => paths.last(deno.exitCode);
      // An uncaught error or rejection ends Deno with 1 and its own report, and
      // no `unload`: the callbacks run here, unless the application handles it:
      // it cancelled the event, or listens on node:process, whose listeners
      // Deno calls after this one for a rejection (an uncaughtException one
      // too, as Node does). With awaitCrash we cancel it ourselves and the
      // engine takes it over; a crash while the callbacks run ends synchronously.
      const handledBy = (reason: CrashReason): string[] =>
        reason === "rejection" ? ["unhandledRejection", "uncaughtException"] : ["uncaughtException"];
      const onCrash = (reason: CrashReason, event: Event, error: unknown): void => {
        if (event.defaultPrevented || handledBy(reason).some((name) => (proc?.listenerCount(name) ?? 0) > 0)) return;
        if (awaitCrash && paths.awaitCrash(reason, error)) return event.preventDefault();
        paths.crash(reason, error);
        paths.last(1);
      };
      const onError = (event: Event): void => onCrash("exception", event, (event as ErrorEvent).error);
      const onRejection = (event: Event): void => onCrash("rejection", event, (event as PromiseRejectionEvent).reason);
      const signals = denoSignals(deno.build.os, extraSignals).map((signal) => [signal, (): void => paths.signal(signal)] as const);
      ours = new Map(signals);

      const events = [
        ["beforeunload", onBeforeUnload],
        ["unload", onUnload],
        ["error", onError],
        ["unhandledrejection", onRejection],
      ] as const;
      for (const [event, listener] of events) addEventListener(event, listener);
      for (const [signal, listener] of signals) deno.addSignalListener(signal, listener);
      proc?.on("exit", onUnload);
      const onDisconnect = proc && clusterListener(proc, paths);
      if (onDisconnect) proc.on("internalMessage", onDisconnect);
      // process.exit() fires node:process `exit` before `unload`: kept last
      // there, ours sees the status an application's `exit` listener sets.
      const stopKeeping = proc && keepLast(proc, "exit", onUnload);
      return () => {
        ours = new Map();
        stopKeeping?.();
        proc?.off("exit", onUnload);
        if (onDisconnect) proc.off("internalMessage", onDisconnect);
        for (const [event, listener] of events) removeEventListener(event, listener);
        for (const [signal, listener] of signals) deno.removeSignalListener(signal, listener);
      };
    },
  });
}
