// workerd's AsyncLocalStorage, for the workerd entry (npm only: JSR cannot
// resolve cloudflare:workers, and leaves this file out too).
import type { InvocationContext, SharedState } from "../src/protocol.ts";

type AsyncHooks = { AsyncLocalStorage?: new () => InvocationContext } | undefined;

// A variable, not a literal: a bundler (wrangler) leaves the import to the
// runtime, which refuses it where Node compatibility is off, instead of
// failing the build there.
const ASYNC_HOOKS = "node:async_hooks";

/**
 * Begins loading node:async_hooks, a built-in module of workerd with Node
 * compatibility (or `nodejs_als`), by a dynamic import: never through
 * `process`. Called on the workerd entry's first use (a registration at
 * module scope), so the first request finds it loaded; `loadedContext`
 * (src/defer.ts) reads what it made.
 */
export function loadContext(state: SharedState): void {
  state.contextLoading ??= import(ASYNC_HOOKS).then(
    (hooks: AsyncHooks) => void (state.context ??= typeof hooks?.AsyncLocalStorage === "function" ? new hooks.AsyncLocalStorage() : null),
    () => void (state.context ??= null),
  );
}
