// `npm run bench`: builds dist/ (the npm script), then runs every measure in
// one session, prints the report on stdout and writes bench/RESULTS.md.
// Progress goes to stderr. `node bench/run.mjs --quick` runs fewer rounds,
// stops N at 1e4 and leaves RESULTS.md alone: for checking the bench itself,
// not for figures.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import * as esbuild from "esbuild";
import { measureImportCost } from "./import-cost.mjs";
import { measureDrain } from "./drain.mjs";
import { measureLatency } from "./latency.mjs";
import { measureProfile } from "./profile.mjs";
import { libraries, root, runtimes, versionOf } from "./libraries.mjs";
import { renderReport } from "./report.mjs";
import { measureRolling } from "./rolling.mjs";
import { measureScale } from "./scale.mjs";
import { breakdown, measureFeatures, measureSize } from "./size.mjs";
import { BROWSER_BROTLI_LIMIT, judgeTargets, NODE_BROTLI_LIMIT } from "./targets.mjs";

const quick = process.argv.includes("--quick");
const log = (line) => process.stderr.write(`${line}\n`);

if (!existsSync(`${root}dist/adapters/node.js`)) {
  log("bench: dist/ is missing; run `npm run bench` (it builds first) or `npm run build`.");
  process.exit(1);
}

const load = () => os.loadavg().map((n) => n.toFixed(2)).join(" / ");
const firstLine = (command, args) => execFileSync(command, args, { encoding: "utf8" }).split("\n")[0].trim();

const started = performance.now();
const meta = {
  quick,
  date: new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC"),
  cpu: os.cpus()[0]?.model.trim() ?? "unknown CPU",
  cores: os.cpus().length,
  memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  loadBefore: load(),
  versions: {
    node: process.versions.node,
    deno: firstLine(runtimes.deno.command, ["--version"]).split(/\s+/)[1],
    bun: firstLine(runtimes.bun.command, ["--version"]),
    esbuild: esbuild.version,
  },
  libraryVersions: Object.fromEntries(libraries.map(({ name }) => [name, versionOf(name)])),
};

log("bench: bundle size");
const size = await measureSize();
// The breakdown by source file is only needed where a size target is missed.
const breakdowns = [];
if (size.node.atexit.error || size.node.atexit.brotli > NODE_BROTLI_LIMIT) breakdowns.push(await breakdown("node"));
if (size.browser.atexit.error || size.browser.atexit.brotli > BROWSER_BROTLI_LIMIT) breakdowns.push(await breakdown("browser"));

log("bench: what each feature costs");
const features = await measureFeatures();

log("bench: import cost");
const importCost = await measureImportCost({ rounds: quick ? 3 : 15, log });

log("bench: scale");
const scale = await measureScale({ upTo: quick ? 1e4 : Infinity, log });

log("bench: exit latency");
const latency = await measureLatency({ rounds: quick ? 2 : 7, log });

log("bench: draining a server");
const drain = await measureDrain({ rounds: quick ? 1 : 3, log });

log("bench: rolling restarts behind haproxy");
const rolling = await measureRolling({ rounds: quick ? 1 : 3, log });

log("bench: profile of a run");
const profile = {
  warm: measureProfile(quick ? { count: 10_000, rounds: 3 } : { count: 100_000, rounds: 10 }),
  cold: measureProfile({ count: 10_000, rounds: 1 }),
};

meta.loadAfter = load();
meta.durationMs = performance.now() - started;
const results = { meta, size, breakdowns, features, importCost, scale, latency, profile, drain, rolling };
results.targets = judgeTargets(results);

const report = renderReport(results);
process.stdout.write(report);
if (quick) {
  log("bench: --quick run, bench/RESULTS.md left as it was");
} else {
  // The soak and Firefox sections come from their own scripts (npm run soak,
  // bench/firefox-close.mjs): kept as they are, after this run's report.
  const file = `${root}bench/RESULTS.md`;
  const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
  const tail = previous.indexOf("\n## 7. Soak");
  writeFileSync(file, tail < 0 ? report : `${report.trimEnd()}\n${previous.slice(tail)}`);
  log(`bench: wrote bench/RESULTS.md in ${Math.round(meta.durationMs / 1000)} s`);
}
