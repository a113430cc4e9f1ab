// atexit/beacon's sendOnExit (helpers/beacon.ts): the checks at the call
// site, the server path (fetch within one deadline), against a stubbed fetch
// and then a local 127.0.0.1 server, and the browser path against a fake page
// (beacons first, then keepalive fetches within the page's 64 KiB budget, the
// rest retried while the page lives). How data is cut into bodies is
// test/unit/helpers/_send.test.ts's; real browsers run the browser path in
// test/browser/browser.test.ts.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { KEEPALIVE_BUDGET } from "../../../helpers/_send.ts";
import { sendOnExit } from "../../../helpers/beacon.ts";

const bytes = (body: string): number => new TextEncoder().encode(body).byteLength;

// Requests a failed test left held: released, so the module's count of bytes
// in flight does not leak into the next test.
const leftHeld: Array<() => void> = [];

afterEach(() => {
  for (const release of leftHeld.splice(0)) release();
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

// The local server the real fetches go to: /ok takes the body (kept in `bodies`), any other path answers 500.
let server: Server;
let origin = "";
const bodies: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (part: Buffer) => (body += part));
    request.on("end", () => {
      if (request.url === "/ok") bodies.push(body);
      response.writeHead(request.url === "/ok" ? 204 : 500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("sendOnExit: the target", () => {
  test.each([
    [42, "number"],
    [null, "null"],
    [undefined, "undefined"],
    [{ href: "/log" }, "object"],
  ])("%j → TypeError at the call site, naming what it got", (target, got) => {
    vi.stubGlobal("fetch", vi.fn());
    expect(() => sendOnExit(target as never, [])).toThrow(new TypeError(`[atexit] sendOnExit() expects a URL, got ${got}`));
    expect(fetch).not.toHaveBeenCalled();
  });

  test("a URL object is sent to its string form", async () => {
    const fetch = vi.fn(async () => ({ ok: true }));
    vi.stubGlobal("fetch", fetch);
    await sendOnExit(new URL("http://127.0.0.1:9/log?x=1"), "bye");
    expect(fetch).toHaveBeenCalledWith("http://127.0.0.1:9/log?x=1", expect.anything());
  });
});

describe("sendOnExit on a server (no document)", () => {
  test("POSTs each body in order with fetch, as text/plain by default, under one deadline", async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => ({ ok: true }));
    vi.stubGlobal("fetch", fetch);
    const result = await sendOnExit("http://127.0.0.1:9/log", ["a", "a", "a"], { maxChunkBytes: 9 });
    expect(result).toEqual({ chunks: 2, via: ["fetch", "fetch"], unsent: [] });
    expect(fetch.mock.calls.map(([url, init]) => [url, init.method, init.body, init.headers])).toEqual([
      ["http://127.0.0.1:9/log", "POST", '["a","a"]', { "content-type": "text/plain;charset=UTF-8" }],
      ["http://127.0.0.1:9/log", "POST", '["a"]', { "content-type": "text/plain;charset=UTF-8" }],
    ]);
    const [first, second] = fetch.mock.calls.map(([, init]) => init.signal);
    expect(first).toBeInstanceOf(AbortSignal);
    expect(second).toBe(first);
    expect(fetch.mock.calls[0]?.[1].keepalive).toBeUndefined();
  });

  test("sends the content type asked for", async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => ({ ok: true }));
    vi.stubGlobal("fetch", fetch);
    await sendOnExit("/log", { a: 1 }, { contentType: "application/json" });
    expect(fetch.mock.calls[0]?.[1].headers).toEqual({ "content-type": "application/json" });
  });

  test("a body the server refuses, or that fails to go, is reported unsent; the others still go", async () => {
    const answers = [{ ok: false }, Promise.reject(new TypeError("fetch failed")), { ok: true }];
    const fetch = vi.fn(async () => answers.shift());
    vi.stubGlobal("fetch", fetch);
    const result = await sendOnExit("/log", ["a", "b", "c"], { maxChunkBytes: 5 });
    expect(result).toEqual({ chunks: 3, via: ["fetch"], unsent: ['["a"]', '["b"]'] });
  });

  test("the deadline aborts a request still waiting after timeout ms, which is then unsent", async () => {
    const fetch = vi.fn(
      (_url: string, init: RequestInit) =>
        new Promise((_resolve, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
    );
    vi.stubGlobal("fetch", fetch);
    const startedAt = performance.now();
    const result = await sendOnExit("/log", "bye", { timeout: 20 });
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(result).toEqual({ chunks: 1, via: [], unsent: ["bye"] });
    expect((fetch.mock.calls[0]?.[1].signal?.reason as Error).name).toBe("TimeoutError");
  });

  test("a fractional timeout works: the request still waiting then is aborted with a TimeoutError", async () => {
    const fetch = vi.fn(
      (_url: string, init: RequestInit) =>
        new Promise((_resolve, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
    );
    vi.stubGlobal("fetch", fetch);
    expect(await sendOnExit("/log", "bye", { timeout: 1.5 })).toEqual({ chunks: 1, via: [], unsent: ["bye"] });
    expect((fetch.mock.calls[0]?.[1].signal?.reason as Error).name).toBe("TimeoutError");
  });

  test("by default the deadline is 5 s and bodies are up to 60,000 bytes", async () => {
    vi.useFakeTimers();
    try {
      const waiting = vi.fn(
        (_url: string, init: RequestInit) =>
          new Promise((_resolve, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
      );
      vi.stubGlobal("fetch", waiting);
      let result: unknown;
      void sendOnExit("/log", "bye").then((value) => (result = value));
      await vi.advanceTimersByTimeAsync(4999);
      expect(result).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(result).toEqual({ chunks: 1, via: [], unsent: ["bye"] });
    } finally {
      vi.useRealTimers();
    }
    vi.stubGlobal("fetch", vi.fn(async () => ({ ok: true })));
    const item = "x".repeat(29_990); // about 30 kB of JSON each
    expect((await sendOnExit("/log", [item, item])).chunks).toBe(1);
    expect((await sendOnExit("/log", [item, item, item])).chunks).toBe(2);
  });
});

describe("sendOnExit on a server, to a local 127.0.0.1 server", () => {
  test("POSTs every chunk with fetch and reports them sent", async () => {
    bodies.length = 0;
    const items = Array.from({ length: 50 }, (_, index) => ({ index }));
    const result = await sendOnExit(`${origin}/ok`, items, { maxChunkBytes: 200 });
    expect(result.chunks).toBeGreaterThan(1);
    expect(result.via).toEqual(Array(result.chunks).fill("fetch"));
    expect(result.unsent).toEqual([]);
    expect(bodies.flatMap((body) => JSON.parse(body))).toEqual(items);
  });

  test("reports the chunks a failing server did not take", async () => {
    const result = await sendOnExit(`${origin}/fail`, [{ a: 1 }]);
    expect(result).toEqual({ chunks: 1, via: [], unsent: ['[{"a":1}]'] });
  });

  test("a bad URL throws a TypeError at the call site", () => {
    expect(() => sendOnExit(42 as never, [])).toThrow(new TypeError("[atexit] sendOnExit() expects a URL, got number"));
  });
});

describe("sendOnExit checks everything at the call site", () => {
  const url = "http://127.0.0.1:9/never";
  const loose = <T>(value: unknown): T => value as T;
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const { proxy: revokedProxy, revoke } = Proxy.revocable([], {});
  revoke();

  test.each([
    ["a BigInt", 10n],
    ["a circular object", circular],
    ["a throwing toJSON", { toJSON: () => { throw new Error("toJSON broke"); } }],
    ["an array holding a BigInt", [1, 2n]],
    ["undefined", undefined],
    ["a function", () => {}],
    ["a symbol", Symbol("s")],
    ["a revoked Proxy", revokedProxy],
  ])("%s cannot be serialized: a TypeError, thrown, never a rejection", (_, data) => {
    expect(() => sendOnExit(url, data)).toThrow(TypeError);
    expect(() => sendOnExit(url, data)).toThrow(/^\[atexit\] sendOnExit\(\) cannot serialize the data: /);
  });

  test.each([
    [null, TypeError, "[atexit] sendOnExit() expects an options object, got null"],
    [[], TypeError, "[atexit] sendOnExit() expects an options object, got array"],
    [{ timeout: -1 }, RangeError, '[atexit] sendOnExit() option "timeout" must be 0 or more milliseconds, got -1'],
    [{ timeout: "5" }, TypeError, '[atexit] sendOnExit() option "timeout" must be a number of milliseconds, got string'],
    [{ maxChunkBytes: 1.5 }, RangeError, '[atexit] sendOnExit() option "maxChunkBytes" must be a whole number of bytes, 1 or more (or Infinity), got 1.5'],
    [{ maxChunkBytes: 0 }, RangeError, '[atexit] sendOnExit() option "maxChunkBytes" must be a whole number of bytes, 1 or more (or Infinity), got 0'],
    [{ maxChunkBytes: Symbol("s") }, TypeError, '[atexit] sendOnExit() option "maxChunkBytes" must be a number of bytes, got symbol'],
    [{ contentType: Symbol("s") }, TypeError, '[atexit] sendOnExit() option "contentType" must be a string, got symbol'],
    [{ timout: 5 }, TypeError, '[atexit] sendOnExit() got an unknown option "timout" (known: maxChunkBytes, contentType, timeout)'],
  ])("options %o → %o", (options, type, message) => {
    let thrown: unknown;
    try {
      void sendOnExit(url, [], loose(options));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).constructor).toBe(type);
    expect((thrown as Error).message).toBe(message);
  });

  test.each([
    ["a revoked Proxy", revokedProxy],
    ["a Proxy of a URL", new Proxy(new URL("http://127.0.0.1/"), {})],
  ])("%s as the URL → the URL TypeError", (_, target) => {
    expect(() => sendOnExit(loose(target), [])).toThrow(/^\[atexit\] sendOnExit\(\) expects a URL, got /);
  });

  test("a timeout of 2³¹ ms or more waits without a timer (it would overflow to ~1 ms), and the batch is sent", async () => {
    bodies.length = 0;
    for (const timeout of [2 ** 31, Infinity]) {
      const result = await sendOnExit(`${origin}/ok`, [{ timeout }], { timeout });
      expect(result.unsent).toEqual([]);
    }
    expect(bodies).toEqual(['[{"timeout":2147483648}]', '[{"timeout":null}]']);
  });

  test("the smallest chunk, 1 byte, is accepted: each item then goes in a body of its own", async () => {
    bodies.length = 0;
    const result = await sendOnExit(`${origin}/ok`, [1, 2], { maxChunkBytes: 1 });
    expect(result).toEqual({ chunks: 2, via: ["fetch", "fetch"], unsent: [] });
    expect(bodies).toEqual(["[1]", "[2]"]);
  });

  test("a URL object is accepted and sent to", async () => {
    bodies.length = 0;
    const result = await sendOnExit(new URL(`${origin}/ok`), "plain text");
    expect(result.via).toEqual(["fetch"]);
    expect(bodies).toEqual(["plain text"]);
  });
});

/**
 * A page: a `document` with events, `navigator.sendBeacon` answers as told, and
 * `fetch` refuses a keepalive request that would take the page over its
 * 64 KiB budget, as browsers do (the refusal arrives in a later task).
 */
function page({ beacons = false, sendBeacon = true }: { beacons?: boolean; sendBeacon?: boolean } = {}) {
  vi.stubGlobal("document", { addEventListener() {} });
  vi.stubGlobal("addEventListener", () => {});
  const beacon = vi.fn((_url: string, _data: Blob) => beacons);
  vi.stubGlobal("navigator", sendBeacon ? { sendBeacon: beacon } : {});
  let inFlight = 0;
  const held: Array<() => void> = [];
  let hold = false;
  const fetch = vi.fn(async (_url: string, init: RequestInit) => {
    const size = bytes(init.body as string);
    if (init.keepalive && inFlight + size > KEEPALIVE_BUDGET) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      throw new TypeError("Failed to fetch");
    }
    inFlight += size;
    try {
      if (hold) await new Promise<void>((resolve) => held.push(resolve));
      return { ok: true };
    } finally {
      inFlight -= size;
    }
  });
  vi.stubGlobal("fetch", fetch);
  const release = (): void => {
    hold = false;
    for (const resolve of held.splice(0)) resolve();
  };
  leftHeld.push(release);
  return {
    beacon,
    fetch,
    /** Keeps the next keepalive requests in flight until `release()`. */
    hold: () => void (hold = true),
    release,
    bodies: () => fetch.mock.calls.map(([, init]) => init.body),
  };
}

describe("sendOnExit in a browser", () => {
  test("each body the browser takes as a beacon leaves before sendOnExit returns; no fetch", async () => {
    const { beacon, fetch } = page({ beacons: true });
    const sending = sendOnExit("/log", ["a", "b"], { maxChunkBytes: 5, contentType: "application/json" });
    expect(beacon).toHaveBeenCalledTimes(2);
    expect(await sending).toEqual({ chunks: 2, via: ["beacon", "beacon"], unsent: [] });
    expect(fetch).not.toHaveBeenCalled();
    const [url, blob] = beacon.mock.calls[0]!;
    expect(url).toBe("/log");
    expect(blob.type).toBe("application/json");
    expect(await blob.text()).toBe('["a"]');
  });

  test("a body refused as a beacon goes as a keepalive fetch, started before sendOnExit returns", async () => {
    const { fetch } = page({ beacons: false });
    const sending = sendOnExit("/log", "bye");
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[1]).toEqual({
      method: "POST",
      body: "bye",
      keepalive: true,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
    expect(await sending).toEqual({ chunks: 1, via: ["keepalive"], unsent: [] });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  test("without sendBeacon (an old browser, a worker), keepalive fetches carry everything", async () => {
    const { fetch } = page({ sendBeacon: false });
    expect(await sendOnExit("/log", "bye")).toEqual({ chunks: 1, via: ["keepalive"], unsent: [] });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  test("without navigator at all, the same", async () => {
    const { fetch } = page();
    vi.stubGlobal("navigator", undefined);
    expect(await sendOnExit("/log", "bye")).toEqual({ chunks: 1, via: ["keepalive"], unsent: [] });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  test("a body of exactly 64 KiB may go; one byte more never can, and is reported unsent at once", async () => {
    const { beacon, fetch } = page({ beacons: true });
    const fits = "x".repeat(KEEPALIVE_BUDGET);
    const over = "x".repeat(KEEPALIVE_BUDGET + 1);
    expect(await sendOnExit("/log", fits, { maxChunkBytes: Infinity })).toEqual({ chunks: 1, via: ["beacon"], unsent: [] });
    expect(await sendOnExit("/log", over, { maxChunkBytes: Infinity })).toEqual({ chunks: 1, via: [], unsent: [over] });
    expect(beacon).toHaveBeenCalledTimes(1);
    expect(fetch).not.toHaveBeenCalled();
  });

  test("a body that would go over what this page has in flight waits, then goes once the budget frees up", async () => {
    const { fetch, hold, release, bodies } = page();
    hold();
    const first = sendOnExit("/log", "a".repeat(60_000), { maxChunkBytes: Infinity });
    const second = sendOnExit("/log", "b".repeat(10_000), { maxChunkBytes: Infinity });
    // 60,000 + 10,000 is over 65,536: the second is not started with the first in flight.
    expect(fetch).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    release();
    expect(await first).toEqual({ chunks: 1, via: ["keepalive"], unsent: [] });
    expect(await second).toEqual({ chunks: 1, via: ["keepalive"], unsent: [] });
    expect(bodies().at(-1)).toBe("b".repeat(10_000));
  });

  test("a body that exactly fills what is left of the budget starts at once", async () => {
    const { fetch, hold, release } = page();
    hold();
    const first = sendOnExit("/log", "a".repeat(60_000), { maxChunkBytes: Infinity });
    const second = sendOnExit("/log", "b".repeat(KEEPALIVE_BUDGET - 60_000), { maxChunkBytes: Infinity });
    expect(fetch).toHaveBeenCalledTimes(2);
    release();
    await Promise.all([first, second]);
  });

  test("the budget is given back when a keepalive request settles, answered or failed", async () => {
    const { fetch } = page();
    const full = "a".repeat(KEEPALIVE_BUDGET);
    await sendOnExit("/log", full, { maxChunkBytes: Infinity });
    fetch.mockRejectedValueOnce(new TypeError("network down"));
    void sendOnExit("/log", full, { maxChunkBytes: Infinity, timeout: 0 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    fetch.mockClear();
    const last = sendOnExit("/log", full, { maxChunkBytes: Infinity });
    // Nothing of this module's is in flight: the whole budget is free again.
    expect(fetch).toHaveBeenCalledTimes(1);
    await last;
  });

  test("within one call too: a body that does not fit beside one in flight waits for it, and each goes once", async () => {
    const { fetch, hold, release, bodies } = page();
    hold();
    const first = "a".repeat(60_000);
    const second = "b".repeat(10_000);
    const sending = sendOnExit("/log", [first, second], { maxChunkBytes: 60_010 });
    expect(fetch).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    release();
    expect(await sending).toEqual({ chunks: 2, via: ["keepalive", "keepalive"], unsent: [] });
    expect(bodies()).toEqual([`["${first}"]`, `["${second}"]`]);
  });

  test("once a body waits, the later ones wait behind it, so they arrive in order", async () => {
    const { beacon, hold, release, bodies } = page();
    hold();
    const first = sendOnExit("/log", "a".repeat(60_000), { maxChunkBytes: Infinity });
    const big = "b".repeat(10_000);
    const small = "c";
    const second = sendOnExit("/log", [big, small], { maxChunkBytes: 10_005 });
    // The small one would fit, but does not overtake (nor is it tried as a beacon).
    expect(bodies()).toHaveLength(1);
    expect(beacon).toHaveBeenCalledTimes(2);
    await new Promise((resolve) => setTimeout(resolve, 30));
    release();
    await first;
    expect(await second).toEqual({ chunks: 2, via: ["keepalive", "keepalive"], unsent: [] });
    expect(bodies().slice(-2)).toEqual([`["${big}"]`, `["${small}"]`]);
  });

  test("a body that cannot fit beside this module's requests in flight is not tried until they settle, and is reported unsent if they never do in time", async () => {
    const { fetch, hold, release } = page();
    hold();
    const first = sendOnExit("/log", "a".repeat(60_000), { maxChunkBytes: Infinity });
    const body = "b".repeat(10_000);
    const startedAt = performance.now();
    const result = await sendOnExit("/log", body, { maxChunkBytes: Infinity, timeout: 60 });
    const elapsed = performance.now() - startedAt;
    release();
    await first;
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(1000);
    // A try the browser would refuse for certain is not made.
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(result).toEqual({ chunks: 1, via: [], unsent: [body] });
  });

  test("a keepalive request that fails with nothing else waiting is tried again, and reported unsent if it keeps failing", async () => {
    // Fake time: on the real clock a try may start a moment before the
    // deadline and still be in flight at it, and a request in flight has left.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { fetch } = page();
    fetch.mockImplementation(async () => {
      throw new TypeError("network down");
    });
    let result: unknown;
    void sendOnExit("/log", "bye", { timeout: 200 }).then((settled) => (result = settled));
    await vi.advanceTimersByTimeAsync(200);
    expect(result).toEqual({ chunks: 1, via: [], unsent: ["bye"] });
    // At once, then after each 50 ms pause while the deadline allows a start.
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  test("a keepalive request that fails once, with nothing else waiting, is tried again and counted once", async () => {
    const { fetch } = page();
    fetch.mockImplementationOnce(async () => {
      throw new TypeError("network blip");
    });
    expect(await sendOnExit("/log", "bye", { timeout: 1000 })).toEqual({ chunks: 1, via: ["keepalive"], unsent: [] });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  test("while a body waits, a started keepalive request that fails is tried again", async () => {
    const { fetch, bodies } = page();
    const first = "a".repeat(60_000);
    const second = "b".repeat(10_000);
    fetch.mockImplementationOnce(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new TypeError("network blip");
    });
    const result = await sendOnExit("/log", [first, second], { maxChunkBytes: 60_010, timeout: 1000 });
    expect(result.unsent).toEqual([]);
    expect(bodies().filter((body) => body === `["${first}"]`)).toHaveLength(2);
    expect(bodies().filter((body) => body === `["${second}"]`)).toHaveLength(1);
    // One entry per body, however many tries; the failed body goes again before the one behind it.
    expect(result).toEqual({ chunks: 2, via: ["keepalive", "keepalive"], unsent: [] });
    expect(bodies()).toEqual([`["${first}"]`, `["${first}"]`, `["${second}"]`]);
  });

  test("by default a body the browser keeps refusing is tried for 5 s, one pause apart, and no try starts once they are up", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { fetch } = page();
    const startedAt = Date.now();
    // Each try is refused 10 ms later (the page's other requests hold the budget).
    const tries: number[] = [];
    fetch.mockImplementation(async () => {
      tries.push(Date.now() - startedAt);
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new TypeError("Failed to fetch");
    });
    let result: unknown;
    void sendOnExit("/log", "b".repeat(10_000), { maxChunkBytes: Infinity }).then((settled) => (result = settled));
    await vi.advanceTimersByTimeAsync(4990);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(100);
    expect(result).toEqual({ chunks: 1, via: [], unsent: ["b".repeat(10_000)] });
    // 10 ms to be refused, then 50 ms of pause: about 83 tries in 5 s, never a tight loop.
    expect(tries.length).toBeGreaterThan(70);
    expect(tries.length).toBeLessThan(100);
    const gaps = tries.slice(1).map((at, index) => at - tries[index]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(60);
    expect(Math.max(...tries)).toBeLessThan(5000);
  });

  test("a request in flight that does not settle does not keep the call past its timeout", async () => {
    const { hold, release } = page();
    hold();
    const first = "a".repeat(60_000);
    const second = "b".repeat(10_000);
    const startedAt = performance.now();
    const result = await sendOnExit("/log", [first, second], { maxChunkBytes: 60_010, timeout: 100 });
    expect(performance.now() - startedAt).toBeLessThan(1000);
    // The first is still on its way (it may yet arrive); the second could not start in time.
    expect(result).toEqual({ chunks: 2, via: ["keepalive"], unsent: [`["${second}"]`] });
    release();
  });
});
