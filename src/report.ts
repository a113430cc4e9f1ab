// This module is browser compatible.

import type { Entry } from "./protocol.ts";
import type { ExitEvent } from "./types.ts";

/** How atexit's own timeout messages begin (time.ts makes the errors; printError knows them by it). */
export const TIMEOUT_PREFIX = "exit callback ";

/** How reports name a callback: its `name` option, else its function name, else "anonymous". */
export function nameOf(entry: Pick<Entry, "callback" | "options">): string {
  if (entry.options.name) return entry.options.name;
  try {
    const { name } = entry.callback;
    return typeof name === "string" && name !== "" ? name : "anonymous";
  } catch {
    // A Proxy's trap may throw: the report must still go out.
    return "anonymous";
  }
}

/** "on signal SIGTERM", "on natural". */
export const describeEvent = (event: Pick<ExitEvent, "reason" | "signal">): string =>
  `on ${event.reason}${event.signal ? ` ${event.signal}` : ""}`;

function isTimeout(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return name === "TimeoutError" && typeof message === "string" && message.startsWith(TIMEOUT_PREFIX);
}

/** The default `onError`: one line on stderr naming the callback, then the callback's own error. */
export function printError(error: unknown, event?: ExitEvent, name = "anonymous"): void {
  // A timeout is atexit's own finding: its one line says everything, and its
  // stack would only show atexit's timer.
  if (isTimeout(error)) return void console.error(`[atexit] ${(error as Error).message}`);
  console.error(`[atexit] exit callback "${name}" failed${event ? ` (${describeEvent(event)})` : ""}:`, error);
}
