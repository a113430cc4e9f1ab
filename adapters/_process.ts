// This module is browser compatible.

/**
 * The parts of Node's `process` (also provided by Bun and Deno) that atexit
 * touches, typed structurally so the published types need no `@types/node`.
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
  kill(pid: number, signal: string): unknown;
  exit(code?: number): never;
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

interface WritableLike {
  readonly writableLength?: number;
  write(chunk: string, callback: () => void): boolean;
}

/** `globalThis.process`, if this host has one. */
export const getProcess = (): ProcessLike | undefined =>
  (globalThis as unknown as { process?: ProcessLike }).process;

/** `process.exitCode` as a number (Node accepts numeric strings there). */
export function currentExitCode(proc: ProcessLike): number {
  const code = Number(proc.exitCode ?? 0);
  return Number.isInteger(code) ? code : 0;
}

/** How long a forced end waits for stdout/stderr to drain into a pipe. */
export const STDIO_FLUSH_LIMIT_MS = 2000;

/** Resolves when every one of `pending` has, or after `limitMs`, whichever comes first. */
export function within(pending: Promise<unknown>[], limitMs: number): Promise<unknown> {
  if (pending.length === 0) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise((resolve) => (timer = setTimeout(resolve, limitMs)));
  return Promise.race([Promise.all(pending), limit]).finally(() => clearTimeout(timer));
}

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
