// This module is browser compatible.
/**
 * `atexit/request`: on request-scoped runtimes (Cloudflare Workers, Vercel and
 * Netlify functions, edge runtimes, and any fetch-style server), an
 * invocation's end is an exit phase, as a hidden page is: once the handler
 * has produced its response, that invocation's deferred work settles, then
 * the registered callbacks run, last in first out, `last` ones after,
 * awaited within their time limits, inside the runtime's `waitUntil` where
 * it has one. They stay registered for the next invocation (`once` ones
 * excepted).
 *
 * @example
 * ```ts
 * import { register } from "atexit";
 * import { withExit } from "atexit/request";
 *
 * register((event) => {
 *   if (event.reason === "request") console.log(`flushing after ${event.request.url}`);
 * }, { last: true });
 *
 * const handler = withExit((request: Request) => new Response(`hello ${request.url}`));
 * await handler(new Request("http://127.0.0.1/"));
 * ```
 *
 * @module
 */

import { contextFor } from "../src/defer.ts";
import { detect } from "../src/detect.ts";
import { type FetchHandler, withExitFor } from "../src/invocation.ts";
import type { RequestLike } from "../src/types.ts";

export type { FetchHandler, RequestLike };

/**
 * Wraps a fetch-style handler so that each of its invocations ends with an
 * exit phase: once the handler has produced its response (or thrown), the
 * work `defer` was given during the invocation settles, then the registered
 * callbacks run, last in first out, `last` ones after, awaited within their
 * `timeout` and the `totalTimeout`, with `reason: "request"`, `final: false`
 * and `event.request` (concurrent invocations each run them, and that tells
 * them apart). Callbacks stay registered for the next invocation, `once`
 * ones excepted. The response is never delayed: the phase runs inside the
 * runtime's `waitUntil` (a Workers `ctx`, a Vercel or Netlify `context`, or
 * the platform's own), or, on a process runtime (Node.js, Deno, Bun), as
 * work the program's exit waits for, as `defer` does.
 *
 * @param handler The handler: Workers' `fetch(request, env, ctx)`, Vercel's
 *   `(request, context)`, `Deno.serve`'s, `Bun.serve`'s `fetch`, Hono's `app.fetch`.
 * @returns A handler of the same type, to serve in its place.
 * @throws {TypeError} If `handler` is not a function.
 *
 * @example
 * ```ts
 * import { defer, register } from "atexit";
 * import { withExit } from "atexit/request";
 *
 * const sent: string[] = [];
 * register((event) => void sent.push(`flush after ${event.reason}`), { last: true });
 * const handler = withExit((request: Request) => {
 *   defer(new Promise((resolve) => setTimeout(resolve, 20)));
 *   return new Response(request.method);
 * });
 * await handler(new Request("http://127.0.0.1/"));
 * ```
 */
export function withExit<H extends FetchHandler>(handler: H): H {
  // The host names itself before `process` is ever read where it must not
  // be (src/detect.ts), and so does the AsyncLocalStorage it brings.
  const runtime = detect();
  return withExitFor({ context: contextFor(runtime), runtime }, handler);
}
