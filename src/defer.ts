// This module is browser compatible.
//
// `defer(promise)`: background work that must finish before the program, or
// the invocation it was started in, ends. Its own module: a program that never
// defers carries none of it; the awaited run (run.ts) waits for what it holds.

import type { Invocation, InvocationContext, SharedState, WaitUntil } from "./protocol.ts";
import { sharedState } from "./realm.ts";
import type { Then } from "./run.ts";
import type { RuntimeName } from "./types.ts";
import { describe, reasonOf } from "./validate.ts";

/**
 * Where a host's AsyncLocalStorage comes from: one made, `null` if the host
 * has none, `undefined` while it cannot tell yet (a module still loading).
 */
export type ContextSource = (state: SharedState) => InvocationContext | null | undefined;

type AsyncHooks = { AsyncLocalStorage?: new () => InvocationContext } | undefined;
type BuiltinModules = { process?: { getBuiltinModule?(id: string): unknown } | null };

/** An AsyncLocalStorage from `hooks` (node:async_hooks), or null. */
const made = (hooks: AsyncHooks): InvocationContext | null =>
  typeof hooks?.AsyncLocalStorage === "function" ? new hooks.AsyncLocalStorage() : null;

/**
 * Node (from 20.16), Deno and Bun: node:async_hooks through
 * `process.getBuiltinModule`, which older Node lacks.
 */
export function processContext(): InvocationContext | null {
  try {
    return made((globalThis as BuiltinModules).process?.getBuiltinModule?.("node:async_hooks") as AsyncHooks);
  } catch {
    // A host that refuses the module has none to offer.
    return null;
  }
}

/**
 * Hosts that must never have `process` read (edge runtimes, web workers,
 * pages): the host's own `AsyncLocalStorage` global, where it has one
 * (Next.js's edge runtime does; Vercel's edge-runtime package and workerd do not).
 */
export function globalContext(): InvocationContext | null {
  try {
    return made(globalThis as AsyncHooks);
  } catch {
    return null;
  }
}

/**
 * workerd: node:async_hooks is a built-in module there with Node
 * compatibility (or `nodejs_als`), which the workerd entry loads on its first
 * use, never through `process` (adapters/_workerd.ts). Until it has loaded
 * there is no telling; if nothing began loading it, there is none.
 */
export function loadedContext(state: SharedState): InvocationContext | null | undefined {
  return state.contextLoading ? state.context : null;
}

/** Where AsyncLocalStorage comes from on `runtime`, without reading `process` where it must not be read. */
export function contextFor(runtime: RuntimeName): ContextSource {
  if (runtime === "node" || runtime === "deno" || runtime === "bun") return processContext;
  return runtime === "workerd" ? loadedContext : globalContext;
}

/**
 * The realm's AsyncLocalStorage for invocations, made once from `source`
 * (shared by every copy of atexit, so one copy's `withExit` is seen by
 * another's `defer`). Where the host has none, `defer` holds work for every
 * invocation open at the time (see {@linkcode openInvocations}).
 */
export function invocationContext(source: ContextSource, state: SharedState = sharedState()): InvocationContext | undefined {
  if (state.context === undefined) {
    const context = source(state);
    if (context !== undefined) state.context = context;
  }
  return state.context ?? undefined;
}

/**
 * The invocations a call made now belongs to: the one AsyncLocalStorage names,
 * if it is still open; without AsyncLocalStorage, every open one (a task
 * deferred by one of two interleaved requests then holds back both flushes,
 * which is late but never lost).
 */
function openInvocations(state: SharedState, source: ContextSource): Invocation[] {
  const context = invocationContext(source, state);
  if (context) {
    const current = context.getStore();
    return current?.open ? [current] : [];
  }
  return state.invocations ? [...state.invocations] : [];
}

/** Where a request-scoped platform keeps `waitUntil` for the request under way. */
const REQUEST_CONTEXTS = ["@vercel/request-context", "@next/request-context"];

type RequestContextHolder = { get?(): { waitUntil?: unknown } | undefined };

/**
 * The platform's own `waitUntil` for the request under way: Vercel's (and
 * Netlify's Next runtime's) request context, Supabase's `EdgeRuntime`. Each
 * is read now, inside the request, since it names that request.
 */
