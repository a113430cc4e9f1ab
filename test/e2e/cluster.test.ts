// node:cluster programs under atexit/cluster, on Node, Deno and Bun: a
// primary and two workers sharing one port on 127.0.0.1, each worker with
// requests in flight, then SIGTERM to the primary alone (what a container
// runtime sends) or SIGINT to the whole process group (a terminal's Ctrl+C).
import { createServer } from "node:net";
import { describe, expect, test } from "vitest";
import { Client } from "../fixtures/http-client.mjs";
import { fixture, runtimes, type RuntimeId } from "./runtimes.ts";
import { spawned } from "./spawned.ts";

/** How long each request takes in the workers. */
const WORK_MS = 1000;
/** Requests in flight when the signal is sent (spread by the runtime over both workers). */
const REQUESTS = 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the cluster fixture in its own process group, sends REQUESTS
 * requests, and once every one has begun in a worker, sends `signal` to the
 * primary (or, with `group`, to the group); resolves with the replies, the
 * lines printed and how the primary ended.
 */
async function run(id: RuntimeId, mode: string, signal: "SIGTERM" | "SIGINT", options: { group: boolean }) {
  const { command, args } = runtimes[id];
  const port = await freePort();
  // Deno: a cluster's primary reads the environment and runs the workers.
  const runArgs = id === "deno" ? [...args, "-A"] : args;
  const { child, ended, stdout, stderr } = spawned(command, [...runArgs, fixture("cluster.mjs"), String(port), String(WORK_MS), mode], { detached: true });
  const guard = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 20_000);
  try {
    const waitFor = async (done: () => boolean, what: string): Promise<void> => {
      for (const until = performance.now() + 10_000; !done(); await sleep(10)) {
        if (performance.now() > until) throw new Error(`${what}: ${stdout()}\n${stderr()}`);
      }
    };
    await waitFor(() => stdout().includes("ready\n"), "the cluster did not start");
    const clients = await Promise.all(Array.from({ length: REQUESTS }, () => Client.open(port)));
    const replies = clients.map((client) => client.get("/").then((reply) => reply.status, (error: Error) => error.message));
    await waitFor(() => (stdout().match(/ begun\n/g) ?? []).length === REQUESTS, "the requests did not begin");
    const signalled = performance.now();
    if (options.group) process.kill(-child.pid!, signal);
    else child.kill(signal);
    const exit = await ended;
    const statuses = await Promise.all(replies);
    for (const client of clients) client.socket.destroy();
    return { statuses, lines: stdout().split("\n"), exit, took: exit.at - signalled, stderr: stderr() };
  } finally {
    clearTimeout(guard);
    // Whatever is left of the group (nothing, when the test passes).
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {}
  }
}

const count = (lines: string[], pattern: RegExp): number => lines.filter((line) => pattern.test(line)).length;

