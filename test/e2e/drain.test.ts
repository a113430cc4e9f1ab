// atexit/http on the server runtimes, with real sockets on 127.0.0.1: a
// server with idle keep-alive clients and requests in flight gets SIGTERM.
// The requests finish, idle connections close at once, new connections are
// refused, and the process still dies by the signal.
import { Agent, get as httpGet } from "node:http";
import { connect as connectHttp2 } from "node:http2";
import { describe, expect, test } from "vitest";
import { accepts, Client } from "../fixtures/http-client.mjs";
import type { RuntimeId } from "./runtimes.ts";
import { serveFixture, serverCases } from "./servers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Server = Awaited<ReturnType<typeof serve>>;

/**
 * SIGTERM once the server has begun `count` requests for `path` (a fixed
 * pause raced their arrival under load); whether a new connection 50 ms
 * after the exit run began was refused; then the replies and the process's end.
 */
async function signalDuring<T>({ child, port, ended, printed }: Server, replies: Promise<T>, path: string, count: number) {
  await printed(`begun ${path}`, count);
  const signalled = performance.now();
  child.kill("SIGTERM");
  await printed("exit run");
  await sleep(50);
  const refused = !(await accepts(port));
  return { signalled, refused, done: await replies, end: await ended };
}

/** Starts drain.mjs with the drain's `timeout` and `delay`. */
const serve = (id: RuntimeId, api: string, timeout: number, delay: number) =>
  serveFixture(id, "drain.mjs", { args: [api, String(timeout), String(delay)] });

describe.each(serverCases)("%s, %s server", (id, api) => {
  test("SIGTERM: requests in flight finish, idle keep-alive connections close at once, new ones are refused, then it dies by SIGTERM", async () => {
    const server = await serve(id, api, 4000, 0);
    const idle = await Promise.all([0, 1, 2, 3].map(() => Client.open(server.port)));
    for (const client of idle) expect((await client.get("/")).status).toBe(200);
    const busy = await Promise.all([0, 1, 2].map(() => Client.open(server.port)));
    const replies = Promise.all(busy.map((client) => client.get("/slow")));
    const { signalled, refused, done, end } = await signalDuring(server, replies, "/slow", 3);

    expect(done.map((reply) => reply.status)).toEqual([200, 200, 200]);
    if (id === "node") for (const reply of done) expect(reply.headers.connection).toBe("close");
    for (const client of idle) expect(client.closedAt! - signalled).toBeLessThan(100);
    expect(refused).toBe(true);
    expect(end.signal).toBe("SIGTERM");
    expect(end.at - Math.max(...done.map((reply) => reply.at))).toBeLessThan(300);
    // An ordinary callback registered after drain() (a database pool's end) runs once every response is given.
    expect(server.stdout().filter((line) => line.startsWith("pool end"))).toEqual(["pool end, in flight 0"]);
  });

  // Only node:http's fixture has /stream; the other servers are not asked.
  // Deno's node:http closes each connection once its response is sent, as Deno.serve does.
  if (api === "node") test(`a response whose headers left before the signal: ${id === "deno" ? "Deno closes its keep-alive connection once it is sent" : "its keep-alive connection waits 500 ms for a queued request, then closes"}`, async () => {
    const { child, port, ended, printed } = await serve(id, api, 4000, 0);
    const client = await Client.open(port);
    const reply = client.get("/stream");
    await printed("begun /stream");
    child.kill("SIGTERM");
    const done = await reply;
    await ended;
    expect(done.status).toBe(200);
    expect(done.headers.connection).toBe("keep-alive");
    const open = client.closedAt! - done.at;
    if (id === "deno") expect(open).toBeLessThan(100);
    else {
      expect(open).toBeGreaterThan(400);
      expect(open).toBeLessThan(800);
    }
  });

  // Deno (Deno.serve, and its node:http) and Bun.serve close each connection
  // as soon as its response is sent once the server stops, with no
  // Connection: close: there a request queued behind it is reset (docs/3.helpers/http.md says so).
  if (api === "node" && id !== "deno") test("a request queued on a keep-alive connection behind a response already under way is served, with Connection: close", async () => {
    const { child, port, ended, printed } = await serve(id, api, 4000, 0);
    // One socket: the second request waits in the agent for the first response, as a balancer's pooled connection does.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        httpGet({ host: "127.0.0.1", port, path, agent }, (response) => {
          response.resume();
          response.on("end", () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }));
        }).on("error", reject);
      });
    const first = get("/stream");
    const second = get("/");
    await printed("begun /stream");
    child.kill("SIGTERM");
    // The first's headers left before the drain: it cannot say close. The second could not see that, and is served.
    expect(await first).toEqual({ status: 200, connection: "keep-alive" });
    expect(await second).toEqual({ status: 200, connection: "close" });
    expect((await ended).signal).toBe("SIGTERM");
    agent.destroy();
  });

  test("a request longer than the timeout is cut at the timeout, and the process still dies by SIGTERM", async () => {
    const { child, port, ended, printed } = await serve(id, api, 600, 0);
    const client = await Client.open(port);
    const reply = client.get("/long").then(
      () => "answered",
      () => "cut",
    );
    await printed("begun /long");
    const signalled = performance.now();
    child.kill("SIGTERM");
    const end = await ended;
    expect(await reply).toBe("cut");
    expect(end.signal).toBe("SIGTERM");
    // Cut at 600 ms (the forced close), not after the request's 5 s.
    expect(end.at - signalled).toBeGreaterThan(500);
    expect(end.at - signalled).toBeLessThan(2500);
  });

  test("isDraining() turns true at the signal, before any callback, and delay keeps the listener open for its duration", async () => {
    const { child, port, ended, printed, stdout } = await serve(id, api, 4000, 500);
    const client = await Client.open(port);
    expect((await client.get("/ready")).status).toBe(200);
    const signalled = performance.now();
    child.kill("SIGTERM");
    // The fixture's own `first` callback, which runs just before the drain's, says when the signal was handled.
    await printed("exit run");
    const handled = performance.now();
    expect(stdout()).toContain("draining at the run's start: true");
    expect((await client.get("/ready")).status).toBe(503);
    expect(await accepts(port)).toBe(true);
    // Past the delay, the listener is closed.
    await sleep(Math.max(0, 700 - (performance.now() - handled)));
    expect(await accepts(port)).toBe(false);
    const end = await ended;
    expect(end.signal).toBe("SIGTERM");
    expect(end.at - signalled).toBeGreaterThan(450);
  });
});

