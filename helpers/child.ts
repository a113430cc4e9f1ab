/**
 * Child processes that must not outlive their parent: `killOnExit(child)`
 * registers an exit callback that signals the child (or, with `tree`, its
 * whole process group), waits for it to end, and kills it if it does not.
 * Works with `node:child_process` children (on Node, Deno and Bun),
 * `Deno.Command(...).spawn()` children and `Bun.spawn()` subprocesses.
 *
 * @example
 * ```ts
 * import { spawn } from "node:child_process";
 * import { killOnExit } from "atexit/child";
 *
 * const worker = spawn("sleep", ["60"], { stdio: "ignore" });
 * killOnExit(worker, { forceAfter: 2000 });
 * ```
 *
 * @module
 */

import { picked } from "../adapters/_pick.ts";
import type { BunChild, DenoChild, NodeChild } from "../adapters/types/children.ts";
import { registerWith } from "../src/api.ts";
import { settled, sleep } from "../src/time.ts";
import type { ExitEvent, Registration } from "../src/types.ts";
import { type Check, checkOptions, describe, duration, ofType, reasonOf } from "../src/validate.ts";

/** Options for {@linkcode killOnExit}. */
export interface KillOptions {
  /** The signal that asks the child to end. Default `"SIGTERM"`. */
  readonly signal?: string | undefined;
  /**
   * How long to wait, on the exit paths that can, for the child to end after
   * `signal` before sending SIGKILL, in ms. Default 3000 (inside the default
   * 5 s callback time limit, with room for SIGKILL to take).
   */
  readonly forceAfter?: number | undefined;
  /**
   * Signal the child's whole process group, so its own children end too.
   * The child must lead its group: spawn it with `detached: true`
   * (`node:child_process`, and `Deno.Command` in Deno). POSIX only: on
   * Windows there are no process groups, and only the child is signalled.
   */
  readonly tree?: boolean | undefined;
}

/** A child process of any of the three runtimes. */
export type ChildLike = NodeChild | BunChild | DenoChild;

export type { BunChild, DenoChild, NodeChild };

/** After SIGKILL, how long to wait for the child to be gone before the callback gives up. */
const KILL_WAIT_MS = 1000;
/** How often, with `tree`, to look whether anything is left in the group. */
const GROUP_POLL_MS = 20;

type Globals = {
  process?: { kill(pid: number, signal?: string | number): boolean; platform?: string };
  Deno?: { kill(pid: number, signal?: string): void; build?: { os?: string } };
};

const signalName: Check = (fn, key, value) => {
  if (typeof value !== "string") throw new TypeError(`[atexit] ${fn}() option "${key}" must be a signal name, got ${describe(value)}`);
  if (!/^SIG[A-Z0-9]+$/.test(value)) throw new RangeError(`[atexit] ${fn}() option "${key}" must be a signal name like "SIGTERM", got "${value}"`);
  return value;
};

const killChecks: Readonly<Record<keyof KillOptions, Check>> = {
  signal: signalName,
  forceAfter: duration,
  tree: /* @__PURE__ */ ofType("boolean"),
};

/** The child's kind, told by what it has; undefined if it is none of them. */
function childKind(child: unknown): "node" | "bun" | "deno" | undefined {
  if ((typeof child !== "object" && typeof child !== "function") || child === null) return undefined;
  const c = child as Record<string, unknown>;
  if (typeof c.kill !== "function") return undefined;
  if (typeof c.once === "function") return "node";
  if (typeof (c.exited as PromiseLike<unknown> | undefined)?.then === "function") return "bun";
  if (typeof (c.status as PromiseLike<unknown> | undefined)?.then === "function") return "deno";
  return undefined;
}

/** What killOnExit reads of `child`, once, up front: its kind, its pid, and whether it has already ended. */
function inspect(child: unknown): { kind: "node" | "bun" | "deno"; pid: unknown; exited: boolean } {
  try {
    const kind = childKind(child);
    if (kind) {
      const c = child as NodeChild;
      return { kind, pid: c.pid, exited: kind !== "deno" && (c.exitCode !== null || c.signalCode !== null) };
    }
  } catch (error) {
    // A Proxy's trap or a getter that throws: the caller's input failing, said as such.
    throw new TypeError(`[atexit] killOnExit() could not read the child: ${reasonOf(error)}`, { cause: error });
  }
  throw new TypeError(`[atexit] killOnExit() expects a child process (node:child_process, Deno or Bun), got ${describe(child)}`);
}

/** Sends `signal` to `pid` (a negative pid: its group); false if nothing was there to signal. */
function signalProcess(pid: number, signal: string): boolean {
  const { process, Deno } = globalThis as Globals;
  try {
    if (process) process.kill(pid, signal);
    else Deno?.kill(pid, signal);
    return true;
  } catch {
    // ESRCH: already gone. EPERM on a group: not ours to signal.
    return false;
  }
}

