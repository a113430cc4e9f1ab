// atexit/cluster's `endOnExit`: a worker thread ended with the program that
// started it, its own callbacks awaited first. The worker's side is the
// server hosts' thread listener (adapters/_process.ts); what the two say to
// each other, and why over a channel of their own, is src/thread.ts.

import { picked } from "../adapters/_pick.ts";
import type { ChannelEnd, NodeWorker, WebWorker } from "../adapters/types/threads.ts";
import { registerWith } from "../src/api.ts";
import { ASK, END, GONE, LISTENING, threadChannel } from "../src/thread.ts";
import { settled } from "../src/time.ts";
import type { ExitEvent, Registration } from "../src/types.ts";
import { type Check, checkOptions, describe, duration, reasonOf } from "../src/validate.ts";

/** Options for {@linkcode endOnExit}. */
export interface EndOptions {
  /**
   * How long to wait, once the worker is asked to end, for its callbacks and
   * its end before `worker.terminate()`, in ms. Default 5000 (a worker's
   * default callback time limit). Give the program a `totalTimeout` above
   * this one (its deadline bounds the wait).
   */
  readonly timeout?: number | undefined;
}

/** A worker thread: a `node:worker_threads` Worker (Node, Deno, Bun), or a web Worker of Deno or Bun. */
export type ThreadWorker = NodeWorker | WebWorker;

export type { NodeWorker, WebWorker };

/** After `terminate()`, how long to wait for the worker's end before the callback gives up. */
const TERMINATE_WAIT_MS = 1000;
/**
 * At the exit, how long a worker not heard from yet gets to say that atexit
 * listens there. Its announcement and the application's own first message
 * travel apart: a program that ends as soon as its worker says it is ready
 * could otherwise find it silent (the e2e exit() case: 2 runs in 5). A worker without atexit
 * never answers, and is terminated this much later.
 */
const ASK_WAIT_MS = 200;

const endChecks: Readonly<Record<keyof EndOptions, Check>> = { timeout: duration };

/** What endOnExit reads of `worker`, once, up front. */
interface Inspected {
  /** How its end is heard: node:worker_threads' `exit`, Bun's web Worker's `close`. */
  readonly kind: "node" | "web";
  /** Its thread's id, where it has one (all but Deno's web Worker). */
  readonly threadId: number | undefined;
}

function inspect(worker: unknown): Inspected {
  try {
    if ((typeof worker === "object" || typeof worker === "function") && worker !== null) {
      const w = worker as Record<string, unknown>;
      const kind = typeof w.once === "function" ? "node" : typeof w.addEventListener === "function" ? "web" : undefined;
      if (kind && typeof w.terminate === "function") {
        const id = w.threadId;
        return { kind, threadId: typeof id === "number" ? id : undefined };
      }
    }
  } catch (error) {
    // A Proxy's trap or a getter that throws: the caller's input failing, said as such.
    throw new TypeError(`[atexit] endOnExit() could not read the worker: ${reasonOf(error)}`, { cause: error });
  }
  throw new TypeError(`[atexit] endOnExit() expects a Worker (node:worker_threads, or a web Worker of Deno or Bun), got ${describe(worker)}`);
}

/**
 * atexit's channel to the worker, or none where a channel cannot be unref'd
 * (Deno: an open one would hold the program open) or the worker has no id.
 */
function openChannel(threadId: number | undefined): ChannelEnd | undefined {
  const Channel = (globalThis as { BroadcastChannel?: { new (name: string): ChannelEnd; prototype: Partial<ChannelEnd> } }).BroadcastChannel;
  if (threadId === undefined || typeof Channel?.prototype.unref !== "function") return undefined;
  const channel = new Channel(threadChannel(threadId));
  channel.unref!();
  return channel;
}

