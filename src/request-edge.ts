// This module is browser compatible.
/**
 * `atexit/request` for edge runtimes, web workers and pages (the
 * `edge-light`, `worker` and `browser` export conditions): the same
 * `withExit` as the default build, which never reads `process` (an edge
 * build flags every use of it, and these hosts have none of their own). It
 * finds AsyncLocalStorage only as the host's own global (Next.js's edge
 * runtime has one); without it, `defer` holds work for every invocation open
 * at the time. See request.ts for the API.
 *
 * @module
 */

import { globalContext } from "./defer.ts";
import { detectEdgeHost } from "./detect.ts";
import { type FetchHandler, withExitFor } from "./invocation.ts";
import type { RequestLike } from "./types.ts";

export type { FetchHandler, RequestLike };

/** Each invocation of `handler` ends with an exit phase: see `withExit` of `atexit/request`. */
export function withExit<H extends FetchHandler>(handler: H): H {
  return withExitFor({ context: globalContext, runtime: detectEdgeHost }, handler);
}
