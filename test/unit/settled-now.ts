// For unit tests on fake timers: whether a promise has settled once what is
// due by now has run. An exit path that waits for what it should not then
// fails at once, instead of waiting out a timeout.
import { vi } from "vitest";

/** Whether `promise` has settled once the timers due now, and the promise jobs they queue, have run. */
export async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  // A chain of awaits settles over several jobs: 20 turns outlast any here.
  for (let turn = 0; turn < 20; turn++) await Promise.resolve();
  return settled;
}
