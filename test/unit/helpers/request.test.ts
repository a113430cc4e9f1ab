// withExit(handler) (helpers/request.ts, on src/invocation.ts's phases): each
// invocation ends with an exit phase after its response: its deferred work
// settles, then the callbacks run LIFO (`last` ones after), awaited, and stay
// registered; inside the runtime's waitUntil where the handler was given one.
// Node 20 has AsyncLocalStorage, so defer() is attributed to its own
// invocation; the "without AsyncLocalStorage" block takes it away, as on
// edge-runtime. The runtimes and platforms run it end to end in
// test/e2e/request.test.ts.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createApi } from "../../fixtures/api.ts";
import { deferWith, processContext } from "../../../src/defer.ts";

const defer = (promise: PromiseLike<unknown>): void => deferWith({ context: processContext }, promise);
import { getRegistry } from "../../../src/realm.ts";
import { sharedState } from "../../../src/realm.ts";
import { defaultConfig } from "../../../src/config.ts";
import { withExit } from "../../../helpers/request.ts";
import type { ExitEvent } from "../../../src/types.ts";

const api = createApi(() => ({ runtime: "unknown" }));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A Workers-style ctx whose waitUntil promises the test can await. */
function context(): { waitUntil(promise: Promise<unknown>): void; settled(): Promise<unknown[]>; handed: Promise<unknown>[] } {
  const handed: Promise<unknown>[] = [];
  return { handed, waitUntil: (promise) => void handed.push(promise), settled: () => Promise.all(handed) };
}

const request = (path: string): Request => new Request(`http://127.0.0.1${path}`);

afterEach(() => {
  api.clear();
  api.configure({ ...defaultConfig });
  vi.restoreAllMocks();
});

