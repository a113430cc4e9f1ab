// Measure 4: how long a library holds up the end of a process. The clock
// starts when the parent sends SIGTERM (after the child printed "ready") or
// when the child's last statement printed "done", and stops when the child is
// reaped (child_process "exit"). The same program without any library is the
// baseline: what the runtime itself takes to die or end.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { childEnv, libraries, root } from "./libraries.mjs";
import { seededRandom, shuffle, summary } from "./stats.mjs";

export const BASELINE = "none";

export const scenarios = [
  { id: "sigterm-1", label: "SIGTERM, 1 callback", mode: "signal", count: 1 },
  { id: "sigterm-10000", label: "SIGTERM, 10,000 callbacks", mode: "signal", count: 10_000 },
  { id: "natural-10000", label: "natural end, 10,000 callbacks", mode: "natural", count: 10_000 },
];

/** One process: resolves { ms, ended, ran } (ran: whether the last callback reported in). */
function runOnce(variant, { mode, count }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}bench/latency-child.mjs`, variant, String(count), mode], {
      cwd: root,
      env: childEnv,
      stdio: ["ignore", "pipe", "ignore"],
    });
    let stdout = "";
    let startedAt;
    let exit;
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (startedAt !== undefined) return;
      if (mode === "signal" && stdout.includes("ready\n")) {
        startedAt = performance.now();
        child.kill("SIGTERM");
      } else if (mode === "natural" && stdout.includes("done\n")) {
        startedAt = performance.now();
      }
    });
    child.on("exit", (code, signal) => (exit = { at: performance.now(), code, signal }));
    // "close" comes after "exit" once stdout is drained: by then every line is in.
    child.on("close", () => {
      clearTimeout(guard);
      if (startedAt === undefined || !exit) return reject(new Error(`latency: ${variant} ${mode} never got going`));
      resolve({
        ms: exit.at - startedAt,
        ended: exit.signal ?? `exit ${exit.code}`,
        ran: count === 0 || stdout.includes(`ran ${count}\n`),
      });
    });
  });
}

/**
 * { rounds, result: { [scenario.id]: { [variant]: { latency: summary, ended, ranEvery, ranNone } } } }
 * Rounds interleave every (scenario, variant) pair in a shuffled order.
 */
export async function measureLatency({ rounds = 7, log = () => {} } = {}) {
  const variants = [BASELINE, ...libraries.map(({ name }) => name)];
  const pairs = scenarios.flatMap((scenario) => variants.map((variant) => ({ scenario, variant })));
  const runs = new Map(pairs.map(({ scenario, variant }) => [`${scenario.id} ${variant}`, []]));
  const random = seededRandom(7);

  // One unrecorded pass, so the first recorded runs do not pay for a cold file cache.
  for (const { scenario, variant } of pairs) await runOnce(variant, scenario);
  for (let round = 0; round < rounds; round++) {
    for (const { scenario, variant } of shuffle([...pairs], random)) {
      runs.get(`${scenario.id} ${variant}`).push(await runOnce(variant, scenario));
    }
    log(`exit latency: round ${round + 1}/${rounds}`);
  }

  const result = {};
  for (const scenario of scenarios) {
    result[scenario.id] = {};
    for (const variant of variants) {
      const list = runs.get(`${scenario.id} ${variant}`);
      const endings = [...new Set(list.map((run) => run.ended))];
      result[scenario.id][variant] = {
        latency: summary(list.map((run) => run.ms)),
        ended: endings.join(" / "),
        // The baseline registers nothing: there is nothing to run.
        ranEvery: variant !== BASELINE && list.every((run) => run.ran),
        ranNone: variant === BASELINE || list.every((run) => !run.ran),
      };
    }
  }
  return { rounds, result };
}
