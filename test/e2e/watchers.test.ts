// atexit under the watchers people develop with, driven for real: nodemon,
// tsx watch and node --watch each deliver a stop or restart signal twice a
// few milliseconds apart (the terminal's copy beside the tool's own, or the
// tool's two), and the async cleanup must still finish every time.
// ATEXIT_DEBUG=1 makes the child report each duplicate it ignored, which
// shows the tool really sent one in this run.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { fixture } from "./runtimes.ts";

const bin = (name: string): string => new URL(`../../node_modules/.bin/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "atexit-watchers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Session {
  /** The lines the children wrote, each ending with its pid. */
  log(): string[];
  /** Waits until `count` children have written "ready" (at most `ms`); returns their pids. */
  ready(count: number, ms?: number): Promise<string[]>;
  /** Changes the watched file until a second child is ready; returns the pids. */
  restart(watched: string): Promise<string[]>;
  /** Sends `signal` to the whole process group, as a terminal's Ctrl+C does. */
  interrupt(signal?: NodeJS.Signals): void;
  /** Resolves when the tool has exited, with what it wrote on stderr. */
  ended(): Promise<string>;
}

let sessions = 0;
/** Starts `command` in a process group of its own, its children writing to a fresh log. */
function start(command: string, args: string[], watched: string): Session {
  const logFile = join(dir, `log-${++sessions}.txt`);
  writeFileSync(logFile, "");
  writeFileSync(watched, "0");
  const tool = spawn(command, args, {
    detached: true,
    env: { ...process.env, WATCH_LOG: logFile, ATEXIT_DEBUG: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  tool.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => tool.on("close", () => resolve()));
  const log = () => readFileSync(logFile, "utf8").split("\n").filter(Boolean);
  return {
    log,
    async ready(count, ms = 15_000) {
      for (let waited = 0; waited < ms; waited += 50) {
        const pids = log().filter((line) => line.startsWith("ready ")).map((line) => line.split(" ")[1]!);
        if (pids.length >= count) return pids;
        await sleep(50);
      }
      throw new Error(`${count} children never got ready; log: ${log().join(" | ")}\nstderr: ${stderr}`);
    },
    // The tool may start watching only after it started the child: under load
    // a first change can come too early, so change the file again (bounded).
    async restart(watched) {
      for (let attempt = 1; ; attempt++) {
        writeFileSync(watched, String(attempt));
        try {
          return await this.ready(2, 3000);
        } catch (error) {
          if (attempt === 4) throw error;
        }
      }
    },
    interrupt: (signal = "SIGINT") => process.kill(-tool.pid!, signal),
    async ended() {
      const timer = setTimeout(() => process.kill(-tool.pid!, "SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
      return stderr;
    },
  };
}

/** What the child with `pid` recorded: its cleanup's start and end. */
const recorded = (session: Session, pid: string): string[] =>
  session.log().filter((line) => line.endsWith(` ${pid}`) && !line.startsWith("ready"));

const duplicates = (stderr: string, signal: string): number =>
  stderr.split("\n").filter((line) => line.startsWith(`[atexit] ${signal} again `)).length;

/**
 * Runs a session (which asserts the cleanup itself) until the children
 * reported a duplicate of each of `signals`, at most three times, and returns
 * how many of each the last run reported. A tool's copy of a signal sometimes
 * comes only after the child has ended (seen on a loaded machine): such a run
 * shows the cleanup right but proves nothing about duplicates.
 */
async function untilDuplicates<S extends string>(signals: S[], run: (attempt: number) => Promise<string>): Promise<Record<S, number>> {
  let seen = {} as Record<S, number>;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const stderr = await run(attempt);
    seen = Object.fromEntries(signals.map((signal) => [signal, duplicates(stderr, signal)])) as Record<S, number>;
    if (signals.every((signal) => seen[signal] > 0)) break;
  }
  return seen;
}

describe("nodemon", () => {
  test("--signal SIGTERM: a restart's two SIGTERMs run the cleanup once, to the end; Ctrl+C's SIGINTs too", async () => {
    const seen = await untilDuplicates(["SIGTERM", "SIGINT"], async (attempt) => {
      const watched = join(dir, `nodemon-${attempt}.txt`);
      const session = start(bin("nodemon"), ["--quiet", "--watch", watched, "--signal", "SIGTERM", fixture("watched.mjs")], watched);
      const [first] = await session.ready(1);
      const [, second] = await session.restart(watched);
      await sleep(100);
      session.interrupt();
      const stderr = await session.ended();
      expect(recorded(session, first!)).toEqual([`start signal SIGTERM ${first}`, `done ${first}`]);
      expect(recorded(session, second!)).toEqual([`start signal SIGINT ${second}`, `done ${second}`]);
      return stderr;
    });
    expect(seen.SIGTERM).toBeGreaterThanOrEqual(1);
    expect(seen.SIGINT).toBeGreaterThanOrEqual(1);
  });

  test("its default restart signal, SIGUSR2, with extraSignals: the cleanup finishes before the restart", async () => {
    const watched = join(dir, "nodemon-usr2.txt");
    const session = start(bin("nodemon"), ["--quiet", "--watch", watched, fixture("watched.mjs"), "usr2"], watched);
    const [first] = await session.ready(1);
    await session.restart(watched);
    session.interrupt();
    await session.ended();
    expect(recorded(session, first!)).toEqual([`start signal SIGUSR2 ${first}`, `done ${first}`]);
  });
});

describe("tsx watch", () => {
  test("Ctrl+C: the child's two SIGINTs run the cleanup once, to the end", async () => {
    const seen = await untilDuplicates(["SIGINT"], async (attempt) => {
      const watched = join(dir, `tsx-${attempt}.txt`);
      const session = start(bin("tsx"), ["watch", "--clear-screen=false", fixture("watched.mjs")], watched);
      const [child] = await session.ready(1);
      await sleep(100);
      session.interrupt();
      const stderr = await session.ended();
      expect(recorded(session, child!)).toEqual([`start signal SIGINT ${child}`, `done ${child}`]);
      return stderr;
    });
    expect(seen.SIGINT).toBeGreaterThanOrEqual(1);
  });
});

describe("node --watch", () => {
  test("Ctrl+C: the cleanup runs once, to the end", async () => {
    // A folder of its own: the logs change, and a change there would restart the child.
    const folder = join(dir, "node-watch");
    mkdirSync(folder);
    const session = start(process.execPath, ["--watch", "--watch-path", folder, fixture("watched.mjs")], join(folder, "w.txt"));
    const [child] = await session.ready(1);
    await sleep(100);
    session.interrupt();
    await session.ended();
    expect(recorded(session, child!)).toEqual([`start signal SIGINT ${child}`, `done ${child}`]);
  });
});
