// Node.js's process as a server host (see _engine.ts), shared by the `node`
// entry, the run-time-detecting entry and Bun, whose process is the same API
// with corrections of its own: those live in _bun.ts and come in as quirks.
//
// | Node.js event                          | exit path (ExitPaths)               | listener      |
// |----------------------------------------|-------------------------------------|---------------|
// | `beforeExit` (the event loop is empty) | `natural()`: awaited, then it ends  | onBeforeExit  |
// | `exit` (process.exit(), a crash, the   | `last(code)`: what is left, now     | onExit        |
// |   natural end's last event)            |                                     |               |
// | `uncaughtExceptionMonitor`             | `crash()`: the cause, for `exit`    | onCrash       |
// | `uncaughtException` (with awaitCrash)  | `awaitCrash()`: awaited, then 1     | onUncaught    |
// | `message` (with shutdownMessage)       | `message()`: awaited, then 0        | (inline)      |
// | `internalMessage` (a node:cluster      | `stop()`: awaited, then 0           | onDisconnect  |
// |   primary's `worker.disconnect()`)     |                                     |               |
// | in a worker thread, its parent's       | `stop()`: awaited, then the thread  | threadListener|
// |   `endOnExit` request (_process.ts)    |   ends with its status              |   (_process)  |
// | SIGINT, SIGTERM, SIGHUP, SIGPWR,       | `signal()`: awaited, then re-raised | (per signal)  |
// |   SIGXCPU, the extraSignals            |   (_signal.ts)                      |               |
import type { Adapter } from "../src/protocol.ts";
import type { AtexitConfig } from "../src/types.ts";
import { debugRequested } from "./_debug.ts";
import { serverAdapter } from "./_engine.ts";
import type { CrashReason, ExitPaths, ServerHost } from "./_host.ts";
import { clusterListener, currentExitCode, flushStdio, keepLast, STDIO_FLUSH_LIMIT_MS, threadListener } from "./_process.ts";
import { signalExitListeners } from "./_signal.ts";
import { exitSignals } from "./_signals.ts";
import type { ChannelLike, ProcessLike } from "./types/process.ts";

/** A process event and the listener atexit adds for it. */
export type Listener = readonly [string, (...args: never[]) => void];

/** What a process host's listeners get to work with, for a runtime's own listeners too. */
export interface ProcessWiring {
  readonly paths: ExitPaths;
  readonly config: AtexitConfig;
  /** `awaitCrash`: hands an uncaught error to the engine, or ends with 1 if the program is already ending. */
  takeOver(reason: CrashReason, error: unknown): void;
}

/** Where a runtime's `process` differs from Node's: its part of the host as it is, and its own listeners. */
export interface ProcessQuirks extends Pick<ServerHost, "flush" | "printCrash"> {
  readonly runtime: "node" | "bun";
  /** Called when the event loop is empty, in place of starting the natural end at once. */
  beforeExit?(paths: ExitPaths): void;
  /** Listeners the runtime needs beside Node's set. */
  listeners?(wiring: ProcessWiring): Listener[];
  /** Takes back the hold atexit's `message` listener puts on the IPC channel. */
  releaseChannel(channel: ChannelLike, appHeld: boolean): void;
  /** Signals the runtime never hands to a listener: not listened to. */
  readonly unheard?: readonly string[];
}

/** The handles behind a stdout or stderr whose writes can wait in a queue. */
const QUEUEING_HANDLES: readonly string[] = ["PipeWrap", "TTYWrap", "TCPWrap"];

/**
 * Whether Node may have made stdout or stderr as a stream with a handle. It
 * makes them on first use, and making them costs milliseconds (4-27 ms
 * measured for two pipes): a program that never wrote to them has nothing to
 * flush, and the exit path must not make them to find that out. Their
 * handles are among the active resources once they exist (a file is written
 * synchronously and has none). Node only: Deno and Bun always answer `[]`.
 */
function mayHaveStdio(proc: ProcessLike): boolean {
  if (typeof proc.getActiveResourcesInfo !== "function") return true;
  return proc.getActiveResourcesInfo().some((resource) => QUEUEING_HANDLES.includes(resource));
}

/** Node's part of its host: the flush, the crash report, the channel's hold. */
export const nodeQuirks = (proc: ProcessLike): ProcessQuirks => ({
  runtime: "node",
  flush: () => (mayHaveStdio(proc) ? flushStdio(proc, STDIO_FLUSH_LIMIT_MS) : Promise.resolve()),
  printCrash: (_reason, error) => {
    console.error(error);
    console.error(`\nNode.js ${proc.version ?? ""}`);
  },
  // Node counts the holds on the channel: exactly ours goes.
  releaseChannel: (channel) => channel.unrefCounted?.(),
});

/** The adapter for Node.js's `process`. */
export const nodeAdapter = (proc: ProcessLike): Adapter => serverAdapter(processHost(proc, nodeQuirks(proc)));

