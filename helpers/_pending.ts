// This module is browser compatible.
//
// `pending(url)`: the latest state of something to report when the page goes
// away. Where the browser has `fetchLater` it is the browser that sends it,
// even if the page is killed; elsewhere atexit's hide path does, once per
// payload. Part of `atexit/beacon`; its own module so that `sendOnExit`
// alone does not carry it.

import { picked } from "../adapters/_pick.ts";
import { registerWith } from "../src/api.ts";
import type { Registration } from "../src/types.ts";
import { type Check, checkOptions, duration, ofType, reasonOf } from "../src/validate.ts";
import { checkTarget, KEEPALIVE_BUDGET, send, type SendResult, serialize, size } from "./_send.ts";

/** Options for {@linkcode pending}. */
export interface PendingOptions {
  /**
   * Milliseconds the page may spend in the background before the browser
   * sends the payload anyway (`fetchLater`'s `activateAfter`); by default it
   * waits for the page to go away. Without `fetchLater`, unused.
   */
  readonly activateAfter?: number | undefined;
  /** The body's type; default `text/plain;charset=UTF-8`, CORS-safelisted as for `sendOnExit`. */
  readonly contentType?: string | undefined;
  /** How long the hide path keeps trying to deliver a payload, in ms (as `sendOnExit`'s). Default 5000. */
  readonly timeout?: number | undefined;
}

/** A payload waiting to be sent when the page goes away (see {@linkcode pending}). */
export interface Pending {
  /**
   * The latest state to report, serialized now; it replaces the one before,
   * which will not be sent.
   * @throws {TypeError} If `data` cannot be serialized (as `sendOnExit`'s).
   */
  set(data: unknown): void;
  /** Drops the payload: nothing is sent, until the next `set`. */
  cancel(): void;
  /** Sends the payload now (if it has not left), as `sendOnExit` does; resolves with how it went. */
  flush(): Promise<SendResult>;
  /** Whether the current payload has left (or was handed to the browser to send). */
  readonly activated: boolean;
}

type FetchLaterResult = { readonly activated: boolean };
type FetchLater = (url: string, init: Record<string, unknown>) => FetchLaterResult;

const pendingChecks: Readonly<Record<keyof PendingOptions, Check>> = {
  activateAfter: duration,
  contentType: /* @__PURE__ */ ofType("string"),
  timeout: duration,
};

// The largest body the hide path sends in one request (as sendOnExit's default).
const MAX_CHUNK_BYTES = 60_000;

const NOTHING_SENT: SendResult = /* @__PURE__ */ Object.freeze({ chunks: 0, via: /* @__PURE__ */ Object.freeze([]), unsent: /* @__PURE__ */ Object.freeze([]) });


const isHidden = (): boolean => (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === "hidden";

/**
 * The latest state of something to report when the page goes away: a
 * session's last position, a form's draft, an analytics batch. Each `set`
 * replaces the payload. Where the browser has `fetchLater` (Chromium 135 and
 * later), each `set` queues it there, aborting the one before: the browser
 * sends it when the document goes away, even if the page is killed or its
 * tab discarded. Elsewhere (Firefox, Safari, a payload over `fetchLater`'s
 * quota) atexit's hide path sends it when the page is hidden or left,
 * through `sendOnExit`'s delivery, once per payload: hidden, shown and hidden
 * again without a new `set` sends nothing the second time. A `set` while the
 * page is already hidden is sent at once (a hidden page may never be shown,
 * nor hidden, again). On servers it is sent by the awaited exit paths.
 *
 * @param url Where to POST the payload.
 * @param options `activateAfter`, `contentType`, `timeout` ({@linkcode PendingOptions}).
 * @returns The handle: `set`, `cancel`, `flush`, `activated` ({@linkcode Pending}).
 * @throws {TypeError} If `url` is not a string or URL, or an option has the wrong type or an unknown key.
 * @throws {RangeError} If a duration is negative or NaN.
 *
 * @example
 * ```ts
 * import { pending } from "atexit/beacon";
 *
 * const position = pending("/analytics/position");
 * position.set({ scrolled: 0.4 });
 * position.set({ scrolled: 0.9 }); // only this one will be sent
 * ```
 */
export function pending(url: string | URL, options?: PendingOptions): Pending {
  const target = checkTarget("pending", url);
  const checked = checkOptions("pending", options, pendingChecks) as PendingOptions;
  const { activateAfter, contentType = "text/plain;charset=UTF-8", timeout = 5000 } = checked;
  const fetchLater = (globalThis as { fetchLater?: FetchLater }).fetchLater;

  // The payload's bodies, until it has left or is dropped.
  let bodies: string[] | undefined;
  // Queued with fetchLater: the browser sends it, and says when it has.
  let later: { readonly abort: AbortController; readonly result: FetchLaterResult } | undefined;
  let sent = false;
  let hook: Registration | undefined;

  const drop = (): void => {
    later?.abort.abort();
    later = undefined;
  };
  const deliver = (): Promise<SendResult> => {
    const out = bodies;
    if (!out || sent || later?.result.activated) return Promise.resolve(NOTHING_SENT);
    drop();
    sent = true;
    return send(target, out, contentType, timeout);
  };
  /** Queues the payload with fetchLater; false where it cannot take it (then the hide path sends it). */
  const queueLater = (body: string): boolean => {
    try {
      const abort = new AbortController();
      const init = { method: "POST", body, headers: { "content-type": contentType }, signal: abort.signal };
      const result = fetchLater!(target, activateAfter === undefined ? init : { ...init, activateAfter });
      later = { abort, result };
      return true;
    } catch (error) {
      // Over the page's fetchLater quota, or refused: never silently lost.
      console.error(`[atexit] pending(): fetchLater did not take the payload, so it will be sent when the page is hidden: ${reasonOf(error)}`);
      return false;
    }
  };

  return {
    set(data) {
      const next = serialize("pending", data, MAX_CHUNK_BYTES);
      // One body over what a page may send as it ends (a long string, one huge
      // item) leaves only with flush() while the page lives: said, not lost in silence.
      if (next.some((body) => size(body) > KEEPALIVE_BUDGET)) {
        console.error(`[atexit] pending(): the payload has a body over ${KEEPALIVE_BUDGET} bytes, which no page can send as it ends; send it with flush() while the page lives, or as an array, which is sent in chunks`);
      }
      drop();
      bodies = next;
      sent = false;
      if (fetchLater && next.length === 1 && queueLater(next[0]!)) return;
      // Sent when the page is hidden or left (kept registered: a page that comes back is hidden again).
      // Registered again at each set: a run that consumed it (a server's exit,
      // runHandlers) must not leave the new payload without one. The promise
      // is for the awaited exit paths of a server; a page's hide never waits.
      hook?.();
      hook = registerWith(picked, () => deliver(), { name: "pending" });
      if (isHidden()) void deliver();
    },
    cancel() {
      drop();
      bodies = undefined;
      hook?.();
      hook = undefined;
    },
    flush: deliver,
    get activated() {
      return later ? later.result.activated : sent;
    },
  };
}
