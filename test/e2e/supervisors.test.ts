// atexit under supervisors that stop a program with an IPC message instead of
// a signal: real pm2 (--shutdown-with-message), and a plain forked child on
// Node and Bun. The shutdown message is opt-in (configure's shutdownMessage)
// and must not keep an idle child alive. And real pm2 waiting for ready()
// (--wait-ready) in cluster mode, through a reload under load.
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { get } from "node:http";
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

describe("pm2 --wait-ready: ready()", () => {
  const home = join(dir, "pm2-ready");
  const pm2 = (args: string[], extra: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      execFile(new URL("../../node_modules/.bin/pm2", import.meta.url).pathname, args, { env: { ...process.env, PM2_HOME: home, ...extra }, timeout: 60_000 }, (error) =>
        error ? reject(error) : resolve(performance.now() - started),
      );
    });
  afterAll(() => pm2(["kill"]));

  /** GETs `/` from 127.0.0.1:`port`, one request after another, until `until` settles (at most 30 s and 20,000 requests). */
  async function load(port: number, until: Promise<unknown>) {
    let over = false;
    void until.finally(() => (over = true));
    let ok = 0;
    const failures: string[] = [];
    const started = performance.now();
    while (!over && performance.now() - started < 30_000 && ok + failures.length < 20_000) {
      await new Promise<void>((resolve) => {
        const request = get({ host: "127.0.0.1", port, path: "/", agent: false }, (response) => {
          response.resume();
          response.on("end", () => {
            if (response.statusCode === 200) ok++;
            else failures.push(String(response.statusCode));
            resolve();
          });
        });
        request.setTimeout(5000, () => request.destroy(new Error("timeout")));
        request.on("error", (error) => {
          failures.push(`${error.message} at ${Date.now()}`);
          resolve();
        });
      });
    }
    return { ok, failures };
  }

  test("cluster mode: start waits for the message (not the listen, nor the 20 s listen timeout), and a reload under load fails no request", async () => {
    const log = join(dir, "pm2-ready.log");
    writeFileSync(log, "");
    const port = 18_000 + (process.pid % 1000);
    const env = { WATCH_LOG: log, PORT: String(port), LINGER: "250" };
    const app = ["--name", "ready", "-i", "2", "--wait-ready", "--listen-timeout", "20000", "--no-autorestart"];
    const startMs = await pm2(["start", fixture("pm2-server.mjs"), ...app], env);
    // Each instance waited for: ready() 300 ms after its listen, far from the 20 s timeout.
    expect(startMs).toBeLessThan(10_000);
    const first = read(log);
    expect(first.map((line) => line.split(" ")[0])).toEqual(["listening", "listening"]);

    const reload = pm2(["reload", "ready"], env);
    const { ok, failures } = await load(port, reload);
    const reloadMs = await reload;
    expect(failures, read(log).join(" | ")).toEqual([]);
    expect(ok).toBeGreaterThan(20);
    expect(reloadMs).toBeLessThan(15_000);

    // Two new instances listened, and each old one was stopped only after a
    // new one had sent ready (300 ms after its listen): the message, not the listen, let pm2 go on.
    const lines = read(log).slice(2).map((line) => line.split(" "));
    const listened = lines.filter(([kind]) => kind === "listening").map(([, , at]) => Number(at));
    const stopped = lines.filter(([kind]) => kind === "stopping").map(([, pid, at]) => ({ pid, at: Number(at) }));
    expect(listened).toHaveLength(2);
    expect(stopped.map(({ pid }) => pid).sort()).toEqual(first.map((line) => line.split(" ")[1]).sort());
    const [firstNew, secondNew] = listened.sort((a, b) => a - b);
    const [firstStop, secondStop] = stopped.map(({ at }) => at).sort((a, b) => a - b);
    expect(firstStop).toBeGreaterThanOrEqual(firstNew! + 300);
    expect(secondStop).toBeGreaterThanOrEqual(secondNew! + 300);
    // Without ready() pm2 would wait out --listen-timeout for each instance: room to see it fail by the assertion.
  }, 120_000);
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
