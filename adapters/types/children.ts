// Signals are sent through the runtime's kill, never the child's own `kill`:
// only what atexit reads of a child is here.

/** A `node:child_process` ChildProcess (also what Deno and Bun give through it). */
export interface NodeChild {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  once(event: "exit", listener: () => void): unknown;
}

/** A `Bun.spawn()` Subprocess. */
export interface BunChild {
  readonly pid: number;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  readonly exited: PromiseLike<unknown>;
}

/** A `Deno.Command(...).spawn()` ChildProcess. */
export interface DenoChild {
  readonly pid: number;
  readonly status: PromiseLike<unknown>;
}

/** What atexit calls of `node:child_process` (Node's, Deno's and Bun's). */
export interface ChildProcessModule {
  spawn(command: string, args: readonly string[], options: { stdio: "ignore" }): SpawnedChild;
}

/** A child `ChildProcessModule.spawn` started: its end, and the hold on the event loop it takes back. */
export interface SpawnedChild {
  once(event: "exit" | "error", listener: (outcome: unknown) => void): unknown;
  unref(): void;
}
