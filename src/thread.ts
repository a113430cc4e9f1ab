// This module is browser compatible.
//
// What atexit in a parent thread and atexit in one of its worker threads say
// to each other (atexit/cluster's `endOnExit` and the server hosts' worker
// listener): the two may be different copies or versions of atexit, so this
// is part of the cross-copy protocol (docs/5.internals/protocol.md): it only
// grows, and no message changes meaning.
//
// A `BroadcastChannel` named after the worker's thread id carries them, not
// the worker's own port: a message on the port reaches the application's
// `message` listeners (Deno calls a capturing listener at the target after
// the others, so not even a first listener can hide it there, and a
// `node:worker_threads` port is an EventEmitter, which has no way to stop
// the others), while the channel is atexit's alone. Both sides know the id:
// `worker.threadId` in the parent, `threadId` of node:worker_threads in the
// worker (equal on Node, on Bun for its web Worker too, and on Deno's
// node:worker_threads).

/** The channel's name for the worker whose thread id is `threadId`. */
export function threadChannel(threadId: number): string {
  return `atexit:thread:${threadId}`;
}

// The messages on it.
/** Parent → worker: is atexit listening there? (answered with `LISTENING`) */
export const ASK = "ask";
/** Parent → worker: end as a supervisor's `stop` does: the callbacks awaited, then the thread ends with its status. */
export const END = "end";
/** Worker → parent: atexit listens in the worker (on install, and in answer to `ASK`). */
export const LISTENING = "listening";
/** Worker → parent: atexit no longer listens there (its last registration went). */
export const GONE = "gone";
