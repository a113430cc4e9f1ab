// defer(promise) (src/defer.ts). In a program (no invocation, no platform
// waitUntil), the awaited exit paths wait for the deferred work before the
// callbacks, within the callback `timeout` and the run's `totalTimeout`; a
// rejection is logged and fails nothing; bad input is refused at the call
// site. Then where defer() looks for an invocation to hand the work to: the
// host's AsyncLocalStorage, and a platform's waitUntil (Vercel, Supabase).
// Node, Deno and Bun run it end to end in test/e2e/defer.test.ts; workerd's
// AsyncLocalStorage is test/unit/adapters/_workerd.test.ts's.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createApi } from "../../fixtures/api.ts";
import { deferWith, globalContext, invocationContext, loadedContext, processContext } from "../../../src/defer.ts";
import type { Invocation, SharedState } from "../../../src/protocol.ts";
import { sharedState } from "../../../src/realm.ts";
import { defaultConfig } from "../../../src/config.ts";
import { settledNow } from "../settled-now.ts";

const api = createApi(() => ({ runtime: "unknown" }));
const defer = (promise: PromiseLike<unknown>): void => deferWith({ context: processContext }, promise);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  vi.useRealTimers();
  api.clear();
  api.configure({ ...defaultConfig });
  sharedState().deferred?.clear();
  vi.restoreAllMocks();
});

describe("defer() in a program", () => {
  test("runHandlers() waits for deferred work, then runs the callbacks LIFO, last ones after", async () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    api.register(() => void seen.push("last"), { last: true });
    api.register(() => void seen.push("first"));
    defer(sleep(40).then(() => seen.push("deferred")));
    const ran = api.runHandlers();
    await vi.advanceTimersByTimeAsync(39);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    // Done as soon as the work is: not at the callback timeout.
    expect(await settledNow(ran)).toBe(true);
    expect(seen).toEqual(["deferred", "first", "last"]);
  });

  test("work deferred while deferred work runs is waited for too", async () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    api.register(() => void seen.push("callback"));
    defer(
      sleep(10).then(() => {
        defer(sleep(30).then(() => seen.push("inner")));
        seen.push("outer");
      }),
    );
    const ran = api.runHandlers();
    await vi.advanceTimersByTimeAsync(39);
    expect(seen).toEqual(["outer"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(ran)).toBe(true);
    expect(seen).toEqual(["outer", "inner", "callback"]);
  });

  test("settled work leaves the set: a later run does not wait for it", async () => {
    defer(Promise.resolve());
    await sleep(0);
    expect(sharedState().deferred?.size).toBe(0);
  });

  test("work that outlives the callback timeout is reported as a timeout, and the callbacks still run", async () => {
    const onError = vi.fn();
    api.configure({ timeout: 50, onError });
    const seen: string[] = [];
    api.register(() => void seen.push("callback"));
    defer(new Promise(() => {}));
    const started = Date.now();
    await api.runHandlers();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(seen).toEqual(["callback"]);
    expect(onError).toHaveBeenCalledTimes(1);
    const [error, event, name] = onError.mock.calls[0]!;
    expect(name).toBe("deferred work");
    expect((error as Error).name).toBe("TimeoutError");
    expect((error as Error).message).toBe('exit callback "deferred work" did not finish within 50 ms');
    expect(event.reason).toBe("manual");
    expect(event.awaited).toBe(true);
    expect(event.deadline.aborted).toBe(true);
  });

  test("the total deadline bounds deferred work too, and errorExitCode sees the failure", async () => {
    const onError = vi.fn();
    api.configure({ timeout: 5000, totalTimeout: 60, onError });
    defer(new Promise(() => {}));
    api.register(() => {});
    const started = Date.now();
    await api.runHandlers();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(onError.mock.calls[0]![0].message).toMatch(/"deferred work" did not finish within (5\d|60) ms/);
  });

  test("a rejection is logged as one [atexit] line, fails nothing, and the run goes on", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const onError = vi.fn();
    api.configure({ onError });
    const seen: string[] = [];
    api.register(() => void seen.push("callback"));
    const boom = new Error("upload failed");
    defer(Promise.reject(boom));
    vi.useFakeTimers();
    // Settled at once: the rejection counts as the work's end.
    expect(await settledNow(api.runHandlers())).toBe(true);
    expect(seen).toEqual(["callback"]);
    expect(onError).not.toHaveBeenCalled();
    expect(printed).toHaveBeenCalledWith("[atexit] deferred work failed:", boom);
  });

  test("a thenable whose then throws counts as rejected work, not as bad input", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const boom = new Error("then threw");
    expect(() =>
      defer({
        then() {
          throw boom;
        },
      }),
    ).not.toThrow();
    await sleep(0);
    expect(printed).toHaveBeenCalledWith("[atexit] deferred work failed:", boom);
  });

  test("bad input is refused with an [atexit] TypeError, and nothing is held", () => {
    for (const value of [undefined, null, 42, "soon", {}, [], () => {}, { then: 1 }]) {
      expect(() => defer(value as never)).toThrow(new RegExp(`^\\[atexit\\] defer\\(\\) expects a promise, got `));
    }
    const hostile = Object.defineProperty({}, "then", {
      get() {
        throw new Error("no then for you");
      },
    });
    expect(() => defer(hostile as never)).toThrow('[atexit] defer() could not read the promise\'s "then": no then for you');
    let thrown: unknown;
    try {
      defer(hostile as never);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).cause).toEqual(new Error("no then for you"));
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(() => defer(proxy as never)).toThrow(TypeError);
    expect(sharedState().deferred?.size ?? 0).toBe(0);
  });

  test("a thenable function is a promise too", async () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    api.register(() => void seen.push("callback"));
    defer(Object.assign(() => {}, { then: (resolve: () => void) => void setTimeout(() => (seen.push("thenable"), resolve()), 20) }) as never);
    const ran = api.runHandlers();
    await vi.advanceTimersByTimeAsync(20);
    expect(await settledNow(ran)).toBe(true);
    expect(seen).toEqual(["thenable", "callback"]);
  });

  test("with no timeout (Infinity), deferred work is waited for as long as it takes", async () => {
    vi.useFakeTimers();
    const onError = vi.fn();
    api.configure({ timeout: Infinity, totalTimeout: Infinity, onError });
    const seen: string[] = [];
    api.register(() => void seen.push("callback"));
    // Ten hours: far past the default limits.
    defer(sleep(36_000_000).then(() => seen.push("deferred")));
    const ran = api.runHandlers();
    await vi.advanceTimersByTimeAsync(36_000_000 - 1);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(ran)).toBe(true);
    expect(seen).toEqual(["deferred", "callback"]);
    expect(onError).not.toHaveBeenCalled();
  });

  test("a deferred promise does not keep the callbacks from being awaited after it", async () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    api.register(async () => {
      await sleep(20);
      seen.push("slow callback");
    });
    defer(sleep(20).then(() => seen.push("deferred")));
    const ran = api.runHandlers();
    await vi.advanceTimersByTimeAsync(40);
    expect(await settledNow(ran)).toBe(true);
    expect(seen).toEqual(["deferred", "slow callback"]);
  });

  test("the program's deferred work is held in the realm's shared state, in one set the first defer makes", () => {
    defer(new Promise(() => {}));
    const held = sharedState().deferred;
    expect(held).toBeInstanceOf(Set);
    expect(held?.size).toBe(1);
    defer(new Promise(() => {}));
    expect(sharedState().deferred).toBe(held);
    expect(held?.size).toBe(2);
  });
});