/**
 * Ends `worker`, a worker thread, when the program ends, after the worker's
 * own callbacks. On the exit paths that can wait (a signal, the natural end,
 * `exit()`), a worker whose atexit listens is asked to end: there that is an
 * exit path (reason `"exit"`): its callbacks run awaited, then its thread
 * ends with its status. The program waits up to `timeout` ms for the thread
 * to end, calls `worker.terminate()` if it has not, then runs its own
 * callbacks: the callback runs in the `first` phase. A worker where atexit
 * does not listen (nothing registered there) is terminated once it has not
 * answered an ask within 200 ms; every worker on Deno is terminated at
 * once, as Deno's `BroadcastChannel` would hold a worker that listens open,
 * and its web Worker has no thread id to name a channel by.
 * The registration removes itself when the worker ends on its own.
 *
 * On the paths that cannot wait (`process.exit()` or a crash) it does
 * nothing: the process ends, and its threads with it, their callbacks not
 * run. The request does not reach the worker's `message` listeners: it
 * comes on a channel of atexit's own.
 *
 * @param worker A `node:worker_threads` Worker (Node, Deno, Bun), or a web Worker of Deno or Bun.
 * @param options `timeout` ({@linkcode EndOptions}).
 * @returns The registration: call it (or dispose of it) to leave the worker alone after all.
 * @throws {TypeError} If `worker` is not a Worker or cannot be read, or if an option is wrong.
 * @throws {RangeError} If `timeout` is negative.
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads";
 * import { endOnExit } from "atexit/cluster";
 *
 * const worker = new Worker(new URL("./worker.js", import.meta.url));
 * endOnExit(worker, { timeout: 3000 });
 * ```
 */
export function endOnExit(worker: ThreadWorker, options?: EndOptions): Registration {
  const { kind, threadId } = inspect(worker);
  const checked = checkOptions("endOnExit", options, endChecks) as EndOptions;
  const timeout = checked.timeout ?? 5000;

  // Node answers -1 for a thread that has stopped: nothing left to end.
  const ended = threadId !== undefined && threadId < 0;
  let onEnded!: () => void;
  const end = new Promise<void>((resolve) => (onEnded = resolve));
  const channel = ended ? undefined : openChannel(threadId);
  let listening = false;
  // Settles at each LISTENING heard: a new one for each wait.
  let heard: (() => void) | undefined;

  const terminate = async (): Promise<void> => {
    try {
      worker.terminate();
    } catch {
      // Already gone: its end comes all the same.
    }
    // Deno's web Worker tells nobody it ended: terminate() is all there is.
    if (kind === "node" || threadId !== undefined) await settled(end, TERMINATE_WAIT_MS);
  };
  const stop = async (deadline: AbortSignal): Promise<void> => {
    if (!listening && channel) {
      channel.postMessage(ASK);
      await settled(new Promise<void>((resolve) => (heard = resolve)), ASK_WAIT_MS, deadline);
    }
    if (listening) {
      channel!.postMessage(END);
      if (await settled(end, timeout, deadline)) return;
    }
    await terminate();
  };
  const registration = registerWith(
    picked,
    (event: ExitEvent) =>
      // An invocation's end (atexit/request) is not the program's; a path
      // that cannot wait leaves the thread to the process's end (see above).
      event.reason === "request" || !event.awaited || ended ? undefined : stop(event.deadline),
    {
      name: `endOnExit(${threadId ?? "worker"})`,
      first: true,
      // Room for the wait, terminate() and its wait: the callback's own limit must not cut them short.
      timeout: timeout + TERMINATE_WAIT_MS + 500,
    },
  );
  if (ended) {
    registration();
    return registration;
  }
  // Listened to once registered: a worker that ends on its own takes its registration with it.
  const onExit = (): void => {
    onEnded();
    channel?.close();
    registration();
  };
  try {
    if (kind === "node") (worker as NodeWorker).once("exit", onExit);
    else (worker as WebWorker).addEventListener("close", onExit);
  } catch (error) {
    // A hostile worker: the registration and the channel are taken back, nothing is left half done.
    registration();
    channel?.close();
    throw new TypeError(`[atexit] endOnExit() could not listen to the worker: ${reasonOf(error)}`, { cause: error });
  }
  if (channel) {
    channel.onmessage = ({ data }) => {
      if (data === LISTENING) {
        listening = true;
        heard?.();
      } else if (data === GONE) listening = false;
    };
    // The worker's atexit may have begun listening before this channel was open.
    channel.postMessage(ASK);
  }
  return registration;
}
