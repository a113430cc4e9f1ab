// DESIGN.md §5's targets for atexit, judged from one run's numbers. Each
// returns { target, measured, verdict: "met" | "missed" | "unclear" }.
import { BASELINE, scenarios } from "./latency.mjs";
import { growth } from "./scale.mjs";
import { bytes, count, ms } from "./table.mjs";

export const NODE_GZIP_LIMIT = 1200;
export const BROWSER_GZIP_LIMIT = 500;
/** "Well under a second" taken as at most half of one. */
export const MILLION_LIMIT_MS = 500;

function sizeTarget(size, platform, limit, what) {
  const figures = size[platform].atexit;
  const target = `${what} ≤ ${bytes(limit)} gzip`;
  if (figures.error) return { target, measured: figures.error, verdict: "missed" };
  return { target, measured: `${bytes(figures.gzip)} gzip`, verdict: figures.gzip <= limit ? "met" : "missed" };
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

function latencyTarget(latency) {
  const target = "exit latency no worse than the best library (median ≤ the best's 3rd quartile)";
  const parts = scenarios.map((scenario) => {
    const row = latency.result[scenario.id];
    const mine = row.atexit;
    const top = latencyBest(row);
    const ok = mine.ranEvery && top && mine.latency.median <= top.q3;
    return {
      ok,
      text: `${scenario.label}: ${ms(mine.latency.median)} vs ${top?.name} ${ms(top?.median ?? NaN)} (${(mine.latency.median / top.median).toFixed(2)}×)`,
    };
  });
  return { target, measured: parts.map((part) => part.text).join("; "), verdict: parts.every((part) => part.ok) ? "met" : "missed" };
}

export function judgeTargets({ size, scale, latency }) {
  return [
    sizeTarget(size, "node", NODE_GZIP_LIMIT, "node entry (`atexit`, platform node)"),
    sizeTarget(size, "browser", BROWSER_GZIP_LIMIT, "browser register-only consumer (`atexit`, platform browser)"),
    unregisterTarget(scale),
    millionTarget(scale),
    latencyTarget(latency),
  ];
}
