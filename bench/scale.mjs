// Measure 3: how register and unregister scale with the number of
// registrations. Child processes run bench/scale-child.mjs, one per (library,
// N, mode); N grows by tens until a library's run gets too long, then stops
// for it.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { childEnv, libraries, root } from "./libraries.mjs";
import { median } from "./stats.mjs";

export const counts = [1e3, 1e4, 1e5, 1e6];
/** A run whose measured work took longer than this ends the growth of N for that library. */
export const STOP_AFTER_MS = 10_000;
/** No single process may take longer: it is killed, and the phases it finished are kept. */
const KILL_AFTER_MS = 30_000;
/** Small runs are over in a blink and disturbed by anything: they are repeated and the best kept. */
const repeatsFor = (N) => (N <= 1e4 ? 3 : 1);

export const perOpKeys = ["registerNs", "unregisterRandomNs", "unregisterReverseNs", "runNs"];

function runChild(name, N, mode) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--expose-gc", `${root}bench/scale-child.mjs`, name, String(N), mode], {
      cwd: root,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, KILL_AFTER_MS);
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => {
      clearTimeout(timer);
      // Later lines refine earlier ones (the second pass's register time).
      const figures = Object.assign({}, ...stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line)));
      const wallMs = performance.now() - started;
      const error = code !== 0 && !killed ? stderr.trim().split("\n").slice(-1)[0] : undefined;
      resolve({ ...figures, wallMs, ...(killed && { killedAfterMs: KILL_AFTER_MS }), ...(error && { error }) });
    });
  });
}

/** The library's own work in a run, in ms: both register passes, both unregister passes, or the run. */
function workMs(figures) {
  const register = (figures.registerNs ?? 0) * (figures.unregisterRandomNs === undefined ? 1 : 2);
  const rest = (figures.unregisterRandomNs ?? 0) + (figures.unregisterReverseNs ?? 0) + (figures.runNs ?? 0);
  return ((register + rest) * figures.N) / 1e6;
}

/**
 * Why N should not grow past `previous`, or undefined to go on. Besides the
 * 10 s rule, a clearly linear per-op cost (it rose 5× or more over the last
 * tenfold step, as an indexOf/splice removal does) projects the next step at
 * 10 × that rise, and is not started if it would only be killed.
 */
function reasonToStop(previous, beforeThat) {
  if (!previous) return undefined;
  const at = `N=${fmtCount(previous.N)}`;
  if (previous.killedAfterMs) return `${at} was stopped after ${previous.killedAfterMs / 1000} s`;
  if (previous.error) return `${at} failed: ${previous.error}`;
  const took = workMs(previous);
  if (took > STOP_AFTER_MS) return `${at} took ${(took / 1000).toFixed(1)} s`;
  let growth = 1;
  for (const key of perOpKeys) {
    if (previous[key] !== undefined && beforeThat?.[key]) growth = Math.max(growth, previous[key] / beforeThat[key]);
  }
  const projected = took * 10 * growth;
  if (growth >= 5 && projected > KILL_AFTER_MS) {
    return `${at} took ${(took / 1000).toFixed(1)} s and per-op cost grew ${growth.toFixed(1)}× from N=${fmtCount(beforeThat.N)}: N=${fmtCount(previous.N * 10)} would take ≈ ${Math.round(projected / 1000)} s`;
  }
  return undefined;
}

/** Runs (library, N, mode) `repeatsFor(N)` times: best per-op figures, median heap. */
async function measureOnce(name, N, mode) {
  const runs = [];
  for (let i = 0; i < repeatsFor(N); i++) runs.push(await runChild(name, N, mode));
  const best = { N, ...runs[0] };
  for (const key of perOpKeys) {
    const values = runs.map((run) => run[key]).filter((value) => value !== undefined);
    if (values.length) best[key] = Math.min(...values);
  }
  const heaps = runs.map((run) => run.heapBytesPerRegistration).filter((value) => value !== undefined);
  if (heaps.length) best.heapBytesPerRegistration = median(heaps);
  best.wallMs = runs.reduce((sum, run) => sum + run.wallMs, 0);
  return best;
}

export const fmtCount = (n) => (n >= 1000 && Math.log10(n) % 1 === 0 ? `1e${Math.log10(n)}` : String(n));

/**
 * { [library]: { [N]: figures, with `skipped` (ops) or `runSkipped` (run) where N did not grow } }.
 * N is the outer loop: every library runs at one N before N grows, so the
 * figures compared in one row were taken close together in time. The
 * register/unregister series and atexit's run series stop growing separately.
 */
export async function measureScale({ upTo = Infinity, log = () => {} } = {}) {
  const series = libraries.flatMap(({ name, runApi }) => [
    { name, mode: "ops", skippedKey: "skipped", done: [], stop: undefined },
    ...(runApi ? [{ name, mode: "run", skippedKey: "runSkipped", done: [], stop: undefined }] : []),
  ]);
  const result = Object.fromEntries(libraries.map(({ name }) => [name, {}]));
  for (const N of counts.filter((N) => N <= upTo)) {
    for (const line of series) {
      const cell = (result[line.name][N] ??= { N });
      line.stop ??= reasonToStop(line.done.at(-1), line.done.at(-2));
      if (line.stop) {
        cell[line.skippedKey] = line.stop;
        continue;
      }
      const figures = await measureOnce(line.name, N, line.mode);
      line.done.push(figures);
      const { wallMs, killedAfterMs, error, ...kept } = figures;
      Object.assign(cell, kept, { [`${line.mode}WorkMs`]: workMs(figures) });
      if (killedAfterMs) cell[`${line.mode}KilledAfterMs`] = killedAfterMs;
      if (error) cell[`${line.mode}Error`] = error;
      log(`scale: ${line.name} ${line.mode} N=${fmtCount(N)} in ${(wallMs / 1000).toFixed(1)} s`);
    }
  }
  return result;
}

/**
 * Whether per-op cost grows with N: the exponent k in cost ∝ N^k between
 * N=1e4 (past the JIT warm-up that dominates 1e3) and the largest N reached.
 * About 0 is O(1); about 1 is O(n), as an indexOf/splice removal is.
 */
export function growth(byCount, key) {
  const measured = counts.filter((N) => N >= 1e4 && byCount[N]?.[key] !== undefined);
  if (measured.length < 2) return undefined;
  const [from, to] = [measured[0], measured.at(-1)];
  const exponent = Math.log(byCount[to][key] / byCount[from][key]) / Math.log(to / from);
  const verdict = exponent < 0.25 ? "O(1)" : exponent > 0.6 ? "O(n)" : "unclear";
  return { from, to, exponent, verdict };
}
