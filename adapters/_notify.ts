// systemd's notification socket ($NOTIFY_SOCKET, a unix datagram socket),
// reached through the `systemd-notify` program on every server runtime. Node
// cannot send a unix datagram (nodejs/node#61933); Deno can, but only with
// --unstable-net and a socket file of its own to send from; Bun only through
// bun:ffi. One program for the three is the simplest transport that works
// everywhere: 4-6 ms a message (docs/5.internals/measurements.md), it reads
// $NOTIFY_SOCKET itself (a path, or `@` for the abstract namespace), and it
// waits until the service manager has taken the message (its barrier), so the
// message is attributed to the service although the sender is a child
// (systemd-notify(1)). It is started when ready() loads it, never at import.
import type { ChildProcessModule } from "./types/children.ts";
import type { ProcessLike } from "./types/process.ts";

/**
 * How long a sender waits for `systemd-notify` to end: its barrier gives the
 * service manager 5 s to take the message, then it gives up.
 */
export const NOTIFY_WAIT_MS = 5000;

/** How a notification is sent. */
export interface NotifyOptions {
  /**
   * Keep the program alive until the message is taken (at most
   * NOTIFY_WAIT_MS): `await ready()` with nothing else to do would otherwise
   * end the program first (Node ends an unsettled top-level await with 13).
   * The watchdog and the stop never hold: they must not delay an end.
   */
  readonly hold?: boolean | undefined;
}

/**
 * Sends `fields` (`READY=1`, ...) as one notification. The program starts
 * before this returns; the promise settles when it has ended, or after
 * `NOTIFY_WAIT_MS`, and rejects if it could not start or failed.
 */
export type Notify = (fields: readonly string[], options?: NotifyOptions) => Promise<void>;

/** Lets a timer not keep the program alive (each runtime has its own way). */
export type Unref = (timer: ReturnType<typeof setTimeout>) => void;

/**
 * node:child_process, on the first call of ready() only, through
 * `process.getBuiltinModule` (Node.js 20.16 or later, Deno, Bun) as every
 * runtime module atexit uses: an `import("node:child_process")` in the code
 * would break a bundle made for a page, where the run-time-detecting entry
 * can end up. Rejects where the host has none.
 */
export function loadChildProcess(proc: Pick<ProcessLike, "getBuiltinModule"> | undefined): Promise<ChildProcessModule> {
  return new Promise((resolve) => {
    const module = proc?.getBuiltinModule?.("node:child_process");
    if (!module) throw new Error("node:child_process cannot be reached here (process.getBuiltinModule: Node.js 20.16 or later, Deno, Bun)");
    resolve(module as ChildProcessModule);
  });
}

/**
 * The sender over `childProcess`. Unless `hold`, neither the program nor the
 * wait for it keeps the program alive: a process that is ending is not held
 * back by its last message, which still goes out (the program runs on).
 */
export function notifier(childProcess: ChildProcessModule, unref: Unref): Notify {
  return (fields, options) =>
    new Promise<void>((resolve, reject) => {
      // Debian's and every distribution's systemd package has the program.
      const child = childProcess.spawn("systemd-notify", fields, { stdio: "ignore" });
      const timer = setTimeout(resolve, NOTIFY_WAIT_MS);
      if (!options?.hold) {
        child.unref();
        unref(timer);
      }
      const settle = (outcome: unknown): void => {
        clearTimeout(timer);
        if (outcome === 0) resolve();
        else reject(outcome instanceof Error ? outcome : new Error(`systemd-notify ended with ${String(outcome)}`));
      };
      child.once("exit", settle);
      child.once("error", settle);
    });
}