describe("the AsyncLocalStorage that tells invocations apart", () => {
  const fresh = () => ({ pageTrigger: undefined, keepaliveInFlight: 0 });
  const host = process as unknown as { getBuiltinModule?: unknown };
  const original = host.getBuiltinModule;
  afterEach(() => void (host.getBuiltinModule = original));

  test("Node's, from node:async_hooks, made once per realm state", () => {
    const state = fresh();
    const context = invocationContext(processContext, state);
    expect(typeof context?.run).toBe("function");
    expect(typeof context?.getStore).toBe("function");
    expect(invocationContext(processContext, state)).toBe(context);
  });

  test("none where the host has no getBuiltinModule, no AsyncLocalStorage, or refuses the module", () => {
    for (const getBuiltinModule of [undefined, () => ({}), () => ({ AsyncLocalStorage: "no" }), () => { throw new Error("refused"); }]) {
      host.getBuiltinModule = getBuiltinModule;
      const state: SharedState = fresh();
      expect(invocationContext(processContext, state)).toBeUndefined();
      expect(state.context).toBeNull();
    }
  });
});

describe("AsyncLocalStorage on hosts whose entries never read process", () => {
  const fresh = (): SharedState => ({ pageTrigger: undefined, keepaliveInFlight: 0 });
  const holder = globalThis as { AsyncLocalStorage?: unknown };
  afterEach(() => void delete holder.AsyncLocalStorage);

  test("edge: the host's own AsyncLocalStorage global, else none", async () => {
    expect(invocationContext(globalContext, fresh())).toBeUndefined();
    const { AsyncLocalStorage } = await import("node:async_hooks");
    holder.AsyncLocalStorage = AsyncLocalStorage;
    expect(invocationContext(globalContext, fresh())).toBeInstanceOf(AsyncLocalStorage);
  });

  test("edge: an AsyncLocalStorage global that cannot be made is none, and is not asked again", () => {
    let made = 0;
    holder.AsyncLocalStorage = function AsyncLocalStorage() {
      made++;
      throw new Error("not here");
    };
    const state = fresh();
    expect(invocationContext(globalContext, state)).toBeUndefined();
    expect(state.context).toBeNull();
    expect(invocationContext(globalContext, state)).toBeUndefined();
    expect(made).toBe(1);
  });

  test("workerd: none if nothing began loading node:async_hooks; no telling while it loads; then the one it made", async () => {
    const { AsyncLocalStorage } = await import("node:async_hooks");
    const nothingLoading = fresh();
    expect(invocationContext(loadedContext, nothingLoading)).toBeUndefined();
    expect(nothingLoading.context).toBeNull();

    const loading: SharedState = { ...fresh(), contextLoading: new Promise(() => {}) };
    expect(invocationContext(loadedContext, loading)).toBeUndefined();
    // Not settled as "none": asked again once the module has loaded.
    expect(loading.context).toBeUndefined();
    const context = new AsyncLocalStorage<Invocation>();
    loading.context = context;
    expect(invocationContext(loadedContext, loading)).toBe(context);
  });
});

