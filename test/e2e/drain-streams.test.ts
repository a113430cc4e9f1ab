// atexit/http and long-lived connections, with real clients on 127.0.0.1: a
// drained server with open WebSockets and a server-sent event stream gets
// SIGTERM. Each WebSocket client gets a close frame with 1001 (going away),
// the event stream ends cleanly (EventSource would reconnect), and the
// process dies by SIGTERM long before the drain's timeout. The program runs
// with ATEXIT_DEBUG=1, and the drain's counts line is checked.
import { get as httpGet } from "node:http";
import { describe, expect, test } from "vitest";
import WebSocket from "ws";
import type { RuntimeId } from "./runtimes.ts";
import { serveFixture, serverCases } from "./servers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TIMEOUT = 4000;

/** Starts drain-streams.mjs with ATEXIT_DEBUG=1, for the drain's counts line. */
const serve = (id: RuntimeId, api: string) =>
  serveFixture(id, "drain-streams.mjs", {
    args: [api, String(TIMEOUT)],
    // ws reads two variables of its own as it loads, which Deno asks permission for.
    denoAllow: ["--allow-env=ATEXIT_DEBUG,WS_NO_BUFFER_UTIL,WS_NO_UTF_8_VALIDATE"],
    env: { ATEXIT_DEBUG: "1" },
  });

/** A WebSocket client, open; `closed` resolves with the close code it got, or the error. */
async function webSocket(port: number, path: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
  const closed = new Promise<number | string>((resolve) => {
    ws.on("close", (code) => resolve(code));
    ws.on("error", (error) => resolve(`error: ${error.message}`));
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return { closed };
}

/** An event-stream client (http.get, reading the body); `outcome` says how the stream ended, once it has. */
async function eventStream(port: number) {
  let body = "";
  const events: string[] = [];
  const opened = new Promise<void>((resolve, reject) => {
    httpGet({ host: "127.0.0.1", port, path: "/events", headers: { accept: "text/event-stream" } }, (response) => {
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
        resolve();
      });
      response.on("end", () => events.push("end"));
      response.on("aborted", () => events.push("aborted"));
      response.on("error", (error) => events.push(`error: ${error.message}`));
      response.on("close", () => events.push("close"));
    }).on("error", (error) => {
      events.push(`request error: ${error.message}`);
      reject(error);
    });
  });
  await opened;
  return { body: () => body, events };
}

// Each runtime's own server, and node:http's (with the ws package) on each; Express's and Fastify's on Node.
describe.each(serverCases)("%s, %s server", (id, api) => {
  test("SIGTERM: each WebSocket gets 1001, the event stream ends cleanly, and it dies by SIGTERM long before the timeout", async () => {
    const server = await serve(id, api);
    const nodeHttp = api !== "deno" && api !== "bun";
    // On node:http, a WebSocket of the ws package and one upgraded by hand.
    const sockets = await Promise.all((nodeHttp ? ["/ws", "/raw"] : ["/ws"]).map((path) => webSocket(server.port, path)));
    const stream = await eventStream(server.port);
    await server.printed("ws open", sockets.length);
    await server.printed("events open", 1);
    const signalled = performance.now();
    server.child.kill("SIGTERM");
    const end = await server.ended;
    const codes = await Promise.all(sockets.map((socket) => socket.closed));
    // The client's last events may trail the process's end by a turn.
    for (let waited = 0; waited < 1000 && !stream.events.includes("close"); waited += 10) await sleep(10);

    expect(codes).toEqual(sockets.map(() => 1001));
    expect(stream.body()).toMatch(/^data: hello\n\n/);
    expect(stream.events).toEqual(["end", "close"]);
    expect(end.signal).toBe("SIGTERM");
    // Nothing waited for the 4 s timeout.
    expect(end.at - signalled).toBeLessThan(TIMEOUT / 4);
    const counts = server.stderr().split("\n").filter((line) => line.startsWith("[atexit] drain of"));
    if (nodeHttp) {
      expect(counts).toEqual([
        "[atexit] drain of a node:http server: 0 requests finished, 0 idle connections closed, 2 WebSockets closed, 1 streams ended, 0 forced at the timeout",
      ]);
    } else if (api === "bun") {
      // Bun counts the stream among its requests; it ended on drainSignal().
      expect(counts).toEqual([
        "[atexit] drain of a Bun.serve server: 1 requests finished, 0 idle connections closed, 1 WebSockets closed, 0 streams ended, 0 forced at the timeout",
      ]);
    } else {
      // Deno's shutdown() closes the WebSockets itself and says nothing of what it did.
      expect(counts).toEqual([
        "[atexit] drain of a Deno.serve server: 0 requests finished, 0 idle connections closed, 0 WebSockets closed, 0 streams ended, 0 forced at the timeout",
      ]);
    }
  });
});
