// This module is browser compatible.
//
// An invocation's end as an exit phase: what every `atexit/request` entry's
// `withExit` (helpers/request.ts) does, given the runtime it detected and
// where that runtime keeps the invocation's context (src/defer.ts).

import { type ContextSource, holdForProgram, invocationContext, platformWaitUntil } from "./defer.ts";
import type { Entry, Invocation, SharedRegistry, Trigger, WaitUntil } from "./protocol.ts";
import { getRegistry, sharedState } from "./realm.ts";
import { awaitWork, callAwaited, type Source, thenOf } from "./run.ts";
import { nextTurn } from "./time.ts";
import type { RuntimeName } from "./types.ts";
import { describe } from "./validate.ts";

/**
 * A fetch-style handler: a Request first, then whatever the runtime passes
 * (a Workers `env` and `ctx`, a Vercel or Netlify `context`, `Deno.serve`'s
 * `info`, `Bun.serve`'s server), returning a Response or a promise of one.
 */
export type FetchHandler = (request: never, ...rest: never[]) => unknown;

type WaitUntilHolder = { waitUntil?: unknown };

/** The first of the handler's other arguments with a `waitUntil` (a Workers `ctx`, a Vercel or Netlify `context`). */
function waitUntilOf(args: readonly unknown[]): WaitUntil | undefined {
  for (const arg of args) {
    try {
      // A primitive has none; null and undefined neither.
      const waitUntil = (arg as WaitUntilHolder | null | undefined)?.waitUntil;
      if (typeof waitUntil === "function") return (promise) => void waitUntil.call(arg, promise);
    } catch {
      // An `env` Proxy that throws on unknown keys holds no waitUntil.
    }
  }
  return undefined;
}

/**
 * The callbacks one phase runs, in run order (`first` ones, ordinary ones,
 * then `last` ones, each LIFO), taken in one synchronous keep-mode run of
 * the registry: the others stay registered, `once` ones are taken out now
 * (no other phase will run them). None while the program's own exit run is
 * under way: that run has them.
 */
function takeCallbacks(registry: SharedRegistry, trigger: Trigger): Entry[] {
  const taken: Entry[] = [];
  if (registry.current) return taken;
  const run = registry.begin(trigger, { keep: true });
  try {
    for (let entry = registry.take(run); entry; entry = registry.take(run)) taken.push(entry);
  } finally {
    registry.close(run);
  }
  return taken;
}

/**
 * One invocation's exit phase, as a source of the run driver (run.ts): its
 * callbacks are those registered once its deferred work has settled (a
 * callback unregistered since is skipped), its events carry the request, and
 * its run is its own record, never the registry's: concurrent phases, and
 * the program's own exit, go on beside it.
 */
function phaseSource(registry: SharedRegistry, trigger: Trigger): Source {
  let callbacks: Entry[] | undefined;
  let next = 0;
  return {
    get config() {
      return registry.config;
    },
    run: { startedAt: Date.now(), exitCode: undefined, failed: false },
    take: () => {
      // Taken once the deferred work has settled: what registered meanwhile runs too.
      callbacks ??= takeCallbacks(registry, trigger);
      for (let entry = callbacks[next++]; entry; entry = callbacks[next++]) {
        // A `once` one was retired as it was taken; any other must still be registered.
        if (entry.options.once || entry.seq >= 0) return entry;
      }
      return undefined;
    },
  };
}

/**
 * One invocation's exit phase: after the response has left the handler, its
 * deferred work settles, then the callbacks run, awaited, and stay registered.
 */
async function exitPhase(invocation: Invocation, request: unknown, runtime: RuntimeName): Promise<void> {
  // The response first: the handler's caller sends it in this turn.
  await nextTurn();
  const trigger: Trigger = { reason: "request", runtime, final: false, request };
  const source = phaseSource(getRegistry(), trigger);
  await awaitWork(source, invocation.deferred, trigger);
  await callAwaited(source, trigger);
}

/** {@linkcode exitPhase}, which never rejects: a host's waitUntil may crash on a rejection (edge-runtime does). */
async function safely(phase: () => Promise<void>): Promise<void> {
  try {
    await phase();
  } catch (error) {
    console.error("[atexit] an exit phase failed:", error);
  }
}

/** What `withExit` knows of its host: where AsyncLocalStorage comes from, and the host's name. */
export interface InvocationHost {
  readonly context: ContextSource;
  readonly runtime: RuntimeName;
}

/** `withExit` for a host, named once, not per invocation (see `withExit` in helpers/request.ts). */
export function withExitFor<H extends FetchHandler>(host: InvocationHost, handler: H): H {
  if (typeof handler !== "function") throw new TypeError(`[atexit] withExit() expects a function, got ${describe(handler)}`);
  const { runtime } = host;
  // Asked now too: a host whose AsyncLocalStorage loads (workerd) starts loading it before the first request.
  invocationContext(host.context);
  return function (this: unknown, request: unknown, ...rest: unknown[]): unknown {
    const state = sharedState();
    const context = invocationContext(host.context, state);
    const invocation: Invocation = { deferred: new Set(), waitUntil: waitUntilOf(rest) ?? platformWaitUntil(), open: true };
    const invocations = context ? undefined : (state.invocations ??= new Set());
    invocations?.add(invocation);
    const call = (): unknown => (handler as unknown as (this: unknown, ...args: unknown[]) => unknown).call(this, request, ...rest);
    const close = (): void => {
      invocation.open = false;
      invocations?.delete(invocation);
      const phase = (): Promise<void> => safely(() => exitPhase(invocation, request, runtime));
      // Inside the invocation's context, so a callback that defers reaches its waitUntil.
      const ending = context ? context.run(invocation, phase) : phase();
      try {
        if (invocation.waitUntil) return invocation.waitUntil(ending);
      } catch {
        // A waitUntil that throws (a hostile or spent ctx) must not cost the response: the program holds the phase.
      }
      // On a process runtime, the program's exit waits for a phase under way.
      holdForProgram(ending);
    };
    let response: unknown;
    try {
      response = context ? context.run(invocation, call) : call();
    } catch (error) {
      close();
      throw error;
    }
    let then: unknown;
    try {
      then = thenOf(response);
    } catch (error) {
      // The handler's own hostile result: its invocation still ends.
      close();
      throw error;
    }
    if (!then) {
      close();
      return response;
    }
    return Promise.resolve(response).then(
      (value) => {
        close();
        return value;
      },
      (error: unknown) => {
        close();
        throw error;
      },
    );
  } as unknown as H;
}

