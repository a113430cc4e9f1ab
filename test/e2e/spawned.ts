// A program started the way the e2e suites watch one: its output collected
// as it comes, and its end with the moment it came (performance.now()).
import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";

/** How a program ended, and when. */
export interface Ended {
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: number;
}

/** A started program: the child, what it has printed so far, and its end. */
export interface Spawned {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly ended: Promise<Ended>;
  stdout(): string;
  stderr(): string;
}

/** Starts `command` with `args`, stdin closed and stdout and stderr collected. */
export function spawned(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; detached?: boolean } = {}): Spawned {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const ended = new Promise<Ended>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, at: performance.now() })));
  return { child, ended, stdout: () => stdout, stderr: () => stderr };
}
