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

import { realmState } from "./realm.ts";
export { pending, type Pending, type PendingOptions } from "./pending.ts";
import { type Check, checkOptions, describe, duration, ofType, reasonOf } from "./validate.ts";

/** Options for {@linkcode sendOnExit}. */
export interface SendOptions {
  /**
   * Largest body of one request, in bytes (default 60,000: under the 64 KiB a
   * page may have in flight with keepalive, with room for headers).
   */
  readonly maxChunkBytes?: number | undefined;
  /**
   * The body's type. Default `text/plain;charset=UTF-8`: a CORS-safelisted type,
   * so a beacon to another origin needs no preflight (which it could not do).
   */
  readonly contentType?: string | undefined;
  /** How long to keep trying (browsers) or waiting for the server (servers), in ms. Default 5000. */
  readonly timeout?: number | undefined;
}

/** What {@linkcode sendOnExit} did with the payload. */
export interface SendResult {
  /** How many requests the payload was split into. */
  readonly chunks: number;
  /**
   * How each body that left went, in the order of the bodies: one entry per
   * body, however many tries it took. A keepalive request still on its way at
   * `timeout` counts as left.
   */
  readonly via: ReadonlyArray<"beacon" | "keepalive" | "fetch">;
  /** The chunk bodies that could not be queued or sent in time. */
  readonly unsent: readonly string[];
}

/** What the Fetch standard lets one page have in flight with keepalive (and beacons): 64 KiB. */
export const KEEPALIVE_BUDGET = 65_536;


/** A body's size in UTF-8 bytes. */
export const size = (body: string): number => new TextEncoder().encode(body).byteLength;

/**
 * Serializes `data` and splits it into bodies of at most `max` bytes. An array
 * is split between its items (each body is a JSON array); anything else is one
 * body. An item too large for any body is still returned on its own, and will
 * be reported unsent.
 */
export function chunk(data: unknown, max: number): string[] {
  if (!Array.isArray(data)) return [typeof data === "string" ? data : JSON.stringify(data)];
  const bodies: string[] = [];
  let items: string[] = [];
  let bytes = 2; // "[" and "]"
  for (const item of data) {
    const json = JSON.stringify(item) ?? "null";
    const cost = size(json) + (items.length ? 1 : 0);
    if (items.length && bytes + cost > max) {
      bodies.push(`[${items.join(",")}]`);
      items = [];
      bytes = 2;
    }
    bytes += size(json) + (items.length ? 1 : 0);
    items.push(json);
  }
  if (items.length || bodies.length === 0) bodies.push(`[${items.join(",")}]`);
  return bodies;
}

type Navigatorish = { sendBeacon?: (url: string, data: Blob) => boolean };

/** Hands one body to the browser as a beacon; false if it would not take it (over its quota). */
function beacon(url: string, body: string, type: string): boolean {
  const navigator = (globalThis as { navigator?: Navigatorish }).navigator;
  return navigator?.sendBeacon?.(url, new Blob([body], { type })) ?? false;
}

/**
 * Sends one body with a keepalive fetch, so it survives the page. Resolves
 * true once the server answered, false if the browser refused it (the page's
 * keepalive budget, shared with beacons, is spent) or the request failed.
 */
async function keepalive(url: string, body: string, bytes: number, type: string): Promise<boolean> {
  // Counted with the realm, not this module: every copy of atexit spends the page's one budget.
  const realm = realmState();
  realm.keepaliveInFlight += bytes;
  try {
    await fetch(url, { method: "POST", body, keepalive: true, headers: { "content-type": type } });
    return true;
  } catch {
    return false;
  } finally {
    realm.keepaliveInFlight -= bytes;
  }
}

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

/** `target` as a URL string, or a TypeError naming `fn`. */
export function checkTarget(fn: string, target: unknown): string {
  try {
    if (typeof target === "string") return target;
    if (target instanceof URL) return target.href;
  } catch {
    // A Proxy posing as a URL (a revoked one, or one whose traps throw): not a URL.
  }
  throw new TypeError(`[atexit] ${fn}() expects a URL, got ${describe(target)}`);
}

/**
 * The request bodies for `data`. What JSON cannot represent (`undefined`, a
 * function, a BigInt, a cycle, a `toJSON` that throws) cannot be sent: a
 * TypeError, at the call site.
 */
export function serialize(fn: string, data: unknown, max: number): string[] {
  let bodies: Array<string | undefined>;
  try {
    bodies = chunk(data, max);
  } catch (error) {
    throw new TypeError(`[atexit] ${fn}() cannot serialize the data: ${reasonOf(error)}`, { cause: error });
  }
  // JSON.stringify gives undefined for undefined, functions and symbols.
  if (bodies.some((body) => typeof body !== "string")) {
    throw new TypeError(`[atexit] ${fn}() cannot serialize the data: got ${describe(data)}`);
  }
  return bodies as string[];
}

