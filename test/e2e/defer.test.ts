// defer() in a process, on Node, Deno and Bun: on SIGTERM, on the natural
// end and on atexit's exit(), the deferred 200 ms task finishes first, then
// the callbacks, LIFO, the `last` flush after; work that never settles holds
// the run for the callback timeout (300 ms here), is reported, and the
// callbacks still run. Each path ends with its own status or signal.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runtimes } from "./runtimes.ts";

const program = fileURLToPath(new URL("../fixtures/request/defer.mjs", import.meta.url));

interface Ended {
  readonly lines: string[];
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: string | null;
}

/** Runs defer.mjs in `mode`; with `signal`, sends SIGTERM once it is ready. */
function run(id: "node" | "deno" | "bun", mode: string, signal: boolean): Promise<Ended> {
  const { command, args } = runtimes[id];
  const child = spawn(command, [...args, program, mode], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const guard = setTimeout(() => child.kill("SIGKILL"), 15_000);
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
    if (signal && stdout === "ready\n") child.kill("SIGTERM");
  });
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) =>
    child.on("close", (code, signalName) => {
      clearTimeout(guard);
      resolve({ lines: stdout.trim().split("\n"), stderr, code, signal: signalName });
    }),
  );
}

/** The lines without their timings, and the flush's time. */
const shape = (lines: string[]): string[] => lines.map((line) => line.replace(/ \d+$/, ""));
const msOf = (lines: string[], prefix: string): number => Number(lines.find((line) => line.startsWith(prefix))!.split(" ").at(-1));

describe.each(["node", "deno", "bun"] as const)("defer() on %s", (id) => {
  test("SIGTERM: the deferred task finishes, then the callbacks; killed by SIGTERM", async () => {
    const { lines, code, signal } = await run(id, "signal", true);
    expect(shape(lines)).toEqual(["ready", "deferred done", "callback", "flush signal"]);
    expect(msOf(lines, "deferred done")).toBeGreaterThanOrEqual(195);
    expect({ code, signal }).toEqual({ code: null, signal: "SIGTERM" });
  });

  test("natural end: the deferred task, then the callbacks; status 0", async () => {
    const { lines, code, signal } = await run(id, "natural", false);
    expect(shape(lines)).toEqual(["ready", "deferred done", "callback", "flush natural"]);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  test("exit(0) at once: it waits for the deferred task, then the callbacks; status 0", async () => {
    const { lines, code, signal } = await run(id, "exit", false);
    expect(shape(lines)).toEqual(["ready", "deferred done", "callback", "flush exit"]);
    expect(msOf(lines, "flush exit")).toBeGreaterThanOrEqual(msOf(lines, "deferred done"));
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  test("work that never settles: held for the 300 ms timeout, reported, then the callbacks; killed by SIGTERM", async () => {
    const { lines, stderr, code, signal } = await run(id, "stuck", true);
    expect(shape(lines)).toEqual(["ready", "callback", "flush signal"]);
    expect(msOf(lines, "flush signal")).toBeGreaterThanOrEqual(290);
    expect(msOf(lines, "flush signal")).toBeLessThan(3000);
    expect(stderr).toContain('[atexit] exit callback "deferred work" did not finish within 300 ms');
    expect({ code, signal }).toEqual({ code: null, signal: "SIGTERM" });
  });
});
