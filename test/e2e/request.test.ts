// atexit/request's withExit in the real request-scoped runtimes (workerd,
// Vercel's edge-runtime) and on the process runtimes' own servers (Hono on
// Node, Deno.serve, Bun.serve): the application (test/fixtures/request/app.mjs)
// registers a `last` flush and a callback that always throws, and defers a
// 200 ms task per request; everything reports to a collector on 127.0.0.1.
// For 3 sequential and 3 concurrent requests: every response arrives before
// its flush, each request's task completes before its flush, every flush
// arrives, none twice; the broken callback breaks nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bundle, EDGE_CONDITIONS, type Host, serveEdgeRuntime, serveWorkerd, start, WORKERD_CONDITIONS } from "../fixtures/request-hosts.ts";
import { runtimes } from "./runtimes.ts";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Report {
  readonly what: string;
  readonly id: string;
  readonly at: number;
}

/** The collector: records what the application reports, when. */
class Collector {
  readonly reports: Report[] = [];
  #server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      this.reports.push({ what: url.pathname.slice(1), id: url.searchParams.get("id") ?? "", at: performance.now() });
      request.resume();
      response.end("ok");
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  of(what: string, id: string): Report[] {
    return this.reports.filter((report) => report.what === what && report.id === id);
  }

  /** Waits (up to 10 s) until a report named `what` has come for each of `ids`, then a little longer for any repeat. */
  async waitFor(what: string, ids: string[]): Promise<void> {
    const until = performance.now() + 10_000;
    while (!ids.every((id) => this.of(what, id).length > 0) && performance.now() < until) await sleep(20);
    await sleep(100);
  }
}

/** workerd serving the application's Worker; every outbound fetch goes to the collector. */
async function workerd(dir: string, collector: number, flags: string[]): Promise<Host> {
  const code = await bundle({ file: here("../fixtures/request/workerd.mjs") }, WORKERD_CONDITIONS, "esm", { COLLECTOR: JSON.stringify(`http://127.0.0.1:${collector}`) });
  return serveWorkerd(dir, code, flags, collector);
}

/** Vercel's edge-runtime serving the application's edge function. */
async function edgeRuntime(dir: string, collector: number): Promise<Host> {
  const code = await bundle({ file: here("../fixtures/request/edge.mjs") }, EDGE_CONDITIONS, "iife", { COLLECTOR: JSON.stringify(`http://127.0.0.1:${collector}`) });
  return serveEdgeRuntime(dir, code);
}

/** The process runtimes' own servers, with the npm package's entry for each. */
function processServer(id: "node" | "deno" | "bun", collector: number): Promise<Host> {
  const { command, args } = runtimes[id];
  const runArgs = id === "deno" ? [...args, "--allow-net=127.0.0.1", "--allow-env"] : args;
  return start(command, [...runArgs, here("../fixtures/request/serve.mjs"), id], { COLLECTOR: `http://127.0.0.1:${collector}` });
}

type HostId = "workerd" | "workerd, no Node compatibility" | "edge-runtime" | "node, Hono" | "deno, Deno.serve" | "bun, Bun.serve";

const hosts: Record<HostId, (dir: string, collector: number) => Promise<Host>> = {
  // Node compatibility is on by default from 2026-08-04: AsyncLocalStorage tells invocations apart.
  workerd: (dir, collector) => workerd(dir, collector, []),
  // Without it, no AsyncLocalStorage, no process: work is held for every open invocation.
  "workerd, no Node compatibility": (dir, collector) => workerd(dir, collector, ["no_nodejs_compat", "no_nodejs_compat_v2"]),
  "edge-runtime": edgeRuntime,
  "node, Hono": (_, collector) => processServer("node", collector),
  "deno, Deno.serve": (_, collector) => processServer("deno", collector),
  "bun, Bun.serve": (_, collector) => processServer("bun", collector),
};

describe.each(Object.keys(hosts) as HostId[])("withExit on %s", (hostId) => {
  const collector = new Collector();
  let host: Host;
  let dir: string;
  const responses = new Map<string, number>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "atexit-request-"));
    await collector.start();
    host = await hosts[hostId](dir, collector.port);
  }, 30_000);

  afterAll(async () => {
    if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill("SIGKILL");
    await host.ended;
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ask(id: string): Promise<void> {
    const response = await fetch(`http://127.0.0.1:${host.port}/?id=${id}`);
    expect(await response.text()).toBe(`response ${id}`);
    responses.set(id, performance.now());
  }

  /** Each request's task, then its one flush, after its response; none twice. */
  function expectPhases(ids: string[]): void {
    for (const id of ids) {
      const [task, ...moreTasks] = collector.of("task", id);
      const [flush, ...moreFlushes] = collector.of("flush-request", id);
      expect({ id, task: !!task, flush: !!flush, moreTasks: moreTasks.length, moreFlushes: moreFlushes.length }).toEqual({
        id,
        task: true,
        flush: true,
        moreTasks: 0,
        moreFlushes: 0,
      });
      expect(flush!.at).toBeGreaterThan(task!.at);
      expect(flush!.at).toBeGreaterThan(responses.get(id)!);
    }
  }

  test("3 sequential requests: each response, then its deferred task, then its flush", async () => {
    for (const id of ["s1", "s2", "s3"]) await ask(id);
    await collector.waitFor("flush-request", ["s1", "s2", "s3"]);
    expectPhases(["s1", "s2", "s3"]);
  }, 20_000);

  test("3 concurrent requests: each gets its own phase after its own task", async () => {
    await Promise.all(["c1", "c2", "c3"].map(ask));
    await collector.waitFor("flush-request", ["c1", "c2", "c3"]);
    expectPhases(["c1", "c2", "c3"]);
    // Nothing else was flushed: no phase ran twice, none for a probe.
    expect(collector.reports.filter((report) => report.what === "flush-request").map((report) => report.id).sort()).toEqual(
      ["c1", "c2", "c3", "s1", "s2", "s3"].concat(collector.of("flush-request", "probe").map(() => "probe")).sort(),
    );
  }, 20_000);

  test("the callback that throws was reported at each phase, and never stopped a flush", async () => {
    // Each host writes its stderr on its own schedule: wait for the reports (bounded), not a fixed time.
    const reports = () => host.stderr().match(/exit callback "broken" failed/g) ?? [];
    for (let waited = 0; waited < 5000 && reports().length < 6; waited += 20) await sleep(20);
    expect(reports().length).toBeGreaterThanOrEqual(6);
  });

  if (hostId.startsWith("workerd") || hostId === "edge-runtime") {
    test("atexit never reads the global process there (the edge builds' contract), through a whole invocation", async () => {
      // One invocation of its own, so the count holds whatever ran before: register, withExit, defer, the phase.
      await ask("process");
      await collector.waitFor("flush-request", ["process"]);
      const response = await fetch(`http://127.0.0.1:${host.port}/process-reads`);
      expect(await response.text()).toBe("0");
    });
  }

  if (hostId.startsWith("node") || hostId.startsWith("deno") || hostId.startsWith("bun")) {
    test("SIGTERM afterwards: the flush, still registered, runs once more for the exit, and the process dies by the signal", async () => {
      host.child.kill("SIGTERM");
      const end = await host.ended;
      await collector.waitFor("flush-signal", ["none"]);
      expect(collector.of("flush-signal", "none")).toHaveLength(1);
      expect(end.signal).toBe("SIGTERM");
    });
  }
});
