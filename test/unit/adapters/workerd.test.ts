// The workerd entry (adapters/workerd.ts): what it binds the public functions
// to. workerd is stood in for by its navigator.userAgent and a stand-in for
// its built-in `cloudflare:workers`, whose `waitUntil` each test sets: a
// function inside a request, one that throws (or a binding that throws when
// read) outside one. The entry adds no listener anywhere. Each test loads the
// entry afresh, as its adapter is made once per load. The real workerd runs
// it in test/e2e/request.test.ts.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { expectReadyInert, fresh, resetAfterEach, seen } from "./entry.ts";
import { findRegistry, sharedState } from "../../../src/realm.ts";

const cloudflare = vi.hoisted(() => ({ waitUntil: (): unknown => undefined }));
vi.mock("cloudflare:workers", () => ({
  get waitUntil() {
    return cloudflare.waitUntil();
  },
}));

const load = () => fresh(() => import("../../../adapters/workerd.ts"));

const VERCEL_CONTEXT = Symbol.for("@vercel/request-context");

beforeEach(() => {
  vi.stubGlobal("navigator", { userAgent: "Cloudflare-Workers" });
  // Nothing loaded yet: the entry's first use begins loading AsyncLocalStorage.
  const state = sharedState();
  state.context = undefined;
  state.contextLoading = undefined;
  state.deferred = undefined;
});

resetAfterEach();
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[VERCEL_CONTEXT];
  cloudflare.waitUntil = () => undefined;
});

describe("the workerd entry", () => {
  test("register() listens to nothing, and begins loading the AsyncLocalStorage that tells invocations apart", async () => {
    const atexit = await load();
    const log: string[] = [];
    const off = atexit.register((event) => void log.push(seen(event)));
    expect(typeof off).toBe("function");
    expect(findRegistry()?.installed).toBeUndefined();
    expect(sharedState().contextLoading).toBeInstanceOf(Promise);
    await sharedState().contextLoading;
    expect(sharedState().context?.constructor.name).toBe("AsyncLocalStorage");
    await atexit.runHandlers();
    expect(log).toEqual(["manual workerd awaited"]);
    expect(atexit.count()).toBe(0);
  });

  test("exit() runs the callbacks, awaited, and resolves: a Worker cannot be ended", async () => {
    const atexit = await load();
    const log: string[] = [];
    atexit.register((event) => void log.push(`${seen(event)} ${event.code}`));
    await atexit.exit(6);
    expect(log).toEqual(["exit workerd awaited 6"]);
  });

  test("defer() in a request no withExit wraps hands the work to the request's waitUntil", async () => {
    const atexit = await load();
    const handed: unknown[] = [];
    cloudflare.waitUntil = () => (promise: unknown) => void handed.push(promise);
    atexit.defer(Promise.resolve());
    expect(handed).toHaveLength(1);
    expect(handed[0]).toBeInstanceOf(Promise);
    expect(sharedState().deferred).toBeUndefined();
  });

  test.each([
    ["whose waitUntil throws when called", () => () => { throw new Error("no request"); }],
    ["whose waitUntil throws when read", () => { throw new Error("no request"); }],
  ])("defer() outside a request (%s) holds the work for the program: the awaited run waits for it", async (_, waitUntil) => {
    const atexit = await load();
    cloudflare.waitUntil = waitUntil;
    vi.useFakeTimers();
    const log: string[] = [];
    atexit.defer(new Promise((resolve) => setTimeout(resolve, 1000)).then(() => void log.push("deferred work")));
    atexit.register(() => void log.push("callback"));
    const running = atexit.runHandlers();
    await vi.advanceTimersByTimeAsync(1000);
    await running;
    expect(log).toEqual(["deferred work", "callback"]);
  });

  test("a waitUntil export that is not a function is not taken for one: the platform's request context is asked next", async () => {
    const atexit = await load();
    cloudflare.waitUntil = () => ({});
    const handed: unknown[] = [];
    (globalThis as Record<symbol, unknown>)[VERCEL_CONTEXT] = { get: () => ({ waitUntil: (promise: unknown) => void handed.push(promise) }) };
    atexit.defer(Promise.resolve());
    expect(handed).toHaveLength(1);
    expect(sharedState().deferred).toBeUndefined();
  });

  test("ready() has no supervisor to tell here: it resolves, and sends nothing", async () => {
    await expectReadyInert(await load());
  });
});