describe.each<RuntimeId>(["node", "deno", "bun"])("a supervised cluster on %s", (id) => {
  test("SIGTERM to the primary alone: every request in flight is answered, each worker's callbacks run once on the disconnect and it exits 0, then the primary's run, and the primary dies by SIGTERM", async () => {
    const { statuses, lines, exit, stderr } = await run(id, "supervised", "SIGTERM", { group: false });

    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    expect(count(lines, /^worker 1 callback exit$/)).toBe(1);
    expect(count(lines, /^worker 2 callback exit$/)).toBe(1);
    expect(lines).toContain("worker 1 ended 0 null");
    expect(lines).toContain("worker 2 ended 0 null");
    // The primary's own callbacks come after both workers are gone (it prints both lines).
    const primary = lines.indexOf("primary callback signal SIGTERM");
    expect(primary).toBeGreaterThan(lines.indexOf("worker 1 ended 0 null"));
    expect(primary).toBeGreaterThan(lines.indexOf("worker 2 ended 0 null"));
    expect(count(lines, /^primary callback/)).toBe(1);
    expect(exit.signal).toBe("SIGTERM");
    expect(stderr).toBe("");
  });

  // Each worker hears both its own SIGINT and the primary's disconnect, in
  // either order: its one run is for whichever came first (reason "signal"
  // or "exit"), and it ends by SIGINT or with 0 accordingly.
  test("SIGINT to the process group: one run per process, every request answered, the primary dies by SIGINT", async () => {
    const { statuses, lines, exit, stderr } = await run(id, "supervised", "SIGINT", { group: true });

    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    for (const worker of [1, 2]) {
      expect(count(lines, new RegExp(`^worker ${worker} callback `))).toBe(1);
      expect(count(lines, new RegExp(`^worker ${worker} callback (signal SIGINT|exit)$`))).toBe(1);
      const ended = lines.findIndex((line) => new RegExp(`^worker ${worker} ended (null SIGINT|0 null)$`).test(line));
      expect(ended).toBeGreaterThan(-1);
      expect(lines.indexOf("primary callback signal SIGINT")).toBeGreaterThan(ended);
    }
    expect(count(lines, /^primary callback/)).toBe(1);
    expect(exit.signal).toBe("SIGINT");
    expect(stderr).toBe("");
  });

  test("a worker whose callbacks do not finish is killed at the timeout; the other ends as usual, and the primary still dies by SIGTERM", async () => {
    const { statuses, lines, exit, took } = await run(id, "stuck", "SIGTERM", { group: false });

    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    expect(lines).toContain("worker 1 ended null SIGKILL");
    expect(lines).toContain("worker 2 ended 0 null");
    expect(lines.indexOf("primary callback signal SIGTERM")).toBeGreaterThan(lines.indexOf("worker 1 ended null SIGKILL"));
    expect(exit.signal).toBe("SIGTERM");
    // The fixture's timeout is 2000 ms, counted from the disconnect.
    expect(took).toBeGreaterThan(2000);
    expect(took).toBeLessThan(2000 + 3000);
  });
});

/** Starts the cluster fixture in `mode`; resolves once every process has closed its output (the workers share the primary's). */
async function runToEnd(id: RuntimeId, mode: string) {
  const { command, args } = runtimes[id];
  const runArgs = id === "deno" ? [...args, "-A"] : args;
  const { child, ended, stdout } = spawned(command, [...runArgs, fixture("cluster.mjs"), String(await freePort()), String(WORK_MS), mode], { detached: true });
  const closed = new Promise((resolve) => child.stdout.on("close", resolve));
  // A worker left running would hold the output open: ended with its group.
  const guard = setTimeout(() => {
    child.stdout.destroy();
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {}
  }, 20_000);
  const { code, signal } = await ended;
  await closed;
  clearTimeout(guard);
  return { exit: { code, signal }, lines: stdout().split("\n") };
}

describe.each<RuntimeId>(["node", "deno", "bun"])("a supervised cluster on %s, ended by a path that cannot wait", (id) => {
  test("process.exit(3) in the primary: it ends with 3, and each worker's callbacks run once as the runtime ends the worker", async () => {
    const { exit, lines } = await runToEnd(id, "primary-exit");

    expect(exit).toEqual({ code: 3, signal: null });
    expect(count(lines, /^primary callback exit$/)).toBe(1);
    expect(count(lines, /^worker 1 callback exit$/)).toBe(1);
    expect(count(lines, /^worker 2 callback exit$/)).toBe(1);
  });
});

// The same cluster without superviseWorkers: the primary dies at the signal,
// and its workers with it, in the middle of their requests.
test("without superviseWorkers, SIGTERM to the primary ends it at once, and requests in flight fail", async () => {
  const { statuses, lines, exit, took } = await run("node", "unsupervised", "SIGTERM", { group: false });

  expect(statuses.filter((status) => status !== 200).length).toBeGreaterThan(0);
  expect(lines).toContain("primary callback signal SIGTERM");
  expect(exit.signal).toBe("SIGTERM");
  expect(took).toBeLessThan(WORK_MS);
});