// setTimeout's delay (and so AbortSignal.timeout's) is a signed 32-bit integer; longer ones fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Sends serialized bodies as `sendOnExit` does: from a page, or from a server. */
export function send(url: string, bodies: string[], contentType: string, timeout: number): Promise<SendResult> {
  return typeof document !== "undefined" ? fromPage(url, bodies, contentType, timeout) : fromServer(url, bodies, contentType, timeout);
}

/** The server path: each body POSTed in turn, all within one deadline. */
async function fromServer(url: string, bodies: string[], contentType: string, timeout: number): Promise<SendResult> {
  const via: Way[] = [];
  const unsent: string[] = [];
  // Whole milliseconds: AbortSignal.timeout refuses a fraction (Node throws a RangeError for 1.5).
  const deadline = timeout < MAX_TIMER_MS ? AbortSignal.timeout(Math.ceil(timeout)) : undefined;
  for (const body of bodies) {
    try {
      const response = await fetch(url, {
        method: "POST",
        body,
        headers: { "content-type": contentType },
        ...(deadline && { signal: deadline }),
      });
      if (response.ok) via.push("fetch");
      else unsent.push(body);
    } catch {
      unsent.push(body);
    }
  }
  return { chunks: bodies.length, via, unsent };
}

type Way = SendResult["via"][number];

// Between two tries of a body that is waiting: the budget frees up as requests
// settle, and a request that fails at once (the network is down) must not be
// retried in a tight loop.
const RETRY_PAUSE_MS = 50;

/**
 * The browser path. Whatever the browser takes at once leaves with the page,
 * before this returns: beacons, then keepalive fetches while this module's
 * own count of bytes in flight allows. The rest, and any keepalive request
 * that fails, are tried again in order, one pause apart, while the page
 * lives (a hidden page does; a closed one does not) and `timeout` allows.
 */
async function fromPage(url: string, bodies: string[], contentType: string, timeout: number): Promise<SendResult> {
  // How each body left, by index; undefined while it has not (yet).
  const ways: Array<Way | undefined> = bodies.map(() => undefined);
  // Each body's UTF-8 size, measured once (a body may be tens of kilobytes).
  const sizes = bodies.map(size);
  const waiting: number[] = [];
  let pending = 0;
  let wake: (() => void) | undefined;
  const start = (index: number): void => {
    ways[index] = "keepalive";
    pending++;
    // Stryker disable next-line all: a mutant here can only keep the retry loop waiting until the test's own timeout (each was a mutation-run timeout, about 15 s apiece, 17 in all); the loop is held by beacon.test.ts and the browser suites' chunked deliveries
    void keepalive(url, bodies[index]!, sizes[index]!, contentType).then((ok) => {
      // Stryker disable next-line all: as above
      pending--;
      if (!ok) {
        // Back in line in its place, so the bodies still go in order.
        ways[index] = undefined;
        waiting.push(index);
        waiting.sort((a, b) => a - b);
      }
      wake?.();
    });
  };
  // Bytes of keepalive requests started by atexit and not settled yet: the
  // browser refuses any that would take the page over its budget.
  const fits = (index: number): boolean => realmState().keepaliveInFlight + sizes[index]! <= KEEPALIVE_BUDGET;

  bodies.forEach((body, index) => {
    // No page may ever have more than the budget in flight: never sendable.
    if (sizes[index]! > KEEPALIVE_BUDGET) return;
    // Once a body waits, the later ones wait behind it, so they arrive in order.
    if (waiting.length === 0 && beacon(url, body, contentType)) ways[index] = "beacon";
    else if (waiting.length === 0 && fits(index)) start(index);
    else waiting.push(index);
  });

  const endsAt = Date.now() + timeout;
  // Stryker disable next-line all: as above
  for (let left = timeout; (waiting.length > 0 || pending > 0) && left > 0; left = endsAt - Date.now()) {
    // With bodies waiting, a pause before the next try; with none, until the
    // requests in flight settle (a failure puts its body back in line).
    const retrying = waiting.length > 0;
    // Stryker disable all: as above
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(retrying ? RETRY_PAUSE_MS : left, left, MAX_TIMER_MS));
      wake = retrying ? undefined : () => (clearTimeout(timer), resolve());
    });
    // Stryker restore all
    wake = undefined;
    if (!retrying) continue;
    // Stryker disable next-line all: as above
    while (waiting.length > 0 && fits(waiting[0]!) && Date.now() < endsAt) start(waiting.shift()!);
  }
  // A request still in flight at the deadline has left; whether it arrives, only the server knows.
  return {
    chunks: bodies.length,
    via: ways.filter((way) => way !== undefined),
    unsent: bodies.filter((_, index) => ways[index] === undefined),
  };
}
