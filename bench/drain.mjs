// Measure 6: draining a server on SIGTERM (Node.js). Each variant's server
// (bench/drain-child.mjs) holds four idle keep-alive clients and three 1 s
// requests in flight when SIGTERM comes, 300 ms in. Measured: how many of
// the three were answered, the time from the signal to the process being
// reaped, and how it ended.
import { spawn } from "node:child_process";
import { Client } from "../test/fixtures/http-client.mjs";
import { childEnv, root } from "./libraries.mjs";
import { summary } from "./stats.mjs";

/** Every variant, with how its documentation says to shut a server down. */
export const drainVariants = [
  { name: "atexit", usage: "`drain(server, { timeout: 8000 })` (atexit/http)" },
  { name: "atexit, server.close() by hand", usage: "`register(() => new Promise((r) => server.close(r)))`" },
  { name: "http-terminator", usage: "`terminate()` from a SIGTERM listener" },
  { name: "@godaddy/terminus", usage: "`createTerminus(server, { signals: [\"SIGTERM\"], timeout: 8000 })`" },
  { name: "close-with-grace", usage: "`closeWithGrace({ delay: 8000 }, () => server.close())`" },
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function runOnce(variant) {
  const child = spawn(process.execPath, [`${root}bench/drain-child.mjs`, variant], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "ignore"] });
  const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const ended = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ at: performance.now(), ended: signal ?? `exit ${code}` })));
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /port (\d+)\n/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", () => reject(new Error(`drain: ${variant} ended before listening`)));
  });
  const idle = await Promise.all([0, 1, 2, 3].map(() => Client.open(port)));
  await Promise.all(idle.map((client) => client.get("/")));
  const busy = await Promise.all([0, 1, 2].map(() => Client.open(port)));
  const replies = busy.map((client) => client.get("/slow").then((reply) => reply.status === 200, () => false));
  await sleep(300);
  const signalled = performance.now();
  child.kill("SIGTERM");
  const answered = (await Promise.all(replies)).filter(Boolean).length;
  const end = await ended;
  clearTimeout(guard);
  for (const client of [...idle, ...busy]) client.socket.destroy();
  return { ms: end.at - signalled, answered, ended: end.ended };
}

/** { rounds, result: { [variant]: { exit: summary, answered, lost, ended } } }, rounds interleaved. */
export async function measureDrain({ rounds = 3, log = () => {} } = {}) {
  const runs = new Map(drainVariants.map(({ name }) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const { name } of drainVariants) runs.get(name).push(await runOnce(name));
    log(`drain: round ${round + 1}/${rounds}`);
  }
  const result = {};
  for (const [name, list] of runs) {
    result[name] = {
      exit: summary(list.map((run) => run.ms)),
      answered: list.reduce((sum, run) => sum + run.answered, 0),
      lost: list.reduce((sum, run) => sum + (3 - run.answered), 0),
      ended: [...new Set(list.map((run) => run.ended))].join(" / "),
    };
  }
  return { rounds, result };
}
