// This module is browser compatible.
//
// The bounded waits the run and the helpers share: a turn, a sleep an
// AbortSignal cuts short, a deadline over a set of promises. Every timer
// atexit starts is the global setTimeout, so fake timers drive them all.

/** setTimeout's delay is a signed 32-bit integer: anything longer fires at once. */
export const MAX_TIMER_MS: number = 2 ** 31 - 1;

/** A `TimeoutError` (a DOMException where the host has one), as `AbortSignal.timeout` makes. */
export function timeoutError(message: string): Error {
  return typeof DOMException === "function"
    ? new DOMException(message, "TimeoutError")
    : Object.assign(new Error(message), { name: "TimeoutError" });
}

/** Resolves after the timers already due: one turn of the event loop. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Resolves after `ms` (at once for 0 or less; never past the timer limit), or when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = ms < MAX_TIMER_MS ? setTimeout(done, ms) : undefined;
    signal?.addEventListener("abort", done);
  });
}

/**
 * Whether `pending` settles within `ms` (false at once for 0 or less, or once
 * `signal` aborts). The timer and the abort listener go as soon as the answer
 * is known: a timer left behind would hold a program's natural end for the
 * rest of `ms`.
 */
export function settled(pending: PromiseLike<unknown>, ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answer = (done: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", cut);
      resolve(done);
    };
    const cut = (): void => answer(false);
    // Handled in every case: a rejection is an answer, never an unhandled one.
    Promise.resolve(pending).then(
      () => answer(true),
      () => answer(true),
    );
    if (ms <= 0 || signal?.aborted) return cut();
    if (ms < MAX_TIMER_MS) timer = setTimeout(cut, ms);
    signal?.addEventListener("abort", cut);
  });
}

/** Resolves when every one of `pending` has settled, or after `ms`, whichever comes first. */
export function within(pending: Promise<unknown>[], ms: number): Promise<unknown> {
  if (pending.length === 0) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([Promise.all(pending), limit]).finally(() => clearTimeout(timer));
}
