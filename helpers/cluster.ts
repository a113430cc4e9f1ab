/**
 * Programs of more than one process. In a `node:cluster` primary,
 * `superviseWorkers()` makes the primary's end the workers' end: on an exit
 * path that can wait, each live worker is disconnected, which in a worker is
 * an exit path of its own (its callbacks run awaited, its `drain` finishes
 * its requests, then it exits 0), and the primary's own callbacks run once
 * the workers are gone. Works with the `node:cluster` of Node, Deno and Bun.
 * `endOnExit(worker)` does the same for a worker thread (`node:worker_threads`,
 * or a web Worker of Deno or Bun): the worker's callbacks are awaited, then
 * its thread ends, before the program's own callbacks.
 *
 * @example
 * ```ts
 * import cluster from "node:cluster";
 * import { createServer } from "node:http";
 * import { register } from "atexit";
 * import { superviseWorkers } from "atexit/cluster";
 * import { drain } from "atexit/http";
 *
 * if (cluster.isPrimary) {
 *   superviseWorkers({ timeout: 8000 });
 *   for (let i = 0; i < 2; i++) cluster.fork();
 * } else {
 *   const server = createServer((request, response) => response.end("ok")).listen(8080);
 *   drain(server);
 *   register(() => console.log("worker done"));
 * }
 * ```
 *
 * @module
 */

import { picked } from "../adapters/_pick.ts";
import type { ClusterLike, ClusterWorker } from "../adapters/types/cluster.ts";
import type { ProcessLike } from "../adapters/types/process.ts";
import { registerWith } from "../src/api.ts";
import { settled } from "../src/time.ts";
import type { ExitEvent, Registration } from "../src/types.ts";
import { type Check, checkOptions, duration, reasonOf } from "../src/validate.ts";

export type { ClusterLike, ClusterWorker };
export { endOnExit, type EndOptions, type NodeWorker, type ThreadWorker, type WebWorker } from "./_threads.ts";

/** Options for {@linkcode superviseWorkers}. */
export interface SuperviseOptions {
  /**
   * How long to wait, once the workers are disconnected, for them to end
   * before SIGKILL, in ms. Default 5000 (a worker's default callback time
   * limit). Give the workers the time their own callbacks need, and the
   * primary a `totalTimeout` above this one (its deadline bounds the wait).
   */
  readonly timeout?: number | undefined;
}

/** After SIGKILL, how long to wait for the workers to be gone before the callback gives up. */
const KILL_WAIT_MS = 1000;

const superviseChecks: Readonly<Record<keyof SuperviseOptions, Check>> = { timeout: duration };

/** `node:cluster`, reached without an import (the library's code imports no runtime module). */
function clusterModule(): ClusterLike {
  let cluster: unknown;
  try {
    const proc = (globalThis as unknown as { process?: Partial<ProcessLike> | null }).process;
    cluster = proc?.getBuiltinModule?.("node:cluster");
  } catch (error) {
    throw new TypeError(`[atexit] superviseWorkers() could not load node:cluster: ${reasonOf(error)}`, { cause: error });
  }
  if (typeof cluster !== "object" || cluster === null) {
    throw new TypeError("[atexit] superviseWorkers() needs node:cluster, through process.getBuiltinModule (Node.js 20.16 or later, Deno, Bun)");
  }
  return cluster as ClusterLike;
}

/** The workers not yet dead. */
const liveWorkers = (cluster: ClusterLike): ClusterWorker[] =>
  Object.values(cluster.workers ?? {}).filter((worker): worker is ClusterWorker => worker !== undefined && !worker.isDead());

/**
 * Disconnects `workers`, waits up to `timeout` ms (or until `deadline`
 * aborts) for all of them to end, then kills those left with SIGKILL and
 * waits for them a little longer.
 */
async function endWorkers(workers: ClusterWorker[], timeout: number, deadline: AbortSignal): Promise<void> {
  // Listened to before the disconnect: a worker with nothing to finish may be gone at once.
  const ended = Promise.all(workers.map((worker) => new Promise<void>((resolve) => void worker.once("exit", resolve))));
  for (const worker of workers) {
    try {
      worker.disconnect();
    } catch {
      // Its channel is already closed: it is ending, and its `exit` comes all the same.
    }
  }
  if (await settled(ended, timeout, deadline)) return;
  for (const worker of workers) if (!worker.isDead()) worker.process.kill("SIGKILL");
  await settled(ended, KILL_WAIT_MS);
}

/**
 * Ends the cluster's workers before the primary's own callbacks, on the
 * primary's exit paths that can wait (a signal, the natural end, `exit()`):
 * each live worker is disconnected (`worker.disconnect()`); in the worker,
 * atexit takes that as an exit path (reason `"exit"`): its callbacks run
 * awaited, `drain` finishes the requests under way, and it exits with 0
 * (or the status it set). The primary waits up to `timeout` ms for them,
 * kills those left with SIGKILL, then runs its own callbacks and ends as its
 * exit path ends it (on a signal, by that signal). The callback runs in the
 * `first` phase, before the primary's ordinary callbacks.
 *
 * On the paths that cannot wait (`process.exit()` or a crash in the
 * primary) it does nothing: the runtime ends a worker whose primary is gone,
 * and the worker's callbacks run then, synchronously. A terminal's Ctrl+C
 * reaches every process of the group: each worker runs its callbacks once,
 * for its own SIGINT, and the disconnect that follows changes nothing there.
 * Replacing a worker that dies stays the application's business: test
 * `worker.exitedAfterDisconnect` in a `cluster.on("exit")` listener that
 * forks, so that the workers ended here are not replaced.
 *
 * @param options `timeout` ({@linkcode SuperviseOptions}).
 * @returns The registration: call it (or dispose of it) to leave the workers alone after all.
 * @throws {TypeError} If called in a worker, where `node:cluster` cannot be reached, or if an option is wrong.
 * @throws {RangeError} If `timeout` is negative.
 *
 * @example
 * ```ts
 * import cluster from "node:cluster";
 * import { superviseWorkers } from "atexit/cluster";
 *
 * if (cluster.isPrimary) {
 *   superviseWorkers();
 *   cluster.fork();
 *   // Replace a worker that dies, not one that atexit ended.
 *   cluster.on("exit", (worker) => {
 *     if (!worker.exitedAfterDisconnect) cluster.fork();
 *   });
 * }
 * ```
 */
export function superviseWorkers(options?: SuperviseOptions): Registration {
  const checked = checkOptions("superviseWorkers", options, superviseChecks) as SuperviseOptions;
  const cluster = clusterModule();
  if (!(cluster.isPrimary ?? cluster.isMaster)) {
    throw new TypeError("[atexit] superviseWorkers() is for the cluster's primary: in a worker, the primary's disconnect already ends it through atexit");
  }
  const timeout = checked.timeout ?? 5000;
  const stop = (event: ExitEvent): Promise<void> | undefined => {
    // An invocation's end (atexit/request) is not the program's; a path that
    // cannot wait leaves the workers to the runtime (see above).
    if (event.reason === "request" || !event.awaited) return undefined;
    return endWorkers(liveWorkers(cluster), timeout, event.deadline);
  };
  return registerWith(picked, stop, {
    name: "superviseWorkers",
    first: true,
    // Room for the wait, SIGKILL and its wait: the callback's own limit must not cut them short.
    timeout: timeout + KILL_WAIT_MS + 500,
  });
}
