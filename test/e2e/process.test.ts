// Paths beyond the scenario table, on every server runtime: a container's
// PID 1, large piped output, threads and workers, and signal-exit alongside.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";
import { fixture, runtimes, type RuntimeId } from "./runtimes.ts";

function canUnsharePid(): boolean {
  try {
    execFileSync("unshare", ["--pid", "--fork", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const unshare = canUnsharePid();
const ids: RuntimeId[] = ["node", "deno", "bun"];

describe.each(ids)("%s", (id) => {
  const { command, args } = runtimes[id];
  // Deno asks for read permission to start a worker from a file; atexit itself needs none.
  const workerArgs = id === "deno" ? [...args, "--allow-read"] : args;

  // The kernel drops signals to a namespace's init for which it has no handler,
  // so a re-raised SIGTERM cannot kill PID 1: atexit must exit with 128+n.
  test.skipIf(!unshare)("SIGTERM as PID 1 (a container without init) ends with 143 after the callbacks", async () => {
    const outcome = await runProgram("unshare", ["--pid", "--fork", command, ...args, fixture("paths.mjs"), "signal"], {
      signals: [{ signal: "SIGTERM" }],
      // Signal the runtime itself (PID 1 in its namespace), not the unshare wrapper.
      signalTarget: (pid) => Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim()),
    });
    expect(outcome.lines).toEqual(["C signal code=143 SIGTERM", "B start", "B done", "A"]);
    expect(outcome.code).toBe(143);
  });

  const size = 2048 * 1024;
  test("2 MiB written by a callback reaches a piped stdout whole on await exit(0)", async () => {
    const outcome = await runProgram(command, [...args, fixture("big-output.mjs"), "exit"]);
    expect(outcome.stdout.length).toBe(size);
    expect(outcome.code).toBe(0);
  });

  test("2 MiB written by a callback reaches a piped stdout whole before SIGTERM is re-raised", async () => {
    const outcome = await runProgram(command, [...args, fixture("big-output.mjs"), "signal"], {
      signals: [{ signal: "SIGTERM" }],
    });
    expect(outcome.stdout.length).toBe(size + "ready\n".length);
    expect(outcome.signal).toBe("SIGTERM");
  });

  test("a second SIGTERM while the output flushes lets the flush finish: 2 MiB arrive whole", async () => {
    // Read nothing for a while, so the drain after the run is still under way
    // when the second signal (outside the duplicate window) comes.
    const child = spawn(command, [...args, fixture("big-output.mjs"), "signal"], { stdio: ["ignore", "pipe", "pipe"] });
    let received = 0;
    const ended = new Promise<{ signal: string | null }>((resolve) => child.on("close", (_, signal) => resolve({ signal })));
    await new Promise<void>((resolve) => {
      child.stdout.once("data", (chunk: Buffer) => {
        received += chunk.length;
        child.stdout.pause();
        resolve();
      });
    });
    child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.stdout.on("data", (chunk: Buffer) => (received += chunk.length));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const { signal } = await ended;
    clearTimeout(timer);
    expect(received).toBe(size + "ready\n".length);
    expect(signal).toBe("SIGTERM");
  });

  test("worker_threads: a worker's callbacks run when it ends", async () => {
    const outcome = await runProgram(command, [...workerArgs, fixture("worker.mjs"), "natural", "exit"]);
    expect(outcome.lines).toEqual([
      // Awaited at a natural end where the runtime says the worker's loop is empty;
      // a Deno worker gets only the synchronous `exit` event, so async B cannot finish there.
      ...(id === "deno" ? [] : ["worker B natural code=0"]),
      "worker A",
      "worker natural ended with 0",
      // process.exit(3) in the worker: the synchronous path, B cannot finish.
      "worker A",
      "worker exit ended with 3",
    ]);
    expect(outcome.code).toBe(0);
  });

  // Node has no Web Workers; worker_threads are covered above.
  if (id !== "node") {
    test("a Web Worker loads atexit and runs callbacks through runHandlers() and exit()", async () => {
      const outcome = await runProgram(command, [...workerArgs, fixture("web-worker.mjs")]);
      expect(outcome.lines).toEqual([`B manual ${id}`, "A", "C exit code=0", "root count=1"]);
      expect(outcome.code).toBe(0);
    });
  }

  test("beside signal-exit, SIGTERM runs both libraries' callbacks and the process dies by SIGTERM", async () => {
    const outcome = await runProgram(command, [...args, fixture("with-signal-exit.mjs")], {
      signals: [{ signal: "SIGTERM" }],
    });
    // On Deno, signal-exit's node:process listener and atexit's Deno listener both
    // receive the signal, and signal-exit acts first; elsewhere atexit runs first.
    const both = ["atexit callback SIGTERM", "signal-exit hook SIGTERM"];
    expect(outcome.lines).toEqual(id === "deno" ? both.reverse() : both);
    expect(outcome.signal).toBe("SIGTERM");
  });
});
