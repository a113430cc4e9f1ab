// atexit/beacon off the page: chunking, the checks at the call site, and the
// server path (an ordinary fetch bounded by a timeout) against a local
// 127.0.0.1 server. The browser path is tested in real browsers (test/browser).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chunk } from "../../helpers/_send.ts";
import { sendOnExit } from "../../helpers/beacon.ts";

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

describe("chunk", () => {
  test("splits an array between items, each body a JSON array within the limit", () => {
    const items = Array.from({ length: 100 }, (_, index) => ({ index, pad: "x".repeat(40) }));
    const parts = chunk(items, 1000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(new TextEncoder().encode(part).byteLength).toBeLessThanOrEqual(1000);
    expect(parts.flatMap((part) => JSON.parse(part))).toEqual(items);
  });

  test("keeps a string as it is and serializes anything else whole", () => {
    expect(chunk("plain", 10)).toEqual(["plain"]);
    expect(chunk({ a: 1 }, 10)).toEqual(['{"a":1}']);
  });
});

describe("sendOnExit on a server", () => {
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
