// This module is browser compatible.
/**
 * `atexit/request` for Cloudflare's runtime (the `workerd` export
 * condition): the same `withExit` as the default build, which never reads
 * `process` (Node compatibility adds one there, and it says Node). It finds
 * AsyncLocalStorage as workerd's built-in node:async_hooks, where Node
 * compatibility (or `nodejs_als`) provides it. See request.ts for the API.
 *
 * @module
 */

import { workerdContext } from "./defer.ts";
import { detectEdgeHost } from "./detect.ts";
import { type FetchHandler, withExitFor } from "./invocation.ts";
import type { RequestLike } from "./types.ts";

export type { FetchHandler, RequestLike };

/** Each invocation of `handler` ends with an exit phase: see `withExit` of `atexit/request`. */
export function withExit<H extends FetchHandler>(handler: H): H {
  return withExitFor({ context: workerdContext, runtime: detectEdgeHost }, handler);
}
