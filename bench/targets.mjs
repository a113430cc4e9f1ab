// atexit's targets, judged from one run's numbers. Each returns
// { target, measured, verdict: "met" | "missed" | "unclear" }. The sizes and
// the per-registration costs are those the lean exit engine was to reach;
// the latencies compare the time atexit adds to a process's end with the
// time the best library adds.
import { BASELINE, scenarios } from "./latency.mjs";
import { libraries } from "./libraries.mjs";
import { growth } from "./scale.mjs";
import { bytes, count, ms, ns } from "./table.mjs";

export const NODE_BROTLI_LIMIT = 2800;
export const BROWSER_BROTLI_LIMIT = 1800;
/** "Well under a second" taken as at most half of one. */
export const MILLION_LIMIT_MS = 500;

function sizeTarget(size, platform, limit) {
  const figures = size[platform].atexit;
  const target = `register-only consumer of \`atexit\`, platform ${platform}, ≤ ${bytes(limit)} brotli`;
  if (figures.error) return { target, measured: figures.error, verdict: "missed" };
  return { target, measured: `${bytes(figures.brotli)} brotli`, verdict: figures.brotli <= limit ? "met" : "missed" };
}

/** At N = 1e6, handles kept: atexit's register time and heap per registration no more than when-exit's. */
function registrationTarget(scale, key, what, format) {
  const target = `${what} at N=1e6 (handles kept) ≤ when-exit's`;
  const mine = scale.atexit[1e6]?.[key];
  const theirs = scale["when-exit"]?.[1e6]?.[key];
  if (mine === undefined || theirs === undefined) return { target, measured: "N=1e6 not measured for both", verdict: "unclear" };
  const measured = `${format(mine)} vs ${format(theirs)} (${(mine / theirs).toFixed(2)}×)`;
  return { target, measured, verdict: mine <= theirs ? "met" : "missed" };
}

/** Unregistering in random order at N = 1e5: no slower than the fastest other library. */
function randomUnregisterTarget(scale) {
  const target = "unregister in random order at N=1e5 ≤ the best library's";
  const mine = scale.atexit[1e5]?.unregisterRandomNs;
  const others = libraries
    .filter(({ name }) => name !== "atexit")
    .map(({ name }) => ({ name, value: scale[name]?.[1e5]?.unregisterRandomNs }))
    .filter(({ value }) => value !== undefined);
  if (mine === undefined || others.length === 0) return { target, measured: "N=1e5 not measured", verdict: "unclear" };
  const top = others.reduce((a, b) => (b.value < a.value ? b : a));
  return { target, measured: `${ns(mine)} vs ${top.name} ${ns(top.value)}`, verdict: mine <= top.value ? "met" : "missed" };
}

function unregisterTarget(scale) {
  const target = "unregister O(1) (per-op cost flat as N grows)";
  const parts = ["unregisterRandomNs", "unregisterReverseNs"].map((key) => ({ key, growth: growth(scale.atexit, key) }));
  if (parts.some((part) => !part.growth)) return { target, measured: "too few N measured", verdict: "unclear" };
  const order = { unregisterRandomNs: "random order", unregisterReverseNs: "reverse order" };
  const measured = parts
    .map(({ key, growth: g }) => `${order[key]}: cost ∝ N^${g.exponent.toFixed(2)} from 1e${Math.log10(g.from)} to 1e${Math.log10(g.to)}`)
    .join("; ");
  const verdicts = parts.map(({ growth: g }) => g.verdict);
  const verdict = verdicts.every((v) => v === "O(1)") ? "met" : verdicts.includes("O(n)") ? "missed" : "unclear";
  return { target, measured, verdict };
}

function millionTarget(scale) {
  const target = `1e6 registrations + 1e6 unregistrations (random order) ≤ ${ms(MILLION_LIMIT_MS, 0)} ("well under a second")`;
  const figures = scale.atexit[1e6];
  // Not run at all (a --quick run stops at 1e4): nothing to judge.
  if (!figures) return { target, measured: "N=1e6 not run", verdict: "unclear" };
  if (figures.registerNs === undefined || figures.unregisterRandomNs === undefined) {
    const why = figures.skipped ?? figures.opsError ?? (figures.opsKilledAfterMs && `stopped after ${figures.opsKilledAfterMs / 1000} s`);
    return { target, measured: `not measured: ${why}`, verdict: "missed" };
  }
  // ns per operation × 1e6 operations, then ns → ms.
  const total = ((figures.registerNs + figures.unregisterRandomNs) * 1e6) / 1e6;
  return { target, measured: `${count(total)} ms`, verdict: total <= MILLION_LIMIT_MS ? "met" : "missed" };
}

/**
 * The best library on a path is the fastest among those that ran every
 * callback there (a library that ignores SIGTERM is fast at doing nothing).
 * "No worse" allows for noise: atexit's median at most the best's third quartile.
 */
export function latencyBest(row) {
  const candidates = Object.entries(row).filter(([name, figures]) => name !== BASELINE && figures.ranEvery);
  if (candidates.length === 0) return undefined;
  const [name, figures] = candidates.reduce((a, b) => (b[1].latency.median < a[1].latency.median ? b : a));
  return { name, ...figures.latency };
}

/** What a variant adds to the end of a process over the same program without a library (median, ms). */
const added = (row, variant) => row[variant].latency.median - row[BASELINE].latency.median;
/** An added time with its sign: "+2.9 ms", "−0.4 ms" (faster than no library: noise). */
const signed = (value) => `${value < 0 ? "−" : "+"}${ms(Math.abs(value))}`;

/**
 * SIGTERM with 1 callback: atexit adds no more than the best library adds
 * (noise allowed: at most the best's third quartile, minus the baseline's
 * median). With 10,000 callbacks (SIGTERM, natural end): at most 3× what it adds.
 */
function latencyTargets(latency) {
  return scenarios.map((scenario) => {
    const factor = scenario.count === 1 ? 1 : 3;
    const target = `${scenario.label}: time added over no library ≤ ${factor === 1 ? "" : `${factor}× `}the best library's`;
    const row = latency.result[scenario.id];
    const top = latencyBest(row);
    if (!row.atexit.ranEvery) return { target, measured: "atexit did not run every callback", verdict: "missed" };
    if (!top) return { target, measured: "no library ran every callback", verdict: "unclear" };
    const mine = added(row, "atexit");
    const theirs = added(row, top.name);
    const allowed = factor === 1 ? top.q3 - row[BASELINE].latency.median : factor * Math.max(theirs, 0);
    return {
      target,
      measured: `${signed(mine)} vs ${top.name} ${signed(theirs)}`,
      verdict: mine <= allowed ? "met" : "missed",
    };
  });
}

export function judgeTargets({ size, scale, latency }) {
  return [
    sizeTarget(size, "browser", BROWSER_BROTLI_LIMIT),
    sizeTarget(size, "node", NODE_BROTLI_LIMIT),
    registrationTarget(scale, "registerNs", "register, ns per call", ns),
    registrationTarget(scale, "heapBytesPerRegistration", "heap per registration", (n) => `${count(n)} B`),
    randomUnregisterTarget(scale),
    unregisterTarget(scale),
    millionTarget(scale),
    ...latencyTargets(latency),
  ];
}
