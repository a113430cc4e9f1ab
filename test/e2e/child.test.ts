// atexit/child on every server runtime: a supervisor's child (and, with
// `tree`, the child's own children) is gone once the supervisor ended, by
// every exit path, and the supervisor still ends with its own status or signal.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";
import { fixture, runtimes, type RuntimeId } from "./runtimes.ts";

const ids: RuntimeId[] = ["node", "deno", "bun"];

/** Alive: it exists and is not a zombie waiting for its parent's parent to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** The pids still alive after up to `ms` (a signal sent at the end takes a moment to land). */
async function survivors(pids: number[], ms = 1000): Promise<number[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Kills whatever a failed case left behind, so no test leaves processes on the machine. */
function cleanUp(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
}

const paths = [
  { path: "signal", signal: "SIGTERM" as const, ends: { signal: "SIGTERM" } },
  { path: "signal", signal: "SIGINT" as const, ends: { signal: "SIGINT" } },
  { path: "exit", ends: { code: 0 } },
  { path: "process-exit", ends: { code: 0 } },
  { path: "crash", ends: { code: 1 } },
  { path: "natural", ends: { code: 0 } },
];

describe.each(ids)("%s", (id) => {
  const { command, args } = runtimes[id];
  // Spawning needs --allow-run (and --allow-env for node:child_process); reading /proc for the group, all access.
  const runArgs = id === "deno" ? [...args, "-A"] : args;

  async function supervise(api: string, path: string, flags: string[], signal?: NodeJS.Signals) {
    const outcome = await runProgram(command, [...runArgs, fixture("children.mjs"), api, path, ...flags], {
      signals: signal ? [{ signal }] : [],
    });
    const line = outcome.lines.find((l) => l.startsWith("pids "));
    const pids = (line ?? "pids").split(" ").slice(1).map(Number);
    const left = await survivors(pids);
    cleanUp(left);
    return { outcome, pids, left };
  }

  const apis = id === "node" ? ["node"] : ["node", "native"];
  describe.each(apis)("a child spawned with the %s API", (api) => {
    test.each(paths)("$path $signal: the child is gone, and the supervisor ends as it would", async ({ path, signal, ends }) => {
      const { outcome, pids, left } = await supervise(api, path, [], signal);
      expect(pids.length).toBe(1);
      expect(left).toEqual([]);
      if ("signal" in ends) expect(outcome.signal).toBe(ends.signal);
      else expect(outcome.code).toBe(ends.code);
    });

    test.each(paths)("tree, $path $signal: the child and its own children are gone", async ({ path, signal, ends }) => {
      const { outcome, pids, left } = await supervise(api, path, ["tree"], signal);
      // The shell and its two sleeps.
      expect(pids.length).toBe(3);
      expect(left).toEqual([]);
      if ("signal" in ends) expect(outcome.signal).toBe(ends.signal);
      else expect(outcome.code).toBe(ends.code);
    });

    test("tree for a child spawned without detached (no group of its own): the child alone is ended", async () => {
      const { outcome, pids, left } = await supervise(api, "signal", ["undetached"], "SIGTERM");
      expect(pids.length).toBe(1);
      expect(left).toEqual([]);
      expect(outcome.signal).toBe("SIGTERM");
    });

    test.each(["", "tree"])("a child that ignores SIGTERM (%s) gets SIGKILL after forceAfter on SIGTERM", async (tree) => {
      const started = Date.now();
      const { outcome, pids, left } = await supervise(api, "signal", ["stubborn", ...(tree ? [tree] : [])], "SIGTERM");
      expect(pids.length).toBe(tree ? 3 : 1);
      expect(left).toEqual([]);
      expect(outcome.signal).toBe("SIGTERM");
      // forceAfter is 300 ms: the supervisor waited for it, then killed.
      expect(outcome.stderr).toBe("");
      expect(Date.now() - started).toBeGreaterThan(300);
    });
  });
});