/** A Node-compatible `process` as a server host, with the runtime's quirks. */
export function processHost(proc: ProcessLike, quirks: ProcessQuirks): ServerHost {
  return {
    // Its runtime, flush and printCrash (and its own listeners, which the engine ignores).
    ...quirks,
    pid: proc.pid,
    windows: proc.platform === "win32",
    debug: debugRequested(proc.env?.ATEXIT_DEBUG),
    code: () => currentExitCode(proc),
    setCode: (code) => void (proc.exitCode = code),
    exit: (code) => proc.exit(code),
    kill: (pid, signal) => void proc.kill(pid, signal),
    // Our own listener is one of them; signal-exit's are not the application's.
    appOwns: (signal) => proc.listenerCount(signal) - 1 - signalExitListeners(proc) > 0,
    listen: (paths, config) => listen(proc, quirks, { paths, config, takeOver: takeOver(proc, quirks, paths) }),
  };
}

function takeOver(proc: ProcessLike, quirks: ProcessQuirks, paths: ExitPaths): ProcessWiring["takeOver"] {
  return (reason, error) => {
    if (paths.awaitCrash(reason, error)) return;
    // A crash while the callbacks run: our listener stopped the runtime's
    // report and exit, so both are ours, and the callbacks left run at `exit`.
    quirks.printCrash(reason, error);
    proc.exit(1);
  };
}

function listen(proc: ProcessLike, quirks: ProcessQuirks, wiring: ProcessWiring): () => void {
  const { paths, config } = wiring;
  const reasonOf = (origin: unknown): CrashReason => (origin === "unhandledRejection" ? "rejection" : "exception");
  // Our own uncaughtException listener (awaitCrash) is not the application's.
  const ownCrashListeners = config.awaitCrash ? 1 : 0;
  const appHandlesCrashes = (): boolean => proc.listenerCount("uncaughtException") > ownCrashListeners;

  // beforeExit fires again once our run is over: the engine runs once.
  const onBeforeExit = (): void => (quirks.beforeExit ? quirks.beforeExit(paths) : void paths.natural());
  // Every end passes here last, synchronously: process.exit(), a crash, or the
  // natural end after beforeExit (then usually with nothing left to run). The
  // status is read now, not taken from the event: the runtime ends with
  // process.exitCode as the `exit` listeners leave it, and ours is kept last.
  const onExit = (code: number): void => paths.last(proc.exitCode == null ? code : currentExitCode(proc));
  // The monitor observes an uncaught error without changing Node's handling.
  // With Node's default `--unhandled-rejections=throw`, rejections arrive here too.
  const onCrash = (error: unknown, origin: unknown): void => {
    // An app's own uncaughtException listener keeps the process alive: no
    // crash. Node hands it unhandled rejections too (origin "unhandledRejection").
    if (appHandlesCrashes()) return;
    paths.crash(reasonOf(origin), error);
  };
  // awaitCrash: a listener stops the runtime's crash, so this one takes it over.
  const onUncaught = (error: unknown, origin: unknown): void => {
    if (!appHandlesCrashes()) wiring.takeOver(reasonOf(origin), error);
  };
  const ipc = config.shutdownMessage !== undefined && proc.channel ? proc.channel : undefined;
  const onDisconnect = clusterListener(proc, paths);

  const listeners: Listener[] = [
    ["beforeExit", onBeforeExit],
    ["exit", onExit],
    ["uncaughtExceptionMonitor", onCrash],
    ...(config.awaitCrash ? [["uncaughtException", onUncaught] as const] : []),
    ...(quirks.listeners?.(wiring) ?? []),
    ...(ipc ? [["message", (message: unknown) => paths.message(message)] as const] : []),
    ...(onDisconnect ? [["internalMessage", onDisconnect] as const] : []),
    // Bound per signal: a listener is not told which signal fired on every runtime.
    ...exitSignals(proc.platform, config.extraSignals)
      .filter((signal) => !quirks.unheard?.includes(signal))
      .map((signal): Listener => [signal, () => paths.signal(signal)]),
  ];
  // A `message` listener keeps the IPC channel, and so the process, alive:
  // atexit's must not, or a forked child would never end by itself.
  const appHeldChannel = ipc ? proc.listenerCount("message") > 0 : false;
  for (const [event, listener] of listeners) proc.on(event, listener);
  const stopKeeping = keepLast(proc, "exit", onExit);
  if (ipc) quirks.releaseChannel(ipc, appHeldChannel);
  const stopThread = threadListener(proc, paths);
  return () => {
    stopThread?.();
    stopKeeping();
    // Node drops the count our listener held when it is removed: hold it back first.
    ipc?.refCounted?.();
    for (const [event, listener] of listeners) proc.off(event, listener);
  };
}
