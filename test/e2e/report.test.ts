// The exit report on real runtimes (test/fixtures/programs/report.mjs): a
// node:http server drained by atexit/http, with keep-alive clients idle and
// requests in flight, gets SIGTERM. The report's drain counts are what the
// clients saw, its times lie within what this process measured from the
// signal to the end, each callback's outcome is its own, and the process
// still dies by SIGTERM. process.exit(3) with an async callback reports it
// cut, with status 3. The atexit:report diagnostics channel hears the same
// report on Node.js, Deno and Bun (each has process.getBuiltinModule), and
// without onReport too.
import { describe, expect, test } from "vitest";
import { Client } from "../fixtures/http-client.mjs";
import { spawn } from "node:child_process";
import type { ExitReport } from "../../src/types.ts";
import { fixture, runtimes, type RuntimeId } from "./runtimes.ts";
import { serveFixture } from "./servers.ts";

/** The reports a run printed: those onReport got, and those the channel's subscriber got. */
function reportsIn(lines: string[]) {
  const parsed = (prefix: string): ExitReport[] =>
    lines.filter((line) => line.startsWith(prefix)).map((line) => JSON.parse(line.slice(prefix.length)) as ExitReport);
  return { reports: parsed("report "), channel: parsed("channel ") };
}

/** Runs report.mjs in `mode` to its end: how it ended and what it printed. */
async function runToEnd(id: RuntimeId, mode: string) {
  const { command, args } = runtimes[id];
  const child = spawn(command, [...args, fixture("report.mjs"), mode], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const end = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  clearTimeout(guard);
  return { end, out };
}

describe.each(["node", "deno", "bun"] as const)("%s", (id: RuntimeId) => {
  test("SIGTERM during a drain: the report's counts are what the clients saw, its times within the signal's to the end, each outcome right, and it still dies by SIGTERM", async () => {
    const server = await serveFixture(id, "report.mjs", { args: ["drain"] });
    const idle = await Promise.all([0, 1, 2].map(() => Client.open(server.port)));
    for (const client of idle) expect((await client.get("/")).status).toBe(200);
    const busy = await Promise.all([0, 1, 2, 3].map(() => Client.open(server.port)));
    const replies = Promise.all(busy.map((client) => client.get("/slow").then((reply) => reply.status, () => "cut")));
    await server.printed("begun /slow", 4);
    const signalledAt = Date.now();
    server.child.kill("SIGTERM");
    const end = await server.ended;
    const endedAt = Date.now();
    const statuses = await replies;

    expect(end.signal).toBe("SIGTERM");
    const { reports, channel } = reportsIn(server.stdout());
    expect(reports).toHaveLength(1);
    const [report] = reports as [ExitReport];
    expect([report.reason, report.signal, report.code]).toEqual(["signal", "SIGTERM", 143]);
    expect(report.startedAt).toBeGreaterThanOrEqual(signalledAt);
    expect(report.startedAt + report.duration).toBeLessThanOrEqual(endedAt);
    expect(report.duration).toBeLessThanOrEqual(endedAt - signalledAt);
    // The drain waited for the slow requests, then the callback that hangs for its 200 ms.
    expect(report.duration).toBeGreaterThanOrEqual(200);
    expect(report.callbacks.map(({ name, outcome }) => [name, outcome])).toEqual([
      ["drain", "ok"],
      ["throws", "failed"],
      ["hangs", "timed out"],
      ["counts", "ok"],
    ]);
    expect(report.callbacks[2]!.duration).toBeGreaterThanOrEqual(199);
    const answered = statuses.filter((status) => status === 200).length;
    expect(answered).toBe(4);
    // The drain's own counts, as drainCounts() gave them to the last callback.
    const counts = server.stdout().find((line) => line.startsWith("counts "))!.slice("counts ".length);
    expect(report.callbacks[0]!.drain).toEqual(JSON.parse(counts));
    expect(report.callbacks[0]!.drain).toMatchObject({ requests: answered, websockets: 0, streams: 0, forced: 0 });
    // Idle connections closed: at most every connection the clients saw closed (how many the runtime lets it see: docs/3.helpers/http.md).
    const closed = [...idle, ...busy].filter((client) => client.closedAt !== undefined).length;
    expect(report.callbacks[0]!.drain!.idle).toBeLessThanOrEqual(closed);
    expect(report.deferred).toEqual({ awaited: 0, abandoned: 0, duration: 0 });
    expect(channel).toEqual([report]);
  });

  test("process.exit(3) with an async callback: reported cut, with status 3", async () => {
    const { end, out } = await runToEnd(id, "exit");
    expect(end).toEqual({ code: 3, signal: null });
    const { reports, channel } = reportsIn(out.split("\n"));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ reason: "exit", code: 3, callbacks: [{ name: "async", outcome: "cut" }] });
    expect(channel).toEqual(reports);
  });

  test("without onReport, a subscriber of the atexit:report channel hears the natural end", async () => {
    const { end, out } = await runToEnd(id, "channel");
    expect(end).toEqual({ code: 0, signal: null });
    const lines = out.trim().split("\n");
    expect(lines[0]).toBe("flushed");
    const { reports, channel } = reportsIn(lines);
    expect(reports).toEqual([]);
    expect(channel).toEqual([expect.objectContaining({ reason: "natural", code: 0, callbacks: [expect.objectContaining({ name: "flush", outcome: "ok" })] })]);
  });
});
