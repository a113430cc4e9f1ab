// Measure 6b: rolling restarts behind haproxy (Node.js). Two node:http
// replicas (bench/rolling-child.mjs) behind haproxy, which checks `/ready`
// every 100 ms (2 failures: DOWN, 1 success: UP), sends each request once
// (retries 0) and pools its connections to the replicas (http-reuse
// always); four keep-alive clients send requests through it while each
// replica in turn gets SIGTERM and is replaced once it has ended
// (test/fixtures/rolling.mjs). Measured per variant: the requests that
// failed (a status other than 200, or a socket error), the time from the
// signal to the process's end, and how it ended.
import { CHECK, freePorts, rollingRestarts, spawnReplica } from "../test/fixtures/rolling.mjs";
import { childEnv, root } from "./libraries.mjs";
import { summary } from "./stats.mjs";

/** The balancer's time to mark a replica DOWN: check interval × failures. */
export const ROLLING_DELAY_MS = CHECK.inter * CHECK.fall;

/** Every variant: its name, the delay it is given, and how its documentation says to shut a server down. */
export const rollingVariants = [
  { name: "no handling", delay: 0, usage: "Node's default: SIGTERM ends the process" },
  { name: "server.close() on SIGTERM", delay: 0, usage: "`process.on(\"SIGTERM\", () => server.close())`" },
  { name: "http-terminator", delay: 0, usage: "`terminate()` from a SIGTERM listener (it has no readiness or delay)" },
  { name: "@godaddy/terminus", delay: ROLLING_DELAY_MS, usage: `\`healthChecks: { "/ready" }\`, \`beforeShutdown\`: a ${ROLLING_DELAY_MS} ms pause` },
  { name: "lightship", delay: ROLLING_DELAY_MS, usage: `its own \`/ready\` server, \`shutdownDelay: ${ROLLING_DELAY_MS}\`, \`server.close()\` as shutdown handler` },
  { name: "atexit, delay 0", delay: 0, usage: "`drain(server, { delay: 0 })`, `/ready` 503 once `isDraining()`" },
  { name: `atexit, delay ${ROLLING_DELAY_MS}`, delay: ROLLING_DELAY_MS, usage: `\`drain(server, { delay: ${ROLLING_DELAY_MS} })\`, \`/ready\` 503 once \`isDraining()\`` },
];

/** One rolling restart of both replicas of `variant`. */
async function runOnce({ name, delay }) {
  // Lightship's health server listens on a port of its own, the same for a slot's replacement.
  const checkPorts = name === "lightship" ? await freePorts(2) : undefined;
  const start = (port, slot) =>
    spawnReplica(process.execPath, [`${root}bench/rolling-child.mjs`, name, String(delay), String(port), ...(checkPorts ? [String(checkPorts[slot])] : [])], { env: childEnv });
  return rollingRestarts({ start, rounds: 1, checkPorts });
}

/**
 * { rounds, delay, result: { [variant]: { failed, total, exit: summary, ended } } }:
 * per round, one rolling restart of each variant, the variants interleaved.
 */
export async function measureRolling({ rounds = 3, log = () => {} } = {}) {
  const runs = new Map(rollingVariants.map(({ name }) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of rollingVariants) runs.get(variant.name).push(await runOnce(variant));
    log(`rolling: round ${round + 1}/${rounds}`);
  }
  const result = {};
  for (const [name, list] of runs) {
    const requests = list.flatMap((run) => run.requests);
    const restarts = list.flatMap((run) => run.restarts);
    result[name] = {
      failed: requests.filter((request) => !request.ok).length,
      total: requests.length,
      exit: summary(restarts.map(({ exit, signalled }) => exit.at - signalled)),
      ended: [...new Set(restarts.map(({ exit }) => exit.signal ?? `exit ${exit.code}`))].join(" / "),
    };
  }
  return { rounds, result };
}
