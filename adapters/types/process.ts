/**
 * The parts of Node's `process` (also provided by Bun and Deno) that atexit
 * touches.
 */
export interface ProcessLike {
  readonly pid: number;
  readonly platform: string;
  readonly version?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The IPC channel to a parent, where there is one (a forked child). */
  readonly channel?: ChannelLike;
  exitCode?: number | string | null;
  readonly stdout?: WritableLike;
  readonly stderr?: WritableLike;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount(event: string): number;
  /** Sends to the parent over the IPC channel, where there is one (a forked child); `done` hears when it has left. */
  send?(message: string, done: (error: unknown) => void): unknown;
  kill(pid: number, signal: string): unknown;
  exit(code?: number): never;
  /** A built-in module by its id, without an import (Node 20.16+, Deno, Bun). */
  getBuiltinModule?(id: string): unknown;
  /**
   * Node marks the process methods a worker thread may not call, this one
   * among them, with `disabled: true` (lib/internal/bootstrap/switches/does_not_own_process_state.js).
   */
  readonly chdir?: { readonly disabled?: unknown };
  /** The kinds of the resources keeping the event loop alive (Node 17.3+; Deno and Bun answer `[]`). */
  getActiveResourcesInfo?(): string[];
}

/**
 * Node's IPC channel: `refCounted`/`unrefCounted` are the count that `message`
 * listeners keep; Bun has only the explicit `ref`/`unref`.
 */
export interface ChannelLike {
  refCounted?(): void;
  unrefCounted?(): void;
  unref?(): void;
}

/** stdout or stderr. */
export interface WritableLike {
  readonly writableLength?: number;
  write(chunk: string, callback: () => void): boolean;
}
