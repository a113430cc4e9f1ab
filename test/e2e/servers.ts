// The drained-server fixtures' shared side: which servers each runtime is
// tried with, and how a test starts one and reads what it prints. A fixture
// server prints "port <n>" and "ready", then waits for a signal.
import { fixture, runtimes, type RuntimeId } from "./runtimes.ts";
import { spawned } from "./spawned.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each runtime with its own server, and with node:http's; Express's and Fastify's on Node. */
export const serverCases: Array<[RuntimeId, string]> = [
  ["node", "node"],
  ["node", "express"],
  ["node", "fastify"],
  ["deno", "deno"],
  ["deno", "node"],
  ["bun", "bun"],
  ["bun", "node"],
];

/** How a fixture server is started, besides its runtime and file. */
export interface ServeOptions {
  /** Its arguments after the file. */
  readonly args: readonly string[];
  /** Deno's permissions (it always gets --allow-net=127.0.0.1). */
  readonly denoAllow?: readonly string[];
  /** Environment variables besides the test's own. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts the fixture server `name` on runtime `id`; resolves with its port, its output and the process's end. */
export async function serveFixture(id: RuntimeId, name: string, options: ServeOptions) {
  const { command, args } = runtimes[id];
  const runArgs = id === "deno" ? [...args, "--allow-net=127.0.0.1", ...(options.denoAllow ?? [])] : args;
  const { child, ended, stdout: out, stderr } = spawned(command, [...runArgs, fixture(name), ...options.args], {
    env: { ...process.env, ...options.env },
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
  ended.finally(() => clearTimeout(guard));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", () => {
      const match = /port (\d+)\nready\n/.exec(out());
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", () => reject(new Error(`server ended before it was ready: ${stderr()}`)));
  });
  /** Resolves once the server has printed `line` `count` times (the fixtures print "begun <path>" as a handler starts). */
  const printed = async (line: string, count = 1): Promise<void> => {
    for (const until = performance.now() + 10_000; out().split("\n").filter((l) => l === line).length < count; await sleep(5)) {
      if (performance.now() > until) throw new Error(`the server did not print "${line}" ${count} times: ${out()}`);
    }
  };
  return { child, port, ended, printed, stdout: () => out().split("\n"), stderr };
}
