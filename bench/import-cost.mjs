// Measure 2: what importing a library costs a program that never uses it.
// Whole-process wall time (start, import, exit) of an import-only program,
// compared with an empty program. Runs are interleaved, every round running
// each (runtime, program) pair once in a shuffled order, so drift in the
// machine's load spreads over all variants instead of biasing one.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { childEnv, libraries, root, runtimes } from "./libraries.mjs";
import { seededRandom, shuffle, summary } from "./stats.mjs";

const dir = `${root}bench/.tmp/import`;
export const EMPTY = "(empty program)";

/** Writes one import-only program per library, plus the empty one. */
function writePrograms() {
  mkdirSync(dir, { recursive: true });
  const programs = { [EMPTY]: `${dir}/empty.mjs` };
  writeFileSync(programs[EMPTY], "// intentionally empty: the baseline\n");
  for (const { name } of libraries) {
    programs[name] = `${dir}/${name}.mjs`;
    writeFileSync(programs[name], `import "${name}";\n`);
  }
  return programs;
}

/** Runs `file` on `runtime`; resolves with wall milliseconds and how it ended. */
function timeOnce(runtime, file) {
  const { command, args } = runtimes[runtime];
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, [...args, file], { cwd: root, env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    // "exit" fires when the child is reaped: the moment the process is gone.
    child.on("exit", (code, signal) => resolve({ ms: performance.now() - started, code, signal, stderr }));
  });
}

/**
 * { [runtime]: { [variant]: { wall: summary, overhead: summary } | { error } } }
 * overhead: per round, the variant's time minus the empty program's time in
 * that same round, so the pairs share the machine's state.
 */
export async function measureImportCost({ rounds = 15, log = () => {} } = {}) {
  const programs = writePrograms();
  const variants = Object.keys(programs);
  const pairs = Object.keys(runtimes).flatMap((runtime) => variants.map((variant) => ({ runtime, variant })));
  const failed = new Map();

  // One unrecorded run of each: fills the OS file cache (and Deno's module
  // cache) and finds programs that do not run at all.
  for (const { runtime, variant } of pairs) {
    const run = await timeOnce(runtime, programs[variant]);
    if (run.code !== 0) {
      const line = run.stderr.split("\n").find((text) => text.trim()) ?? "";
      failed.set(`${runtime} ${variant}`, `exit ${run.code ?? run.signal}: ${line.trim().slice(0, 120)}`);
    }
  }

  const times = new Map(pairs.map(({ runtime, variant }) => [`${runtime} ${variant}`, []]));
  const random = seededRandom(20240601);
  for (let round = 0; round < rounds; round++) {
    for (const { runtime, variant } of shuffle([...pairs], random)) {
      const key = `${runtime} ${variant}`;
      if (failed.has(key)) continue;
      times.get(key).push((await timeOnce(runtime, programs[variant])).ms);
    }
    log(`import cost: round ${round + 1}/${rounds}`);
  }

  const result = {};
  for (const runtime of Object.keys(runtimes)) {
    result[runtime] = {};
    const empty = times.get(`${runtime} ${EMPTY}`);
    for (const variant of variants) {
      const key = `${runtime} ${variant}`;
      if (failed.has(key)) {
        result[runtime][variant] = { error: failed.get(key) };
        continue;
      }
      const wall = times.get(key);
      result[runtime][variant] = {
        wall: summary(wall),
        overhead: summary(wall.map((ms, round) => ms - empty[round])),
      };
    }
  }
  return { rounds, result };
}