/** Whether any process of group `pgid` is left (signal 0 asks without signalling). */
function groupAlive(pgid: number): boolean {
  const { process } = globalThis as Globals;
  if (!process) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function windows(): boolean {
  const { process, Deno } = globalThis as Globals;
  return process?.platform === "win32" || Deno?.build?.os === "windows";
}

/**
 * Ends `child` when the program ends. On the exit paths that can wait (a
 * signal, the natural end, `exit()`) it sends `signal`, waits up to
 * `forceAfter` ms for the child to end, then sends SIGKILL. On those that
 * cannot (an explicit `process.exit()`, a crash) it sends `signal` and
 * returns. With `tree`, the whole process group is signalled, and the wait
 * is for every process in it. The registration removes itself when the child
 * exits on its own.
 *
 * @param child The child: a `node:child_process` ChildProcess, a Deno ChildProcess or a Bun Subprocess.
 * @param options `signal`, `forceAfter` and `tree` ({@linkcode KillOptions}).
 * @returns The registration: call it (or dispose of it) to leave the child alone after all.
 * @throws {TypeError} If `child` is not a child process, has no pid (it failed to start), or an option is wrong.
 * @throws {RangeError} If `forceAfter` is negative or `signal` is not a signal name.
 *
 * @example
 * ```ts
 * import { spawn } from "node:child_process";
 * import { killOnExit } from "atexit/child";
 *
 * // detached: the child leads its own process group, which `tree` signals.
 * const shell = spawn("sh", ["-c", "sleep 60 & wait"], { detached: true, stdio: "ignore" });
 * killOnExit(shell, { tree: true });
 * ```
 */
export function killOnExit(child: ChildLike, options?: KillOptions): Registration {
  const { kind, pid, exited: endedAlready } = inspect(child);
  const checked = checkOptions("killOnExit", options, killChecks) as KillOptions;
  if (!Number.isInteger(pid) || (pid as number) <= 0) {
    throw new TypeError(`[atexit] killOnExit() expects a running child process; its pid is ${describe(pid)} (did it fail to start?)`);
  }
  const signal = checked.signal ?? "SIGTERM";
  const forceAfter = checked.forceAfter ?? 3000;
  // Decided again at the exit: a child that leads no group is signalled alone.
  let group = checked.tree === true && !windows();
  const target = (): number => (group ? -(pid as number) : (pid as number));

  let exited = endedAlready;
  let onExited!: () => void;
  const ended = new Promise<void>((resolve) => {
    onExited = resolve;
  });

  // With `tree`, the child ending is not enough: the wait is for its group to be empty.
  const gone = (): boolean => (group ? !groupAlive(pid as number) : exited);
  const waitGone = async (ms: number, deadline: AbortSignal | undefined): Promise<boolean> => {
    const until = Date.now() + ms;
    for (;;) {
      if (gone()) return true;
      const left = until - Date.now();
      if (left <= 0 || deadline?.aborted) return false;
      // A group has no exit event to wait for: look again every GROUP_POLL_MS.
      await (group ? sleep(Math.min(left, GROUP_POLL_MS), deadline) : settled(ended, left, deadline));
    }
  };
  const force = async (deadline: AbortSignal): Promise<void> => {
    if (await waitGone(forceAfter, deadline)) return;
    // Nothing left to signal (ESRCH) is nothing left to wait for.
    if (signalProcess(target(), "SIGKILL")) await waitGone(KILL_WAIT_MS, undefined);
  };

  const stop = (event: ExitEvent): Promise<void> | undefined => {
    // An invocation's end (atexit/request) is not the program's: the child lives on.
    if (event.reason === "request") return undefined;
    // `tree` for a child spawned without `detached`: there is no group to
    // signal, and signalling none would leave the child running.
    if (group && !exited && !groupAlive(pid as number)) group = false;
    if (gone() || !signalProcess(target(), signal)) return undefined;
    // A path that cannot wait: the signal is sent, and that is all it can do.
    return event.awaited ? force(event.deadline) : undefined;
  };

  const registration = registerWith(picked, stop, {
    name: `killOnExit(${pid})`,
    // Room for the wait, SIGKILL and its wait: the callback's own limit must not cut them short.
    timeout: forceAfter + KILL_WAIT_MS + 500,
  });
  if (exited) {
    registration();
    return registration;
  }
  // Listened to once registered: a child that exits on its own takes its registration with it.
  const exit = (): void => {
    exited = true;
    onExited();
    registration();
  };
  try {
    if (kind === "node") (child as NodeChild).once("exit", exit);
    else void Promise.resolve(kind === "bun" ? (child as BunChild).exited : (child as DenoChild).status).then(exit, exit);
  } catch (error) {
    // A hostile child: the registration is taken back, nothing is left half done.
    registration();
    throw new TypeError(`[atexit] killOnExit() could not listen to the child: ${reasonOf(error)}`, { cause: error });
  }
  return registration;
}
