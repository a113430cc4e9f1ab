// Node paths beyond the shared scenario table: a container's PID 1, large
// piped output, worker_threads.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/node/${name}`, import.meta.url));

function canUnsharePid(): boolean {
  try {
    execFileSync("unshare", ["--pid", "--fork", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("node: PID 1 (a container without an init process)", () => {
  // The kernel drops signals to a namespace's init for which it has no handler,
  // so a re-raised SIGTERM cannot kill PID 1: atexit must exit with 128+n.
  test.skipIf(!canUnsharePid())("SIGTERM ends PID 1 with status 143 after the callbacks", async () => {
    const outcome = await runProgram("unshare", ["--pid", "--fork", process.execPath, fixture("paths.mjs"), "signal"], {
      signals: [{ signal: "SIGTERM" }],
      // Signal node itself (PID 1 in its namespace), not the unshare wrapper.
      signalTarget: (pid) => Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim()),
      timeoutMs: 10_000,
    });
    expect(outcome.lines).toEqual(["C signal code=143 SIGTERM", "B start", "B done", "A"]);
    expect(outcome.code).toBe(143);
  });
});

describe("node: 2 MiB written by a callback reaches a piped stdout whole", () => {
  const size = 2048 * 1024;
  test("on await exit(0)", async () => {
    const outcome = await runProgram(process.execPath, [fixture("big-output.mjs"), "exit"]);
    expect(outcome.stdout.length).toBe(size);
    expect(outcome.code).toBe(0);
  });
  test("on SIGTERM, before the signal is re-raised", async () => {
    const outcome = await runProgram(process.execPath, [fixture("big-output.mjs"), "signal"], {
      signals: [{ signal: "SIGTERM" }],
    });
    expect(outcome.stdout.length).toBe(size + "ready\n".length);
    expect(outcome.signal).toBe("SIGTERM");
  });
});

describe("node: worker_threads", () => {
  test("callbacks registered in a worker run when it ends, awaited at its natural end", async () => {
    const outcome = await runProgram(process.execPath, [fixture("worker.mjs"), "natural", "exit"]);
    expect(outcome.lines).toEqual([
      "worker B natural code=0",
      "worker A",
      "worker natural ended with 0",
      // process.exit(3) in the worker: the synchronous path, B cannot finish.
      "worker A",
      "worker exit ended with 3",
    ]);
    expect(outcome.code).toBe(0);
  });
});

describe("node: beside signal-exit", () => {
  test("SIGTERM runs atexit's callbacks, then signal-exit's hooks, and the process dies by SIGTERM", async () => {
    const outcome = await runProgram(process.execPath, [fixture("with-signal-exit.mjs")], {
      signals: [{ signal: "SIGTERM" }],
      timeoutMs: 10_000,
    });
    expect(outcome.lines).toEqual(["atexit callback SIGTERM", "signal-exit hook SIGTERM"]);
    expect(outcome.signal).toBe("SIGTERM");
  });
});