describe("node, node:http2 server", () => {
  test("SIGTERM: the session gets GOAWAY, its streams in flight finish, new connections are refused, then it dies by SIGTERM", async () => {
    const server = await serve("node", "http2", 4000, 0);
    const session = connectHttp2(`http://127.0.0.1:${server.port}`);
    session.on("error", () => {});
    let goawayAt: number | undefined;
    session.on("goaway", () => (goawayAt = performance.now()));
    const get = (path: string) =>
      new Promise<{ status: number; at: number }>((resolve, reject) => {
        const stream = session.request({ ":path": path });
        let status = 0;
        stream.on("response", (headers) => (status = Number(headers[":status"])));
        stream.on("error", reject);
        stream.resume();
        stream.on("end", () => resolve({ status, at: performance.now() }));
      });
    expect((await get("/")).status).toBe(200);
    const replies = Promise.all([get("/slow"), get("/slow"), get("/slow")]);
    const { signalled, refused, done, end } = await signalDuring(server, replies, "/slow", 3);
    session.destroy();
    expect(done.map((reply) => reply.status)).toEqual([200, 200, 200]);
    // GOAWAY arrives, but not always at once: under load it came only as the
    // streams ended, 0.7 s after the signal (once in a CI run, and in 1 of 4
    // runs here with both cores busy); cause not found yet.
    expect(goawayAt).toBeGreaterThan(signalled);
    expect(goawayAt! - signalled).toBeLessThan(1000);
    expect(refused).toBe(true);
    expect(end.signal).toBe("SIGTERM");
    expect(end.at - Math.max(...done.map((reply) => reply.at))).toBeLessThan(300);
  });
});
