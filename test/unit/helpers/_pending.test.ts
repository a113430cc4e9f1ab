// pending(url) (helpers/_pending.ts, which atexit/beacon exports) against a
// stand-in fetchLater (the real one is tested in Chromium,
// test/browser/pending.test.ts): each set re-queues and aborts the one before;
// a refusal (over the quota) falls back to the hide path, and says so; flush
// sends at once, once; cancel drops it; bad input is refused.
import { afterEach, describe, expect, test, vi } from "vitest";
import { pending } from "../../../helpers/_pending.ts";
import { count, clear } from "../../../src/api.ts";
import { runHandlersWith } from "../../../src/api.ts";

interface Queued {
  url: string;
  init: { method: string; body: string; headers: Record<string, string>; signal: AbortSignal; activateAfter?: number };
  result: { activated: boolean };
}

function stubFetchLater(refuse?: Error): Queued[] {
  const queued: Queued[] = [];
  vi.stubGlobal("fetchLater", (url: string, init: Queued["init"]) => {
    if (refuse) throw refuse;
    const entry = { url, init, result: { activated: false } };
    queued.push(entry);
    return entry.result;
  });
  return queued;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  clear();
});

describe("pending() with fetchLater", () => {
  test("each set queues the new payload and aborts the one before", () => {
    const queued = stubFetchLater();
    const payload = pending("http://127.0.0.1:9/state", { activateAfter: 60_000 });
    payload.set({ value: 1 });
    payload.set({ value: 2 });
    expect(queued.map((entry) => entry.init.body)).toEqual(['{"value":1}', '{"value":2}']);
    expect(queued.map((entry) => entry.init.signal.aborted)).toEqual([true, false]);
    expect(queued[1]).toMatchObject({
      url: "http://127.0.0.1:9/state",
      init: { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8" }, activateAfter: 60_000 },
    });
    // Nothing registered: the browser sends it, not the hide path.
    expect(count()).toBe(0);
  });

  test("activated follows the browser's result", () => {
    const queued = stubFetchLater();
    const payload = pending("http://127.0.0.1:9/state");
    expect(payload.activated).toBe(false);
    payload.set("draft");
    expect(payload.activated).toBe(false);
    queued[0]!.result.activated = true;
    expect(payload.activated).toBe(true);
    expect("activateAfter" in queued[0]!.init).toBe(false);
  });

  test("flush() after the browser sent it sends nothing more", async () => {
    const queued = stubFetchLater();
    const payload = pending("http://127.0.0.1:9/state");
    payload.set("x");
    queued[0]!.result.activated = true;
    expect(await payload.flush()).toEqual({ chunks: 0, via: [], unsent: [] });
  });

  test("flush() before: the queued one is aborted and the payload sent now, once", async () => {
    const queued = stubFetchLater();
    const payload = pending("http://127.0.0.1:9/state", { timeout: 500 });
    payload.set("x");
    const result = await payload.flush();
    expect(queued[0]!.init.signal.aborted).toBe(true);
    // Port 9 refuses: on a server the one body is reported unsent.
    expect(result).toEqual({ chunks: 1, via: [], unsent: ["x"] });
    expect(payload.activated).toBe(true);
    expect(await payload.flush()).toEqual({ chunks: 0, via: [], unsent: [] });
  });

  test("a payload fetchLater refuses (over its quota) goes to the hide path, and that is said", async () => {
    const quota = Object.assign(new Error("Quota exceeded"), { name: "QuotaExceededError" });
    stubFetchLater(quota);
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const payload = pending("http://127.0.0.1:9/state", { timeout: 500 });
    payload.set({ big: true });
    expect(printed).toHaveBeenCalledWith(expect.stringMatching(/^\[atexit\] pending\(\): fetchLater did not take the payload, so it will be sent when the page is hidden: Quota exceeded$/));
    expect(count()).toBe(1);
    payload.cancel();
    expect(count()).toBe(0);
  });

  test("cancel() aborts the queued payload", () => {
    const queued = stubFetchLater();
    const payload = pending("http://127.0.0.1:9/state");
    payload.set(1);
    payload.cancel();
    expect(queued[0]!.init.signal.aborted).toBe(true);
    expect(payload.activated).toBe(false);
  });
});

describe("pending() without fetchLater (the hide path; on a server, the exit's run)", () => {
  test("the latest payload is sent once by a run, not again by the next without a new set", async () => {
    const bodies: string[] = [];
    vi.stubGlobal("fetch", async (_url: string, init: { body: string }) => {
      bodies.push(init.body);
      return new Response(null, { status: 204 });
    });
    const payload = pending("http://127.0.0.1:9/state");
    payload.set({ value: 1 });
    payload.set({ value: 2 });
    expect(count()).toBe(1);
    const host = () => ({ runtime: "unknown" as const });
    await runHandlersWith(host);
    expect(bodies).toEqual(['{"value":2}']);
    expect(payload.activated).toBe(true);
    // runHandlers consumed the registration; a new set registers again, and is sent by the next run.
    payload.set({ value: 3 });
    await runHandlersWith(host);
    expect(bodies).toEqual(['{"value":2}', '{"value":3}']);
  });

  test("a payload larger than one body is chunked, never dropped", async () => {
    const bodies: string[] = [];
    vi.stubGlobal("fetch", async (_url: string, init: { body: string }) => {
      bodies.push(init.body);
      return new Response(null, { status: 204 });
    });
    const items = Array.from({ length: 1000 }, (_, index) => ({ index, pad: "x".repeat(100) }));
    const payload = pending("http://127.0.0.1:9/state");
    payload.set(items);
    const result = await payload.flush();
    expect(result.chunks).toBeGreaterThan(1);
    expect(result.via).toEqual(Array(result.chunks).fill("fetch"));
    expect(result.unsent).toEqual([]);
    expect(bodies.flatMap((body) => JSON.parse(body) as Array<{ index: number }>).map((item) => item.index)).toEqual(items.map((item) => item.index));
  });
});

describe("more of pending()", () => {
  test("with fetchLater, a payload of several bodies goes to the hide path instead (fetchLater takes one request)", () => {
    const queued = stubFetchLater();
    const payload = pending("http://127.0.0.1:9/state");
    payload.set(Array.from({ length: 1000 }, (_, index) => ({ index, pad: "x".repeat(100) })));
    expect(queued).toHaveLength(0);
    expect(count()).toBe(1);
  });

  test("a set while the page is hidden is sent at once (a hidden page may never be hidden again)", () => {
    const sendBeacon = vi.fn(() => true);
    vi.stubGlobal("document", { visibilityState: "hidden", addEventListener() {} });
    vi.stubGlobal("addEventListener", () => {});
    vi.stubGlobal("navigator", { sendBeacon });
    const payload = pending("http://127.0.0.1:9/state");
    payload.set({ value: 1 });
    expect(sendBeacon).toHaveBeenCalledTimes(1);
    expect(payload.activated).toBe(true);
  });

  test("a set while the page is visible waits for the hide", () => {
    const sendBeacon = vi.fn(() => true);
    vi.stubGlobal("document", { visibilityState: "visible", addEventListener() {} });
    vi.stubGlobal("addEventListener", () => {});
    vi.stubGlobal("navigator", { sendBeacon });
    pending("http://127.0.0.1:9/state").set({ value: 1 });
    expect(sendBeacon).not.toHaveBeenCalled();
  });

  test("after cancel(), flush() has nothing to send", async () => {
    const fetched = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal("fetch", fetched);
    const payload = pending("http://127.0.0.1:9/state");
    payload.set({ value: 1 });
    payload.cancel();
    expect(await payload.flush()).toEqual({ chunks: 0, via: [], unsent: [] });
    expect(fetched).not.toHaveBeenCalled();
    expect(payload.activated).toBe(false);
  });

  test("the content type given is the one sent", () => {
    const queued = stubFetchLater();
    pending("http://127.0.0.1:9/state", { contentType: "application/json" }).set({ value: 1 });
    expect(queued[0]!.init.headers).toEqual({ "content-type": "application/json" });
  });
});

describe("a body no page can send as it ends", () => {
  test("a body of exactly 64 KiB, or an ordinary one, is not worth a word", () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    stubFetchLater();
    const payload = pending("http://127.0.0.1:9/state");
    payload.set({ value: 1 });
    payload.set("x".repeat(65_536));
    expect(printed).not.toHaveBeenCalled();
  });

  test("is said at set(), and flush() still sends it", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const bodies: string[] = [];
    vi.stubGlobal("fetch", async (_url: string, init: { body: string }) => {
      bodies.push(init.body);
      return new Response(null, { status: 204 });
    });
    const payload = pending("http://127.0.0.1:9/state");
    payload.set("x".repeat(70_000));
    expect(printed).toHaveBeenCalledWith(expect.stringMatching(/^\[atexit\] pending\(\): the payload has a body over 65536 bytes/));
    expect((await payload.flush()).via).toEqual(["fetch"]);
    expect(bodies[0]).toHaveLength(70_000);
  });
});

describe("pending() refuses bad input", () => {
  test("a URL that is not one, unknown or mistyped options, data that cannot be serialized", () => {
    expect(() => pending(42 as never)).toThrow("[atexit] pending() expects a URL, got number");
    expect(() => pending("/x", { later: 1 } as never)).toThrow(/^\[atexit\] pending\(\) got an unknown option "later"/);
    expect(() => pending("/x", { activateAfter: -1 })).toThrow(RangeError);
    expect(() => pending("/x", { contentType: 1 as never })).toThrow(TypeError);
    const payload = pending("/x");
    expect(() => payload.set(10n)).toThrow(/^\[atexit\] pending\(\) cannot serialize the data/);
    expect(() => payload.set(undefined)).toThrow("[atexit] pending() cannot serialize the data: got undefined");
    expect(count()).toBe(0);
  });
});
