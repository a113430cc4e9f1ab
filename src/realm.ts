// This module is browser compatible.

import type { Invocation, InvocationContext } from "./defer.ts";

/**
 * What every copy of atexit in a realm shares besides the registry (see
 * global.ts): module state would be per copy, and with two copies (an ESM and
 * a CJS build, two versions bundled) the second would act on nothing.
 */
export interface RealmState {
  /** The installed browser adapter's trigger, for `enableBeforeUnload()` of whichever copy. */
  pageTrigger: ((reason: "beforeunload", final: boolean, trusted?: boolean) => void) | undefined;
  /** Bytes of keepalive requests that `sendOnExit` (of whichever copy) has in flight. */
  keepaliveInFlight: number;
  /**
   * The servers `drain` (of whichever copy) has begun to drain, for
   * `isDraining()`; made with the first drain (absent in a state made before it was added).
   */
  draining?: WeakSet<object> | undefined;
  /**
   * Work `defer` (of whichever copy) holds for the program, outside any
   * invocation: the exit run awaits it before the callbacks. Made on first use,
   * like the three below.
   */
  deferred?: Set<Promise<void>> | undefined;
  /** The invocations `withExit` has open, for `defer` on hosts without AsyncLocalStorage. */
  invocations?: Set<Invocation> | undefined;
  /** What tells `defer` which invocation it is called in; `null` where the host has no AsyncLocalStorage. */
  context?: InvocationContext | null | undefined;
  /** workerd's node:async_hooks while it loads (see `workerdContext`). */
  contextLoading?: Promise<void> | undefined;
}

/** The realm state's place on `globalThis`; the version names its shape. */
export const REALM_KEY: unique symbol = Symbol.for("atexit.realm.v1") as never;

type Holder = { [REALM_KEY]?: RealmState };

/** The realm's shared state, created on first use (never at import). */
export function realmState(): RealmState {
  const holder = globalThis as Holder;
  let state = holder[REALM_KEY];
  if (!state) {
    state = { pageTrigger: undefined, keepaliveInFlight: 0 };
    // Not writable or enumerable: a stray assignment must not split it in two.
    Object.defineProperty(holder, REALM_KEY, { value: state });
  }
  return state;
}
