// What atexit reads and calls of worker threads: `node:worker_threads` (Node,
// Deno and Bun give it, reached through `process.getBuiltinModule`), the web
// `Worker` of Deno and Bun, and the `BroadcastChannel` between them.

/** The `node:worker_threads` module, as the code in a thread sees it. */
export interface WorkerThreadsLike {
  readonly isMainThread: boolean;
  readonly threadId: number;
}

/** A `node:worker_threads` Worker, as its parent sees it. */
export interface NodeWorker {
  /** Its thread's id; Node answers -1 once the thread has stopped. */
  readonly threadId: number;
  once(event: "exit", listener: () => void): unknown;
  terminate(): unknown;
}

/** A web `Worker` of Deno or Bun, as its parent sees it. */
export interface WebWorker {
  /** Bun's: its thread's id. Deno's web Worker has none. */
  readonly threadId?: number | undefined;
  addEventListener(type: "close", listener: () => void): void;
  terminate(): void;
}

/** A `BroadcastChannel`; `unref` is Node's and Bun's (Deno's has none, and holds the program open while it is open). */
export interface ChannelEnd {
  onmessage: ((event: { readonly data: unknown }) => unknown) | null;
  postMessage(message: unknown): void;
  close(): void;
  unref?(): unknown;
}