function suite(withStorage: boolean): void {
  test("after the response: that request's deferred work, then the callbacks LIFO, last ones after", async () => {
    const seen: string[] = [];
    api.register(() => void seen.push("flush"), { last: true });
    api.register((event) => void seen.push(`cleanup ${(event as ExitEvent<"request">).request.url}`));
    const handler = withExit((req: Request, _env: unknown, _ctx: unknown) => {
      defer(sleep(30).then(() => seen.push("deferred")));
      seen.push("handler");
      return new Response(req.url);
    });
    const ctx = context();
    const response = await handler(request("/a"), {}, ctx);
    seen.push("response");
    expect(await (response as Response).text()).toBe("http://127.0.0.1/a");
    expect(ctx.handed).toHaveLength(1);
    await ctx.settled();
    expect(seen).toEqual(["handler", "response", "deferred", "cleanup http://127.0.0.1/a", "flush"]);
  });

  test("the event: reason request, not final, awaited, the request itself", async () => {
    const events: ExitEvent[] = [];
    api.register((event) => void events.push(event));
    const ctx = context();
    const req = request("/e");
    await withExit((_: Request, _ctx: unknown) => new Response("ok"))(req, ctx);
    await ctx.settled();
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ reason: "request", final: false, awaited: true, runtime: "node" });
    expect((event as ExitEvent<"request">).request).toBe(req);
    expect(Object.keys(event!)).toContain("request");
    expect(event!.deadline.aborted).toBe(false);
  });

  test("callbacks stay registered for the next request; once ones run in one phase only", async () => {
    const seen: string[] = [];
    api.register(() => void seen.push("every"));
    api.register(() => void seen.push("once"), { once: true });
    const handler = withExit((_: Request, _ctx: unknown) => new Response("ok"));
    for (const path of ["/1", "/2", "/3"]) {
      const ctx = context();
      await handler(request(path), ctx);
      await ctx.settled();
    }
    expect(seen).toEqual(["once", "every", "every", "every"]);
    expect(api.count()).toBe(1);
  });

  test("async callbacks are awaited one after another, within their timeout", async () => {
    const onError = vi.fn();
    api.configure({ onError });
    const seen: string[] = [];
    api.register(async () => {
      await sleep(20);
      seen.push("slow flush");
    }, { last: true });
    api.register(() => new Promise(() => {}), { timeout: 30, name: "stuck" });
    const ctx = context();
    await withExit((_: Request, _ctx: unknown) => new Response("ok"))(request("/t"), ctx);
    await ctx.settled();
    expect(seen).toEqual(["slow flush"]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![2]).toBe("stuck");
    expect(onError.mock.calls[0]![0].message).toBe('exit callback "stuck" did not finish within 30 ms');
  });

  test("a callback that throws is reported, the others run, and the next request runs them all again", async () => {
    const onError = vi.fn();
    api.configure({ onError });
    const seen: string[] = [];
    api.register(() => void seen.push("flush"), { last: true });
    api.register(() => {
      throw new Error("broken");
    });
    const handler = withExit((_: Request, _ctx: unknown) => new Response("ok"));
    for (const path of ["/x", "/y"]) {
      const ctx = context();
      expect(await ((await handler(request(path), ctx)) as Response).text()).toBe("ok");
      await ctx.settled();
    }
    expect(seen).toEqual(["flush", "flush"]);
    expect(onError).toHaveBeenCalledTimes(2);
    expect(onError.mock.calls[1]![1].request.url).toBe("http://127.0.0.1/y");
  });

  test("concurrent requests each get a phase, after their own deferred work", async () => {
    const seen: string[] = [];
    api.register((event) => void seen.push(`flush ${new URL((event as ExitEvent<"request">).request.url).pathname}`), { last: true });
    const handler = withExit(async (req: Request, _ctx: unknown) => {
      const path = new URL(req.url).pathname;
      await sleep(5);
      // Deferred after an await: AsyncLocalStorage (or the open set) still finds this invocation.
      defer(sleep(path === "/slow" ? 60 : 10).then(() => seen.push(`deferred ${path}`)));
      return new Response(path);
    });
    const contexts = [context(), context(), context()];
    const responses = await Promise.all(["/slow", "/b", "/c"].map((path, i) => handler(request(path), contexts[i])));
    expect(await Promise.all(responses.map((response) => (response as Response).text()))).toEqual(["/slow", "/b", "/c"]);
    await Promise.all(contexts.map((ctx) => ctx.settled()));
    for (const path of ["/slow", "/b", "/c"]) {
      expect(seen.indexOf(`deferred ${path}`)).toBeGreaterThanOrEqual(0);
      expect(seen.indexOf(`flush ${path}`)).toBeGreaterThan(seen.indexOf(`deferred ${path}`));
    }
    expect(seen.filter((line) => line.startsWith("flush"))).toHaveLength(3);
    // With AsyncLocalStorage a request waits for its own work only; without
    // it, for all the work deferred while it was open (late, never lost).
    const fastFlushedFirst = seen.indexOf("flush /b") < seen.indexOf("deferred /slow");
    expect(fastFlushedFirst).toBe(withStorage);
  });

  test("a callback removed by an earlier one during the phase does not run in it", async () => {
    const seen: string[] = [];
    const later = (): void => void seen.push("removed one");
    api.register(later);
    api.register(() => void (seen.push("remover"), api.unregister(later)));
    const ctx = context();
    await withExit((_: Request, _ctx: unknown) => new Response("ok"))(request("/r"), ctx);
    await ctx.settled();
    expect(seen).toEqual(["remover"]);
  });

  test("past the total deadline, a callback is called without waiting, and its rejection still reported", async () => {
    const onError = vi.fn();
    api.configure({ totalTimeout: 30, onError });
    api.register(() => Promise.reject(new Error("late and failed")), { name: "overdue" });
    api.register(() => sleep(60));
    const ctx = context();
    await withExit((_: Request, _ctx: unknown) => new Response("ok"))(request("/late"), ctx);
    await ctx.settled();
    await sleep(10);
    const names = onError.mock.calls.map((call) => call[2]);
    expect(names).toContain("overdue");
    expect(onError.mock.calls.find((call) => call[2] === "overdue")![0].message).toBe("late and failed");
  });

  test("a phase that fails in itself is logged, and never rejects the waitUntil it was given", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    api.register(() => {});
    const registry = getRegistry();
    const begin = vi.spyOn(registry, "begin").mockImplementation(() => {
      throw new Error("registry broken");
    });
    const ctx = context();
    await withExit((_: Request, _ctx: unknown) => new Response("ok"))(request("/broken"), ctx);
    await expect(ctx.handed[0]).resolves.toBeUndefined();
    expect(printed).toHaveBeenCalledWith("[atexit] an exit phase failed:", new Error("registry broken"));
    begin.mockRestore();
  });

  test("a handler that throws (or rejects) still ends its invocation", async () => {
    const seen: string[] = [];
    api.register(() => void seen.push("flush"));
    const ctx = context();
    const boom = new Error("handler failed");
    expect(() =>
      withExit((_: Request, _ctx: unknown) => {
        throw boom;
      })(request("/sync"), ctx),
    ).toThrow(boom);
    await expect(
      withExit(async (_: Request, _ctx: unknown) => {
        throw boom;
      })(request("/async"), ctx),
    ).rejects.toBe(boom);
    await ctx.settled();
    expect(seen).toEqual(["flush", "flush"]);
  });

  test("a synchronous response is returned as it is, not as a promise", async () => {
    const response = new Response("now");
    const ctx = context();
    expect(withExit((_: Request, _ctx: unknown) => response)(request("/now"), ctx)).toBe(response);
    await ctx.settled();
  });

  test("`this` and every argument reach the handler", async () => {
    const app = {
      name: "app",
      fetch(this: { name: string }, req: Request, env: { key: string }, ctx: unknown) {
        return new Response(`${this.name} ${env.key} ${ctx === contexts ? "ctx" : "?"} ${req.method}`);
      },
    };
    const contexts = context();
    const wrapped = { name: "app", fetch: withExit(app.fetch) };
    const response = (await wrapped.fetch(request("/this"), { key: "k" }, contexts)) as Response;
    expect(await response.text()).toBe("app k ctx GET");
    await contexts.settled();
  });

  test("an env Proxy that throws on unknown keys is skipped when looking for waitUntil", async () => {
    const env = new Proxy({}, {
      get() {
        throw new Error("no such binding");
      },
    });
    const ctx = context();
    await withExit((_: Request, _env: unknown, _ctx: unknown) => new Response("ok"))(request("/p"), env, ctx);
    expect(ctx.handed).toHaveLength(1);
    await ctx.settled();
  });

  test("without a waitUntil (a process runtime), the program's exit waits for a phase under way", async () => {
    const seen: string[] = [];
    api.register(async (event) => {
      await sleep(30);
      seen.push(event.reason);
    });
    await withExit((_: Request) => new Response("ok"))(request("/p"));
    // Let the phase begin its callback, then exit: the exit's run waits for the phase first.
    await sleep(10);
    await api.runHandlers();
    expect(seen).toEqual(["request", "manual"]);
  });

  test("an exit that comes before the phase took its callbacks waits for the request's deferred work, then runs them once", async () => {
    const seen: string[] = [];
    api.register((event) => void seen.push(event.reason));
    await withExit((_: Request) => {
      defer(sleep(30).then(() => seen.push("deferred")));
      return new Response("ok");
    })(request("/q"));
    await api.runHandlers();
    expect(seen).toEqual(["deferred", "manual"]);
  });

  test(`work deferred by a callback during the phase goes to ${withStorage ? "that invocation's waitUntil" : "the program (no way to tell the invocation)"}`, async () => {
    sharedState().deferred?.clear();
    const ctx = context();
    api.register(() => void defer(new Promise(() => {})));
    await withExit((_: Request, _ctx: unknown) => new Response("ok"))(request("/late"), ctx);
    await ctx.handed[0];
    // The phase itself, then (with AsyncLocalStorage) the work its callback deferred.
    expect(ctx.handed).toHaveLength(withStorage ? 2 : 1);
    expect(sharedState().deferred?.size ?? 0).toBe(withStorage ? 0 : 1);
    sharedState().deferred?.clear();
  });

  test(`without AsyncLocalStorage and before any invocation, defer() holds the work for the program`, () => {
    const state = sharedState();
    const saved = { context: state.context, invocations: state.invocations };
    state.context = null;
    state.invocations = undefined;
    state.deferred?.clear();
    defer(new Promise(() => {}));
    expect(state.deferred?.size).toBe(1);
    state.deferred?.clear();
    Object.assign(state, saved);
  });

  test("a waitUntil that throws costs neither the response nor the phase: the program holds it", async () => {
    const seen: string[] = [];
    api.register((event) => void seen.push(event.reason));
    const ctx = {
      waitUntil() {
        throw new Error("spent");
      },
    };
    const response = await withExit(async (_: Request, _ctx: unknown) => new Response("kept"))(request("/spent"), ctx);
    expect(await (response as Response).text()).toBe("kept");
    await sleep(20);
    expect(seen).toEqual(["request"]);
  });

  test("withExit() refuses what is not a function, with an [atexit] TypeError", () => {
    for (const value of [undefined, null, 1, "fetch", {}]) {
      expect(() => withExit(value as never)).toThrow(/^\[atexit\] withExit\(\) expects a function, got /);
    }
  });
}

describe("withExit, with AsyncLocalStorage", () => {
  test("the host has it (Node 20.16 and later)", () => {
    sharedState();
    expect(typeof process.getBuiltinModule).toBe("function");
  });
  suite(true);
});

describe("withExit, without AsyncLocalStorage (as on edge-runtime)", () => {
  let saved: unknown;
  beforeEach(() => {
    const state = sharedState();
    saved = state.context;
    state.context = null;
  });
  afterEach(() => {
    sharedState().context = saved as never;
  });
  suite(false);
});
