// This module is browser compatible.
//
// The awaited run: what the server runtimes' exit paths, `exit()` and
// `runHandlers()` use. Its own module, not a method of the registry, so that
// a page that only registers (every run in a page is synchronous) does not
// carry its timers, deadlines and promises.

import type { RunProtocol, Trigger } from "./adapter.ts";
import { type Entry, nameOf, type Run, type RunResult, type Then, thenOf, TIMEOUT_PREFIX } from "./registry.ts";

// setTimeout's delay is a signed 32-bit integer; anything longer fires at once.
export const MAX_TIMER_MS: number = 2 ** 31 - 1;

export function timeoutError(message: string): Error {
  return typeof DOMException === "function"
    ? new DOMException(message, "TimeoutError")
    : Object.assign(new Error(message), { name: "TimeoutError" });
}

/**
 * Runs the callbacks one after another, awaiting each within its timeout and
 * the whole run within `totalTimeout`. Callbacks still waiting when the total
 * deadline passes are called without being awaited. A call while a run is
 * under way joins that run. With `holdListeners`, the adapter's listeners
 * stay installed after the run even if nothing is left registered: the
 * caller ends the program itself, and hears what comes meanwhile.
 *
 * A registry made by an older copy of atexit has this run as its own method.
 */
export function runAwaited(registry: RunProtocol, trigger: Trigger, holdListeners = false): Promise<RunResult> {
  // 0.1.0's registry has no `begin`: its own method is its awaited run.
  if (!registry.runsEpisodes) return registry.runAwaited(trigger, holdListeners);
  // Kept on the registry for the copies that call it as a method.
  registry.awaitedRun ??= runAwaited;
  const current = registry.current;
  if (current) return current.promise ?? Promise.resolve(registry.result(current));
  const run = registry.begin(trigger, false, holdListeners);
  run.promise = (async () => {
    try {
      // Lets `run.promise` be set before the first callback starts, so a call
      // made from it joins; and the work `defer` holds settles first.
      await registry.beforeRun?.(run, trigger);
      const { config } = registry;
      const endsAt = run.startedAt + config.totalTimeout;
      let overdue: AbortController | undefined;
      for (let entry = registry.next(run); entry; entry = registry.next(run)) {
        // Date.now, not performance.now: Node loads perf_hooks on first use of
        // `performance`, which would cost milliseconds at exit time.
        const left = endsAt - Date.now();
        if (left > 0) {
          const pending = callAwaited(registry, entry, run, trigger, Math.min(entry.options.timeout ?? config.timeout, left));
          if (pending) await pending;
        } else {
          if (!overdue) {
            overdue = new AbortController();
            overdue.abort(timeoutError(`the exit callbacks did not finish within ${config.totalTimeout} ms in all`));
          }
          const { signal } = overdue;
          callOverdue(registry, entry, run, trigger, () => signal);
        }
      }
    } finally {
      registry.end(run);
    }
    return registry.result(run);
  })();
  return run.promise;
}

/** A callback reached after the total deadline: called, not awaited, its deadline already aborted. */
function callOverdue(registry: RunProtocol, entry: Entry, run: Run, trigger: Trigger, deadline: () => AbortSignal): void {
  const event = registry.event(trigger, false, deadline, run);
  let result: unknown;
  try {
    result = entry.callback(event);
  } catch (error) {
    return registry.report(error, event, run, entry);
  }
  registry.settle(result, entry, event, run);
}

/** Calls a callback on an awaited path; returns a promise only if there is something to wait for. */
function callAwaited(registry: RunProtocol, entry: Entry, run: Run, trigger: Trigger, ms: number): Promise<void> | undefined {
  let controller: AbortController | undefined;
  let expired: unknown;
  const deadline = (): AbortSignal => {
    if (!controller) {
      controller = new AbortController();
      if (expired) controller.abort(expired);
    }
    return controller.signal;
  };
  const event = registry.event(trigger, true, deadline, run);
  let result: unknown;
  let then: Then | undefined;
  try {
    result = entry.callback(event);
    then = thenOf(result);
  } catch (error) {
    registry.report(error, event, run, entry);
    return undefined;
  }
  if (!then) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<unknown>((resolve, reject) => {
    if (ms < MAX_TIMER_MS) {
      timer = setTimeout(() => {
        expired = timeoutError(`${TIMEOUT_PREFIX}"${nameOf(entry)}" did not finish within ${Math.round(ms)} ms`);
        controller?.abort(expired);
        reject(expired);
      }, ms);
    }
    // A `then` that throws rejects this promise: reported like any failure.
    then.call(result, resolve, reject);
  }).then(
    () => clearTimeout(timer),
    (error) => {
      clearTimeout(timer);
      registry.report(error, event, run, entry);
    },
  );
}