describe("a platform's waitUntil", () => {
  const vercel = Symbol.for("@vercel/request-context");
  const next = Symbol.for("@next/request-context");
  const holder = globalThis as Record<symbol | string, unknown>;
  // The module is loaded afresh for each test, so that what it computes as it
  // loads (where the platforms keep their request context) is computed inside
  // the test (a mutation run's changes to it are only active while a test runs).
  let defer: (promise: PromiseLike<unknown>) => void;
  let platformWaitUntil: () => unknown;
  beforeEach(async () => {
    vi.resetModules();
    const fresh = await import("../../../src/defer.ts");
    defer = (promise) => fresh.deferWith({ context: fresh.processContext }, promise);
    platformWaitUntil = fresh.platformWaitUntil;
  });

  afterEach(() => {
    delete holder[vercel];
    delete holder[next];
    delete holder.EdgeRuntime;
  });

  test("inside a Vercel request, defer() hands the work to that request's waitUntil", async () => {
    const handed: Promise<unknown>[] = [];
    holder[vercel] = { get: () => ({ waitUntil: (promise: Promise<unknown>) => handed.push(promise) }) };
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    defer(Promise.reject(new Error("lost upload")));
    expect(handed).toHaveLength(1);
    // What the platform gets never rejects (edge-runtime's server would crash).
    await expect(handed[0]).resolves.toBeUndefined();
    expect(printed).toHaveBeenCalledTimes(1);
    expect(sharedState().deferred?.size ?? 0).toBe(0);
  });

  test("inside a Next.js request (its own request context), defer() hands the work to that request's waitUntil", () => {
    const handed: unknown[] = [];
    const context = { waitUntil(this: unknown, promise: unknown) { expect(this).toBe(context); handed.push(promise); } };
    holder[next] = { get: () => context };
    defer(Promise.resolve());
    expect(handed).toHaveLength(1);
    expect(sharedState().deferred?.size ?? 0).toBe(0);
  });

  test("outside a request (the context gives nothing) the program holds it", () => {
    holder[vercel] = { get: () => undefined };
    defer(new Promise(() => {}));
    expect(sharedState().deferred?.size).toBe(1);
  });

  test("Supabase's EdgeRuntime.waitUntil is used; Vercel's string EdgeRuntime is not a waitUntil", () => {
    const handed: unknown[] = [];
    holder.EdgeRuntime = "edge-runtime";
    expect(platformWaitUntil()).toBeUndefined();
    holder.EdgeRuntime = { waitUntil: (promise: unknown) => handed.push(promise) };
    defer(Promise.resolve());
    expect(handed).toHaveLength(1);
  });

  test("a request-context holder without get is skipped, and the next place is tried", () => {
    const handed: unknown[] = [];
    holder[vercel] = {};
    holder.EdgeRuntime = { waitUntil: (promise: unknown) => handed.push(promise) };
    defer(Promise.resolve());
    expect(handed).toHaveLength(1);
  });

  test("a hostile request context is no context", () => {
    holder[vercel] = {
      get() {
        throw new Error("not in a request");
      },
    };
    expect(platformWaitUntil()).toBeUndefined();
  });

  test("a waitUntil that throws (no request under way) leaves the work to the program", () => {
    holder[vercel] = {
      get: () => ({
        waitUntil() {
          throw new Error("no request");
        },
      }),
    };
    defer(new Promise(() => {}));
    expect(sharedState().deferred?.size).toBe(1);
  });
});
