// atexit under supervisors that stop a program with an IPC message instead of
// a signal: real pm2 (--shutdown-with-message), and a plain forked child on
// Node and Bun. The shutdown message is opt-in (configure's shutdownMessage)
// and must not keep an idle child alive.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { fixture, runtimes } from "./runtimes.ts";

const dir = mkdtempSync(join(tmpdir(), "atexit-supervisors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const read = (file: string): string[] => readFileSync(file, "utf8").split("\n").filter(Boolean);

/** Waits (bounded) until `file` has a line starting with `prefix`. */
async function waitFor(file: string, prefix: string): Promise<string[]> {
  for (let waited = 0; waited < 15_000; waited += 50) {
    const lines = read(file);
    if (lines.some((line) => line.startsWith(prefix))) return lines;
    await sleep(50);
  }
  throw new Error(`no "${prefix}" in ${file}: ${read(file).join(" | ")}`);
}

describe("pm2", () => {
  // A pm2 daemon of this suite's own, ended afterwards.
  const home = join(dir, "pm2");
  const pm2 = (args: string[], extra: Record<string, string> = {}): string =>
    execFileSync(new URL("../../node_modules/.bin/pm2", import.meta.url).pathname, args, {
      env: { ...process.env, PM2_HOME: home, ...extra },
      encoding: "utf8",
    });
  afterAll(() => void pm2(["kill"]));

  const cases: Array<[string, string[], string]> = [
    ["--shutdown-with-message: the callbacks are awaited on its shutdown message", ["--shutdown-with-message"], "exit code=0"],
    ["a plain stop (SIGINT): the callbacks are awaited, then the signal is re-raised", [], "signal code=130"],
  ];
  for (const [name, flags, reason] of cases) {
    test(name, async () => {
      const log = join(dir, `pm2-${flags.length}.log`);
      writeFileSync(log, "");
      const app = `app${flags.length}`;
      pm2(["start", fixture("supervised.mjs"), "--name", app, "--no-autorestart", ...flags], { WATCH_LOG: log });
      const [ready] = await waitFor(log, "ready");
      const pid = ready!.split(" ")[1];
      pm2(["stop", app]);
      expect(read(log)).toEqual([`ready ${pid}`, `start ${reason} ${pid}`, `done ${pid}`]);
    });
  }
});

describe.each(["node", "bun"] as const)("%s: a forked child with shutdownMessage", (id) => {
  const { command, args } = runtimes[id];
  const fork = (mode: string, log: string) =>
    spawn(command, [...args, fixture("supervised.mjs"), mode], {
      env: { ...process.env, WATCH_LOG: log },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
  const ended = (child: ReturnType<typeof fork>) =>
    new Promise<{ code: number | null; signal: string | null; ms: number }>((resolve) => {
      const started = performance.now();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, ms: performance.now() - started });
      });
    });

  test('"shutdown" from the parent: callbacks awaited, then status 0', async () => {
    const log = join(dir, `${id}-message.log`);
    writeFileSync(log, "");
    const child = fork("busy", log);
    const exit = ended(child);
    const [ready] = await waitFor(log, "ready");
    const pid = ready!.split(" ")[1];
    child.send("shutdown");
    expect(await exit).toMatchObject({ code: 0, signal: null });
    expect(read(log)).toEqual([`ready ${pid}`, `start exit code=0 ${pid}`, `done ${pid}`]);
  });

  test("other messages are left alone", async () => {
    const log = join(dir, `${id}-other.log`);
    writeFileSync(log, "");
    const child = fork("busy", log);
    const exit = ended(child);
    await waitFor(log, "ready");
    child.send("reload");
    await sleep(300);
    expect(child.exitCode).toBeNull();
    child.send("shutdown");
    expect(await exit).toMatchObject({ code: 0 });
  });

  test("an idle child still ends by itself: the listener does not hold the IPC channel", async () => {
    const log = join(dir, `${id}-idle.log`);
    writeFileSync(log, "");
    const outcome = await ended(fork("idle", log));
    expect(outcome).toMatchObject({ code: 0, signal: null });
    const pid = read(log)[0]!.split(" ")[1];
    expect(read(log)).toEqual([`ready ${pid}`, `start natural code=0 ${pid}`, `done ${pid}`]);
  });
});
