// ready(): tells the supervisor the service is ready, feeds systemd's
// watchdog, and tells systemd how long the stop takes once an exit run
// begins. Every server entry binds it to its runtime through a `ReadyHost`.
//
// | supervisor | how it is found                        | what it is told                                   |
// |------------|----------------------------------------|---------------------------------------------------|
// | systemd    | `NOTIFY_SOCKET`                        | `READY=1`; `WATCHDOG=1` every `WATCHDOG_USEC` / 2 |
// |            |                                        | (if `WATCHDOG_PID`, when set, is this process);   |
// |            |                                        | at an exit run, `STOPPING=1` and                  |
// |            |                                        | `EXTEND_TIMEOUT_USEC` (_notify.ts sends them)     |
// | PM2        | `pm_id` (PM2 sets it in every process  | `process.send("ready")` (`--wait-ready`)          |
// |            | it starts) and an IPC channel          |                                                   |
import type { LazyAdapter } from "../src/api.ts";
import type { Run, SharedState, Trigger } from "../src/protocol.ts";
import { sharedState } from "../src/realm.ts";
import { MAX_TIMER_MS } from "../src/time.ts";
import type { AtexitConfig } from "../src/types.ts";
import { loadChildProcess, NOTIFY_WAIT_MS, notifier, type Notify, type Unref } from "./_notify.ts";
import { getProcess, STDIO_FLUSH_LIMIT_MS } from "./_process.ts";
import type { DenoLike } from "./types/deno.ts";
import type { ProcessLike } from "./types/process.ts";

/** What ready() needs of a runtime. */
export interface ReadyHost {
  readonly pid: number;
  /** An environment variable, or undefined where it is not set (or may not be read). */
  env(name: string): string | undefined;
  /** Loads the systemd transport; rejects where it cannot be had. */
  systemd(): Promise<Notify>;
  /** Sends a message to the parent over the IPC channel, where there is one; settles once it has left. */
  readonly send: ((message: string) => Promise<void>) | undefined;
  readonly unref: Unref;
}

/**
 * Tells the supervisor the service is ready, once per program (every copy of
 * atexit shares the first call's promise). Never rejects: a failure to send is
 * one `[atexit]` line on stderr, and the supervisor's own timeout says the rest.
 */
export function readyWith(host: () => ReadyHost | undefined): Promise<void> {
  const state = sharedState();
  return (state.ready ??= announce(host(), state));
}

async function announce(host: ReadyHost | undefined, state: SharedState): Promise<void> {
  if (!host) return;
  const socket = host.env("NOTIFY_SOCKET");
  const pm2 = host.env("pm_id") !== undefined ? host.send : undefined;
  await Promise.all([socket ? toSystemd(host, state) : undefined, pm2 ? toPm2(pm2) : undefined]);
}

function fail(error: unknown): void {
  console.error(`[atexit] ready() could not tell the supervisor: ${error instanceof Error ? error.message : String(error)}`);
}

async function toSystemd(host: ReadyHost, state: SharedState): Promise<void> {
  let notify: Notify;
  try {
    notify = await host.systemd();
  } catch (error) {
    return fail(new Error(`systemd-notify cannot be run here (${error instanceof Error ? error.message : String(error)})`));
  }
  // Installed before READY=1 goes: a stop that comes meanwhile is announced too.
  state.onAwaitedRun = stopping(notify);
  feedWatchdog(host, notify);
  await notify(["READY=1"], { hold: true }).catch(fail);
}

/** What an awaited run's start sends: a run that ends the program tells systemd it is stopping, and for how long. */
export function stopping(notify: Notify): (run: Run, trigger: Trigger, config: AtexitConfig) => void {
  return (run, trigger, config) => {
    if (!trigger.final) return;
    const left = Math.max(0, run.startedAt + config.totalTimeout - Date.now());
    // After the deadline the callbacks left are called without a wait, and a
    // forced end then waits up to STDIO_FLUSH_LIMIT_MS for stdout and stderr;
    // one more second covers the runtime's own end and the message's way to
    // systemd (milliseconds, measured).
    const margin = STDIO_FLUSH_LIMIT_MS + 1000;
    // An unbounded run has no deadline to tell: systemd's own TimeoutStopSec= holds.
    const extend = Number.isFinite(left) ? [`EXTEND_TIMEOUT_USEC=${Math.ceil(left + margin) * 1000}`] : [];
    void notify(["STOPPING=1", ...extend]).catch(() => {});
  };
}

/**
 * `WATCHDOG=1` every `WATCHDOG_USEC` / 2 while the program runs and while it
 * ends (systemd kills a service it does not hear from within WATCHDOG_USEC),
 * on a timer that never keeps the program alive. Not when `WATCHDOG_PID`
 * names another process (the watchdog is that one's to feed).
 */
export function feedWatchdog(host: ReadyHost, notify: Notify): void {
  const usec = Number(host.env("WATCHDOG_USEC"));
  const pid = host.env("WATCHDOG_PID");
  if (!(usec > 0) || (pid !== undefined && pid !== String(host.pid))) return;
  const every = Math.min(usec / 2000, MAX_TIMER_MS);
  const ping = (): void => {
    void notify(["WATCHDOG=1"]).catch(() => {});
    host.unref(setTimeout(ping, every));
  };
  host.unref(setTimeout(ping, every));
}

async function toPm2(send: (message: string) => Promise<void>): Promise<void> {
  await send("ready").catch(fail);
}

/** `proc.send` as a promise that settles when the message has left, or after NOTIFY_WAIT_MS. */
function sendOver(proc: ProcessLike): ReadyHost["send"] {
  if (typeof proc.send !== "function") return undefined;
  return (message) =>
    new Promise<void>((resolve, reject) => {
      // Held, as READY=1 is (see NotifyOptions): `await ready()` must not end the program.
      const timer = setTimeout(resolve, NOTIFY_WAIT_MS);
      proc.send!(message, (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      });
    });
}

/** Node's and Bun's `process` as ready()'s host. */
export function processReadyHost(proc: ProcessLike): ReadyHost {
  const unrefNode: Unref = (timer) => (timer as { unref?(): void }).unref?.();
  return {
    pid: proc.pid,
    env: (name) => proc.env?.[name],
    systemd: () => loadChildProcess(proc).then((module) => notifier(module, unrefNode)),
    send: sendOver(proc),
    unref: unrefNode,
  };
}

/**
 * ready()'s host for the `node` or `bun` entry: its adapter first (a wrong
 * entry throws there, as register() does), then that runtime's `process`.
 */
export const processEntryReadyHost =
  (adapter: LazyAdapter, runtime: "node" | "bun") =>
  (): ReadyHost | undefined => {
    const proc = adapter().runtime === runtime ? getProcess() : undefined;
    return proc && processReadyHost(proc);
  };

/**
 * Deno as ready()'s host. It reads a variable only where `--allow-env` grants
 * it: asking would prompt at a terminal. It sends through node:child_process
 * (`--allow-run=systemd-notify`) and node:process's IPC channel.
 */
export function denoReadyHost(deno: DenoLike): ReadyHost {
  const unref: Unref = (timer) => deno.unrefTimer?.(timer as unknown as number);
  const proc = getProcess();
  return {
    pid: deno.pid,
    env: (name) => {
      try {
        return deno.permissions?.querySync?.({ name: "env", variable: name }).state === "granted" ? deno.env?.get(name) : undefined;
      } catch {
        return undefined;
      }
    },
    systemd: () => loadChildProcess(proc).then((module) => notifier(module, unref)),
    send: proc && sendOver(proc),
    unref,
  };
}
