// What the process runtimes (Node.js, Bun, and Deno's node:process) share:
// finding a usable `process`, the status, stdout and stderr flushed before a
// forced end, keeping a listener last, a cluster primary's disconnect, and
// a parent thread's request to end.
import { assertRuntime, detect } from "../src/detect.ts";
import type { Adapter } from "../src/protocol.ts";
import { ASK, END, GONE, LISTENING, threadChannel } from "../src/thread.ts";
import { within } from "../src/time.ts";
import type { ExitPaths } from "./_host.ts";
import type { ProcessLike } from "./types/process.ts";
import type { ChannelEnd, WorkerThreadsLike } from "./types/threads.ts";

/**
 * `globalThis.process`, if this host has one that atexit can listen on:
 * some sandboxes blank it (`{}`, `null`), and then there is none.
 */
export function getProcess(): ProcessLike | undefined {
  try {
    const proc = (globalThis as unknown as { process?: Partial<ProcessLike> | null }).process;
    const usable = typeof proc?.on === "function" && typeof proc.off === "function" && typeof proc.listenerCount === "function";
    return usable && typeof proc.kill === "function" && typeof proc.exit === "function" ? (proc as ProcessLike) : undefined;
  } catch {
    // A process whose getters throw is not one to listen on either.
    return undefined;
  }
}

/**
 * The adapter of an entry for a runtime whose exit events come through its
 * `process` (Node.js, Bun): another known runtime is refused, naming both;
 * a host without a usable `process` gets the fallback's, which hooks nothing
 * (its callbacks run through `exit()` and `runHandlers()`).
 */
export function processEntryAdapter(expected: "node" | "bun", entry: string, make: (proc: ProcessLike) => Adapter): Adapter {
  const actual = detect();
  assertRuntime(expected, entry, actual);
  const proc = getProcess();
  return proc && actual === expected ? make(proc) : { runtime: actual };
}

/** `process.exitCode` as a number (Node accepts numeric strings there). */
export function currentExitCode(proc: ProcessLike): number {
  const code = Number(proc.exitCode ?? 0);
  return Number.isInteger(code) ? code : 0;
}

/**
 * A `newListener` listener that keeps `ours` the last listener of `event`:
 * each time the application adds one of its own, ours moves behind it once
 * the adding code's turn is over (the listener is added only after
 * `newListener` returns). An `exit` listener added later may set
 * `process.exitCode`, and the runtime ends with what the last one left, so
 * atexit's, last, reads the status the program really ends with (a listener
 * added in the same turn as the exit itself stays after ours). Returns what
 * stops it.
 */
export function keepLast(proc: ProcessLike, event: string, ours: (...args: never[]) => void): () => void {
  let keeping = true;
  const onNewListener = (added: unknown, listener: unknown): void => {
    if (added !== event || listener === ours) return;
    queueMicrotask(() => {
      if (!keeping) return;
      proc.off(event, ours);
      proc.on(event, ours);
    });
  };
  proc.on("newListener", onNewListener);
  return () => {
    keeping = false;
    proc.off("newListener", onNewListener);
  };
}

/** How long a forced end waits for stdout/stderr to flush into a pipe. */
export const STDIO_FLUSH_LIMIT_MS = 2000;

/**
 * Waits until what was written to stdout and stderr has reached the OS, at most
 * `limitMs`. A forced end (`process.exit`, a re-raised signal) drops writes
 * still queued for a pipe, which cuts large output read by a slow parent.
 */
export function flushStdio(proc: ProcessLike, limitMs: number): Promise<unknown> {
  const streams = [proc.stdout, proc.stderr].filter((stream) => stream && (stream.writableLength ?? 0) > 0);
  return within(
    streams.map((stream) => new Promise<void>((resolve) => stream!.write("", resolve))),
    limitMs,
  );
}

/**
 * The `internalMessage` listener that makes a `node:cluster` primary's
 * `worker.disconnect()` an exit path of the worker (`stop`: awaited, then
 * status 0), for a process with an IPC channel. The runtime's cluster code
 * hears the same message and only closes the worker's servers, then waits
 * for their connections (idle keep-alive ones included) and leaves the
 * process to end by itself, which a timer or a pool would prevent; with this,
 * `drain` ends those connections and the worker's callbacks run awaited. The
 * message is internal to node:cluster: `{ cmd: "NODE_CLUSTER", act:
 * "disconnect" }` on Node and Deno, `{ act: "disconnect" }` on Bun (measured
 * on Node 20, Deno 2.9, Bun 1.4); the worker no longer has `NODE_UNIQUE_ID`
 * in its environment by the time it runs, so the channel is what tells.
 */
export function clusterListener(proc: ProcessLike, paths: Pick<ExitPaths, "stop">): ((message: unknown) => void) | undefined {
  try {
    if (!proc.channel) return undefined;
  } catch {
    // Deno's workers throw on reading it ("not supported in workers"): no channel there.
    return undefined;
  }
  return (message) => {
    if ((message as { act?: unknown } | null)?.act === "disconnect") paths.stop();
  };
}

/**
 * In a worker thread, makes its parent's `endOnExit` request an exit path
 * (`stop`: awaited, then the thread ends with its status: `process.exit()`
 * in a worker ends only the thread, on Node and Bun) over atexit's channel
 * (src/thread.ts); returns what closes it. The channel is unref'd: a worker
 * that would end by itself still does. Whether this is a worker is read
 * first without node:worker_threads, whose load costs 1.4 ms on Node's main
 * thread and 25 ms on Bun's (measured, Node 20, Bun 1.4): Bun says it in
 * `Bun.isMainThread`, Node by `process.chdir.disabled`. Deno's channel has no
 * `unref` and would hold every worker open: not listened to there.
 */
export function threadListener(proc: ProcessLike, paths: Pick<ExitPaths, "stop">): (() => void) | undefined {
  const bun = (globalThis as { Bun?: { isMainThread?: unknown } }).Bun;
  if (!(bun ? bun.isMainThread === false : proc.chdir?.disabled === true)) return undefined;
  const threads = proc.getBuiltinModule?.("node:worker_threads") as WorkerThreadsLike | undefined;
  if (!threads || threads.isMainThread) return undefined;
  const channel = new BroadcastChannel(threadChannel(threads.threadId)) as unknown as ChannelEnd;
  channel.onmessage = ({ data }) => {
    if (data === END) paths.stop();
    else if (data === ASK) channel.postMessage(LISTENING);
  };
  channel.unref?.();
  channel.postMessage(LISTENING);
  return () => {
    channel.postMessage(GONE);
    channel.close();
  };
}
