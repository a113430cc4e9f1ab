// This module is browser compatible.

/**
 * Delivery for data that must leave with the page: `sendBeacon` first, then
 * `fetch(..., { keepalive: true })` while the page's keepalive budget allows,
 * in chunks that each fit. On servers (Node, Deno, Bun) the same call is an
 * ordinary fetch bounded by a timeout, for the awaited exit paths.
 *
 * @example
 * ```ts
 * import { register } from "atexit";
 * import { sendOnExit } from "atexit/beacon";
 *
 * const events: object[] = [];
 * register(() => {
 *   void sendOnExit("/analytics", events.splice(0));
 * });
 * ```
 *
 * @module
 */

import { checkTarget, send, type SendOptions, type SendResult, serialize } from "./_send.ts";
import { type Check, checkOptions, describe, duration, ofType } from "../src/validate.ts";

export { pending, type Pending, type PendingOptions } from "./_pending.ts";
export type { SendOptions, SendResult };

/**
 * Sends `data` to `url` so that it survives the page (or process) ending.
 *
 * In a browser every chunk that fits is queued synchronously, before this
 * returns, so it is safe in a `register` callback, where nothing is awaited.
 * Chunks over the page's keepalive budget, and keepalive requests that fail,
 * are tried again in order, 50 ms apart, while the page lives (a hidden page
 * does; a closed one does not) until `timeout`; the promise resolves once
 * every chunk has left and each keepalive request has been answered, or at
 * `timeout`. On servers each chunk is POSTed with `fetch`, one after another,
 * within `timeout`.
 *
 * @example
 * ```ts
 * import { sendOnExit } from "atexit/beacon";
 *
 * const result = await sendOnExit("http://127.0.0.1:9/log", [{ event: "bye" }]);
 * console.log(result.unsent.length === 0 ? "delivered" : "some left behind");
 * ```
 */
export function sendOnExit(target: string | URL, data: unknown, options?: SendOptions): Promise<SendResult> {
  // Everything is checked and serialized here, not in the async part, so bad
  // input throws at the call site (inside a register callback, atexit reports
  // it as that callback's failure) and never becomes an unhandled rejection.
  const url = checkTarget("sendOnExit", target);
  const checked = checkOptions("sendOnExit", options, sendChecks) as SendOptions;
  const { maxChunkBytes = 60_000, contentType = "text/plain;charset=UTF-8", timeout = 5000 } = checked;
  return send(url, serialize("sendOnExit", data, maxChunkBytes), contentType, timeout);
}

const sendChecks: Readonly<Record<keyof SendOptions, Check>> = {
  maxChunkBytes: (fn, key, value) => {
    if (typeof value !== "number") {
      throw new TypeError(`[atexit] ${fn}() option "${key}" must be a number of bytes, got ${describe(value)}`);
    }
    // Infinity: one body, never split.
    if ((!Number.isInteger(value) && value !== Infinity) || value < 1) {
      throw new RangeError(`[atexit] ${fn}() option "${key}" must be a whole number of bytes, 1 or more (or Infinity), got ${value}`);
    }
    return value;
  },
  contentType: /* @__PURE__ */ ofType("string"),
  timeout: duration,
};

