// The exit engine every server runtime shares (Node.js, Bun, Deno). It owns
// the stages of an ending program and what each exit path does: the awaited
// natural end, the runtime's last synchronous event, crashes (observed, or
// taken over with `awaitCrash`), a supervisor's request to stop, termination
// signals, and ending with the output flushed. Each runtime's file describes
// only its host (a `ServerHost`): how to listen, read and set the status,
// kill, exit and flush output, with that runtime's quirks. A new exit path is added
// here, once, and each host wires its event to it (each host file opens with
// a table of its runtime's events and the path each one takes).
import type { Adapter, SharedRegistry, Trigger } from "../src/protocol.ts";
import { reportRuns } from "../src/exit-report.ts";
import { finalStatus, runAwaited, runSync } from "../src/run.ts";
import { printCut, printDebug } from "./_debug.ts";
import { listening } from "./_listening.ts";
import type { CrashReason, ExitPaths, ServerHost, Status } from "./_host.ts";
import { signalHandler } from "./_signal.ts";

/**
 * Builds the adapter for a server runtime from its host. All state lives in
 * the closure made at each install, so a reinstall starts clean.
 */
export function serverAdapter(host: ServerHost): Adapter {
  // Before a forced end, piped output must be flushed, or the runtime drops what is still queued.
  const end = async (code: number): Promise<void> => {
    await host.flush();
    host.exit(code);
  };
  return {
    runtime: host.runtime,
    ...listening((registry) => {
      // The runs are reported on the `atexit:report` diagnostics channel when it has subscribers.
      reportRuns(host.runtime);
      return host.listen(exitPaths(registry, host, end), registry.config);
    }),
    currentCode: host.code,
    exitProcess: end,
    ...(host.debug && { reportCut: printCut, debug: printDebug }),
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

  const stop = (): void => {
    if (stage !== "live") return;
    stage = "ending";
    void awaitedEnd(registry, { reason: "exit", code: host.code(), runtime, final: true }, end);
  };

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
      if (shutdownMessage !== undefined && message === shutdownMessage) stop();
    },
    stop,
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
 * with `awaitCrash`, a supervisor's request to stop): await the callbacks,
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
