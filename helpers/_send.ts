// This module is browser compatible.
//
// How `sendOnExit` and `pending` deliver: bodies serialized and chunked at
// the call, then beacons and keepalive fetches from a page, or plain fetches
// from a server, all within a deadline.

import { hasPage } from "../src/detect.ts";
import { sharedState } from "../src/realm.ts";
import { settled, sleep, timeoutError } from "../src/time.ts";
import { describe, reasonOf } from "../src/validate.ts";

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
  const state = sharedState();
  state.keepaliveInFlight = (state.keepaliveInFlight ?? 0) + bytes;
  try {
    await fetch(url, { method: "POST", body, keepalive: true, headers: { "content-type": type } });
    return true;
  } catch {
    return false;
  } finally {
    state.keepaliveInFlight -= bytes;
  }
}

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

/** Sends serialized bodies as `sendOnExit` does: from a page, or from a server. */
export function send(url: string, bodies: string[], contentType: string, timeout: number): Promise<SendResult> {
  return hasPage() ? fromPage(url, bodies, contentType, timeout) : fromServer(url, bodies, contentType, timeout);
}

/** The server path: each body POSTed in turn, all within one deadline. */
async function fromServer(url: string, bodies: string[], contentType: string, timeout: number): Promise<SendResult> {
  const via: Way[] = [];
  const unsent: string[] = [];
  const deadline = new AbortController();
  const over = new AbortController();
  void sleep(timeout, over.signal).then(() => deadline.abort(timeoutError(`sendOnExit() did not finish within ${timeout} ms`)));
  try {
    for (const body of bodies) {
      try {
        const response = await fetch(url, { method: "POST", body, headers: { "content-type": contentType }, signal: deadline.signal });
        if (response.ok) via.push("fetch");
        else unsent.push(body);
      } catch {
        unsent.push(body);
      }
    }
  } finally {
    // The timer must not keep a program that has ended its work alive.
    over.abort();
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
  // Resolved, and made anew, each time a keepalive request settles.
  let settle!: () => void;
  let changed = new Promise<void>((resolve) => (settle = resolve));
  const start = (index: number): void => {
    ways[index] = "keepalive";
    pending++;
    void keepalive(url, bodies[index]!, sizes[index]!, contentType).then((ok) => {
      pending--;
      if (!ok) {
        // Back in line in its place, so the bodies still go in order.
        ways[index] = undefined;
        waiting.push(index);
        waiting.sort((a, b) => a - b);
      }
      settle();
      changed = new Promise<void>((resolve) => (settle = resolve));
    });
  };
  // Bytes of keepalive requests started by atexit and not settled yet: the
  // browser refuses any that would take the page over its budget.
  const fits = (index: number): boolean => (sharedState().keepaliveInFlight ?? 0) + sizes[index]! <= KEEPALIVE_BUDGET;

  bodies.forEach((body, index) => {
    // No page may ever have more than the budget in flight: never sendable.
    if (sizes[index]! > KEEPALIVE_BUDGET) return;
    // Once a body waits, the later ones wait behind it, so they arrive in order.
    if (waiting.length === 0 && beacon(url, body, contentType)) ways[index] = "beacon";
    else if (waiting.length === 0 && fits(index)) start(index);
    else waiting.push(index);
  });

  const endsAt = Date.now() + timeout;
  for (let left = timeout; (waiting.length > 0 || pending > 0) && left > 0; left = endsAt - Date.now()) {
    // With bodies waiting, a pause before the next try; with none, until the
    // requests in flight settle (a failure puts its body back in line).
    if (waiting.length === 0) {
      await settled(changed, left);
      continue;
    }
    await sleep(Math.min(RETRY_PAUSE_MS, left));
    while (waiting.length > 0 && fits(waiting[0]!) && Date.now() < endsAt) start(waiting.shift()!);
  }
  // A request still in flight at the deadline has left; whether it arrives, only the server knows.
  return {
    chunks: bodies.length,
    via: ways.filter((way) => way !== undefined),
    unsent: bodies.filter((_, index) => ways[index] === undefined),
  };
}
