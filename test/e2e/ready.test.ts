// ready() under systemd's notification protocol, on Node, Deno and Bun: a
// listener on a unix datagram socket of the test's own stands in for systemd
// ($NOTIFY_SOCKET), and the program really runs systemd-notify (Debian's
// `systemd` package). What systemd would read: READY=1 once, the watchdog
// fed on its period, STOPPING=1 with an EXTEND_TIMEOUT_USEC that covers what
// is left of the run when SIGTERM comes, pings until the last callback is
// over, and the program still dying by SIGTERM.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { fixture, runtimes } from "./runtimes.ts";

const dir = mkdtempSync(join(tmpdir(), "atexit-ready-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const deno = fileURLToPath(new URL("../../node_modules/.bin/deno", import.meta.url));

test("systemd-notify is installed (Debian's systemd package; .ci/run installs it)", () => {
  expect(execFileSync("systemd-notify", ["--version"], { encoding: "utf8" })).toMatch(/^systemd \d+/);
});

/** A stand-in for systemd's notification socket at `path`: the messages it has taken, with when. */
async function listen(path: string) {
  const child = spawn(deno, ["run", "--unstable-net", "--allow-net", `--allow-read=${dir}`, `--allow-write=${dir}`, fileURLToPath(new URL("../fixtures/notify-listener.mjs", import.meta.url)), path], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  for (let waited = 0; !out.startsWith("listening\n"); waited += 20) {
    if (waited > 15_000) throw new Error(`the listener did not start: ${out}`);
    await sleep(20);
  }
  const messages = () =>
    out
      .split("\n")
      .slice(1)
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { at: number; message: string })
      // systemd-notify's own barrier, which follows each message.
      .filter(({ message }) => message !== "BARRIER=1");
  return { messages, stop: () => child.kill("SIGKILL") };
}

describe.each(["node", "deno", "bun"] as const)("%s", (id) => {
  test("READY=1, the watchdog, and at SIGTERM STOPPING=1 with the time left, pings until the last callback; it dies by SIGTERM", async () => {
    const socket = join(dir, `${id}.sock`);
    const listener = await listen(socket);
    try {
      const { command, args } = runtimes[id];
      const denoFlags = id === "deno" ? ["--allow-env", "--allow-run=systemd-notify"] : [];
      const child = spawn(command, [...args, ...denoFlags, fixture("notified.mjs")], {
        stdio: ["ignore", "pipe", "inherit"],
        // 200 ms: a ping every 100 ms.
        env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: "200000" },
      });
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
      const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
      for (let waited = 0; !/^ready \d+$/m.test(out); waited += 20) {
        if (waited > 15_000) throw new Error(`not ready: ${out}`);
        await sleep(20);
      }
      // Some pings while it runs.
      await sleep(350);
      const sentAt = Date.now();
      child.kill("SIGTERM");
      expect(await ended).toEqual({ code: null, signal: "SIGTERM" });
      clearTimeout(guard);
      // The last messages' way to the listener.
      await sleep(200);

      const at = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(out)?.[1]);
      const messages = listener.messages();
      const kinds = messages.map(({ message }) => message.split("\n")[0]);
      // READY=1 once (ready() was called twice), first; then pings, the stop, pings.
      expect(kinds[0]).toBe("READY=1");
      expect(kinds.filter((kind) => kind === "READY=1")).toHaveLength(1);
      expect(messages[0]!.at).toBeLessThanOrEqual(at("ready"));
      const stop = messages.findIndex(({ message }) => message.startsWith("STOPPING=1"));
      expect(stop).toBeGreaterThan(0);
      const stopMessage = messages[stop]!;
      // Before the first callback starts; with the deadline it has then (3000 ms, at most, from SIGTERM) and more.
      expect(stopMessage.at).toBeGreaterThanOrEqual(sentAt);
      expect(stopMessage.message).toMatch(/^STOPPING=1\nEXTEND_TIMEOUT_USEC=\d+$/);
      const usec = Number(stopMessage.message.split("=").at(-1));
      expect(usec).toBeGreaterThanOrEqual((3000 - (stopMessage.at - sentAt)) * 1000);
      expect(kinds.slice(1, stop).every((kind) => kind === "WATCHDOG=1") && stop >= 3).toBe(true);
      // The watchdog goes on while the 600 ms callback runs: its last ping is within a period (100 ms, and the way) of its end.
      const pings = messages.slice(stop + 1);
      expect(pings.every(({ message }) => message === "WATCHDOG=1")).toBe(true);
      expect(pings.length).toBeGreaterThanOrEqual(4);
      expect(Math.max(...pings.map(({ at }) => at))).toBeGreaterThanOrEqual(at("callback end") - 150);
      expect(at("callback start")).toBeGreaterThanOrEqual(sentAt);
    } finally {
      listener.stop();
    }
  });
});
