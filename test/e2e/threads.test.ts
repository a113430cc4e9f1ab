// Worker threads under atexit/cluster's endOnExit, on Node, Deno and Bun:
// the program (test/fixtures/programs/threads.mjs) starts one worker
// (threads-worker.mjs) and ends by SIGTERM, exit() or its natural end. The
// fixture wraps worker.terminate() to print "terminate", so a worker that
// ended with no such line, and with status 0 (terminate() ends a
// node:worker_threads thread with 1), ended by itself.
import { describe, expect, test } from "vitest";
import { fixture, runtimes, type RuntimeId } from "./runtimes.ts";
import { spawned } from "./spawned.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** endOnExit's timeout in the fixture. */
const TIMEOUT_MS = 1500;

interface Outcome {
  readonly lines: string[];
  readonly code: number | null;
  readonly signal: string | null;
  /** From the signal (or "ready", without one) to the program's end, in ms. */
  readonly took: number;
  readonly stderr: string;
}

/** Runs the fixture; with `signal`, sends SIGTERM once it prints "ready". */
async function run(id: RuntimeId, kind: "node" | "web", body: string, parent: string, options: { signal: boolean }): Promise<Outcome> {
  const { command, args } = runtimes[id];
  // Deno: the worker reads its module and node:worker_threads' environment.
  const runArgs = id === "deno" ? [...args, "-A"] : args;
  const { child, ended, stdout, stderr } = spawned(command, [...runArgs, fixture("threads.mjs"), kind, body, parent]);
  const guard = setTimeout(() => child.kill("SIGKILL"), 15_000);
  try {
    let from = performance.now();
    for (const until = from + 10_000; !stdout().includes("ready\n"); await sleep(10)) {
      if (performance.now() > until || child.exitCode !== null || child.signalCode !== null) break;
    }
    from = performance.now();
    if (options.signal) child.kill("SIGTERM");
    const exit = await ended;
    return { lines: stdout().split("\n").filter(Boolean), code: exit.code, signal: exit.signal, took: exit.at - from, stderr: stderr() };
  } finally {
    clearTimeout(guard);
  }
}

/** The index of the one line matching `pattern` (-1 if none). */
const at = (lines: string[], pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));

// Node's and Bun's worker threads, and Bun's web Worker: the worker's atexit hears the request.
const cooperative: Array<[RuntimeId, "node" | "web"]> = [
  ["node", "node"],
  ["bun", "node"],
  ["bun", "web"],
];
// Bun's web Worker reports no status.
const endedAlone = /^worker ended( 0)?$/;

describe.each(cooperative)("endOnExit on %s, a %s worker", (id, kind) => {
  test("SIGTERM: the worker's async callback completes and its thread ends by itself before the program's callbacks; its message listener sees nothing; the program dies by SIGTERM", async () => {
    const { lines, signal, stderr } = await run(id, kind, "busy", "wait", { signal: true });

    expect(lines).toContain("worker callback begun exit");
    const done = lines.indexOf("worker callback done");
    const ended = at(lines, endedAlone);
    expect(done).toBeGreaterThan(-1);
    expect(ended).toBeGreaterThan(done);
    expect(lines.indexOf("parent callback signal SIGTERM")).toBeGreaterThan(ended);
    expect(lines).not.toContain("terminate");
    expect(lines.filter((line) => line.startsWith("worker saw"))).toEqual([]);
    expect(signal).toBe("SIGTERM");
    expect(stderr).toBe("");
  });

  test("a worker whose callback never settles is terminated at the timeout, and the program still dies by SIGTERM", async () => {
    const { lines, signal, took } = await run(id, kind, "stuck", "wait", { signal: true });

    const terminated = lines.indexOf("terminate");
    expect(terminated).toBeGreaterThan(-1);
    expect(lines.indexOf("parent callback signal SIGTERM")).toBeGreaterThan(terminated);
    expect(signal).toBe("SIGTERM");
    expect(took).toBeGreaterThan(TIMEOUT_MS);
    expect(took).toBeLessThan(TIMEOUT_MS + 2500);
  });

  test("exit() in the program: the worker's callback completes and it ends by itself first", async () => {
    const { lines, code } = await run(id, kind, "busy", "exit", { signal: false });

    const ended = at(lines, endedAlone);
    expect(lines.indexOf("worker callback done")).toBeGreaterThan(-1);
    expect(ended).toBeGreaterThan(lines.indexOf("worker callback done"));
    expect(lines.indexOf("parent callback exit")).toBeGreaterThan(ended);
    expect(lines).not.toContain("terminate");
    expect(code).toBe(0);
  });

  test("the natural end of a program whose worker is unref'd: the worker's callback completes, then the program's", async () => {
    const { lines, code } = await run(id, kind, "busy", "natural", { signal: false });

    const ended = at(lines, endedAlone);
    expect(lines).toContain("worker callback begun exit");
    expect(ended).toBeGreaterThan(lines.indexOf("worker callback done"));
    expect(lines.indexOf("parent callback natural")).toBeGreaterThan(ended);
    expect(lines).not.toContain("terminate");
    expect(code).toBe(0);
  });

  test("a worker with no atexit registration is terminated once it has not answered within 200 ms", async () => {
    const { lines, signal, took } = await run(id, kind, "none", "wait", { signal: true });

    expect(lines.indexOf("parent callback signal SIGTERM")).toBeGreaterThan(lines.indexOf("terminate"));
    expect(lines.indexOf("terminate")).toBeGreaterThan(-1);
    expect(signal).toBe("SIGTERM");
    // 200 ms for an answer that never comes, then terminate() (not the 1500 ms timeout).
    expect(took).toBeLessThan(1000);
  });
});

// A web Worker of Bun stays alive while it listens for messages, as the fixture's does.
describe.each<RuntimeId>(["node", "bun"])("endOnExit on %s, a worker that ends by itself", (id) => {
  test("atexit's listener does not keep it alive: it runs its callback at its natural end, the registration goes with it, and the program ends by itself", async () => {
    const { lines, code, took } = await run(id, "node", "idle", "wait", { signal: false });

    expect(lines).toContain("worker callback begun natural");
    expect(lines.indexOf("worker ended 0")).toBeGreaterThan(lines.indexOf("worker callback done"));
    expect(lines.indexOf("parent callback natural")).toBeGreaterThan(lines.indexOf("worker ended 0"));
    expect(lines).not.toContain("terminate");
    expect(code).toBe(0);
    expect(took).toBeLessThan(2000);
  });
});

// Deno: its BroadcastChannel cannot be unref'd and its web Worker has no
// thread id, so no worker is asked: each is terminated at once.
describe.each<"node" | "web">(["node", "web"])("endOnExit on deno, a %s worker", (kind) => {
  test("SIGTERM: the worker is terminated at once, before the program's callbacks, and the program dies by SIGTERM", async () => {
    const { lines, code, signal, took } = await run("deno", kind, "busy", "wait", { signal: true });

    const terminated = lines.indexOf("terminate");
    expect(terminated).toBeGreaterThan(-1);
    expect(lines.indexOf("parent callback signal SIGTERM")).toBeGreaterThan(terminated);
    expect(lines).not.toContain("worker callback done");
    // Deno hands the process's signals to a worker's listeners too, and a web
    // Worker's outlive terminate() for a moment: the re-raised SIGTERM may
    // find one, and the program then ends with 128+15 after the grace.
    expect(signal === "SIGTERM" || code === 143).toBe(true);
    expect(took).toBeLessThan(1500);
  });
});