export function platformWaitUntil(): WaitUntil | undefined {
  try {
    const globals = globalThis as Record<symbol | string, unknown>;
    for (const key of REQUEST_CONTEXTS) {
      const context = (globals[Symbol.for(key)] as RequestContextHolder | undefined)?.get?.();
      const waitUntil = context?.waitUntil;
      if (typeof waitUntil === "function") return (promise) => void waitUntil.call(context, promise);
    }
    // Vercel's EdgeRuntime is a string, which has no waitUntil either.
    const edge = globals.EdgeRuntime as { waitUntil?: unknown } | undefined;
    const waitUntil = edge?.waitUntil;
    if (typeof waitUntil === "function") return (promise) => void waitUntil.call(edge, promise);
  } catch {
    // A hostile or half-made context is no context.
  }
  return undefined;
}

/** Reads `promise.then` once, or says clearly why it cannot be deferred. */
function thenOfDeferred(promise: unknown): Then {
  let then: unknown;
  if ((typeof promise === "object" && promise !== null) || typeof promise === "function") {
    try {
      then = (promise as { then?: unknown }).then;
    } catch (error) {
      throw new TypeError(`[atexit] defer() could not read the promise's "then": ${reasonOf(error)}`, { cause: error });
    }
  }
  if (typeof then !== "function") throw new TypeError(`[atexit] defer() expects a promise, got ${describe(promise)}`);
  return then as Then;
}

/**
 * `promise` as one that settles with it and never rejects. A rejection is
 * logged, one `[atexit]` line, as the platforms' `waitUntil` do: handing a
 * rejecting promise to edge-runtime's `waitUntil` would crash its server, and
 * on Node an unhandled one would end the process.
 */
function settledOf(promise: unknown, then: Then): Promise<void> {
  return new Promise<void>((resolve) => {
    const failed = (error: unknown): void => {
      console.error("[atexit] deferred work failed:", error);
      resolve();
    };
    try {
      then.call(promise, () => resolve(), failed);
    } catch (error) {
      failed(error);
    }
  });
}

/** Adds `work` to `set` until it settles. */
function hold(set: Set<Promise<void>>, work: Promise<void>): void {
  set.add(work);
  void work.then(() => set.delete(work));
}

/** What an entry's `defer` knows of its host: where AsyncLocalStorage comes from, and a `waitUntil` of its own (workerd's). */
export interface DeferHost {
  readonly context: ContextSource;
  readonly waitUntil?: (() => WaitUntil | undefined) | undefined;
}

/**
 * Keeps `promise` alive until it settles: inside a request that `withExit`
 * wraps, that request's exit phase waits for it before the callbacks, inside
 * the runtime's `waitUntil`; in a request on Cloudflare Workers, Vercel,
 * Netlify or Supabase, it goes to that platform's `waitUntil`; elsewhere
 * (Node.js, Deno, Bun, a page), the program's awaited exit paths wait for it
 * before the callbacks. It is awaited like one callback: within the
 * configured `timeout` and the run's `totalTimeout`. A rejection is logged,
 * one `[atexit]` line, and fails nothing. Each entry binds it to its host.
 */
export function deferWith(host: DeferHost, promise: PromiseLike<unknown>): void {
  const work = settledOf(promise, thenOfDeferred(promise));
  const state = sharedState();
  const invocations = openInvocations(state, host.context);
  if (invocations.length > 0) {
    // The invocation's exit phase waits for it, inside the host's waitUntil.
    for (const invocation of invocations) hold(invocation.deferred, work);
    return;
  }
  // Deferred from an exit phase (a callback), or in a request no withExit wraps.
  const waitUntil = invocationContext(host.context, state)?.getStore()?.waitUntil ?? host.waitUntil?.() ?? platformWaitUntil();
  if (waitUntil) {
    try {
      return waitUntil(work);
    } catch {
      // No request under way after all (workerd's own waitUntil throws then): the program holds it.
    }
  }
  holdForProgram(work);
}

/** Holds `work` for the program: its awaited exit paths wait for it before the callbacks. */
export function holdForProgram(work: Promise<void>): void {
  hold((sharedState().deferred ??= new Set()), work);
}
