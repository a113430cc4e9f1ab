// atexit/beacon off the page: chunking, and the server path (an ordinary
// fetch bounded by a timeout) against a local 127.0.0.1 server. The browser
// path is tested in real browsers (test/browser).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chunk, sendOnExit } from "../src/beacon.ts";

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
