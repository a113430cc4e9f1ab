// What atexit/cluster reads and calls of `node:cluster` (Node, Deno and Bun
// give the same API), reached through `process.getBuiltinModule`.

/** A worker of `node:cluster`, as its primary sees it. */
export interface ClusterWorker {
  /** The worker's process: only its pid and kill are used. */
  readonly process: { readonly pid?: number | undefined; kill(signal?: string): unknown };
  isDead(): boolean;
  /** Asks the worker to close its servers and end (it hears an internal `disconnect` message). */
  disconnect(): unknown;
  once(event: "exit", listener: () => void): unknown;
}

/** The `node:cluster` module. */
export interface ClusterLike {
  readonly isPrimary?: boolean;
  /** Node before 16 names it `isMaster`. */
  readonly isMaster?: boolean;
  /** The live workers by id (the primary's view). */
  readonly workers?: Readonly<Record<string, ClusterWorker | undefined>> | undefined;
}
