// Measure 5: where the per-callback time of an awaited run goes. Runs
// bench/profile-child.mjs under `node --cpu-prof` (a 50 µs sampling interval)
// and sums the samples' self time by function, for the functions of atexit's
// dist/ files: what each part of a run's per-callback cost pays for.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childEnv, root } from "./libraries.mjs";

/**
 * { count, rounds, registerNs, runNs, gcNs, otherNs, functions: [{ phase, name, file, nsPerCallback, share }] }:
 * the self time of atexit's functions per callback, while registering and
 * during the run, and each function's share of its phase; and, per callback,
 * the whole process's garbage collection and other non-idle time beside them.
 */
export function measureProfile({ count = 100_000, rounds = 10 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "atexit-profile-"));
  try {
    execFileSync(
      process.execPath,
      ["--cpu-prof", "--cpu-prof-interval", "50", "--cpu-prof-dir", dir, `${root}bench/profile-child.mjs`, String(count), String(rounds)],
      { cwd: root, env: childEnv, stdio: "ignore" },
    );
    const [file] = readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"));
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
    return summarize(profile, count, rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The entry's register and what it calls are registering; the rest is the run.
const REGISTERING = new Set(["register", "registerWith"]);

/** The phase a profile node's time belongs to: registering, or the run. */
function phaseOf(node, parentOf) {
  for (let at = node; at; at = parentOf.get(at.id)) if (REGISTERING.has(at.callFrame.functionName)) return "register";
  return "run";
}

function summarize(profile, count, rounds) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const selfUs = new Map();
  // timeDeltas[i] is the time from sample i-1 to sample i: charge it to sample i's function.
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totals = new Map();
  const phases = { register: 0, run: 0 };
  // Time outside atexit's functions while the callbacks run: the collector,
  // and everything else (the runtime's own code, compiling, idle).
  const outside = { gc: 0, other: 0 };
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const { callFrame } = node;
    if (!callFrame.url.startsWith(`file://${root}dist/`)) {
      if (callFrame.functionName === "(garbage collector)") outside.gc += us;
      else if (callFrame.functionName !== "(idle)") outside.other += us;
      continue;
    }
    const phase = phaseOf(node, parentOf);
    phases[phase] += us;
    const key = `${phase} ${callFrame.functionName || "(anonymous)"} ${callFrame.url.slice(`file://${root}`.length)}`;
    totals.set(key, (totals.get(key) ?? 0) + us);
  }
  const functions = [...totals]
    .map(([key, us]) => {
      const [phase, name, file] = key.split(" ");
      return { phase, name, file, nsPerCallback: (us * 1000) / (count * rounds), share: us / phases[phase] };
    })
    .sort((a, b) => b.nsPerCallback - a.nsPerCallback);
  const perCallback = (us) => (us * 1000) / (count * rounds);
  return {
    count,
    rounds,
    registerNs: perCallback(phases.register),
    runNs: perCallback(phases.run),
    gcNs: perCallback(outside.gc),
    otherNs: perCallback(outside.other),
    functions,
  };
}
