// Turns one run's results into the report: the same Markdown goes to stdout
// and to bench/RESULTS.md. Everything said here is computed from the numbers.
import { libraries } from "./libraries.mjs";
import { drainVariants } from "./drain.mjs";
import { EMPTY } from "./import-cost.mjs";
import { BASELINE, scenarios } from "./latency.mjs";
import { rollingVariants } from "./rolling.mjs";
import { counts, fmtCount, growth, STOP_AFTER_MS } from "./scale.mjs";
import { platforms, sizeRows } from "./size.mjs";
import { latencyBest } from "./targets.mjs";
import { best, bytes, count, markdownTable, ms, ns, ratio, withRatio } from "./table.mjs";

const names = libraries.map(({ name }) => name);

function header(meta) {
  const lines = [
    "# Benchmarks: atexit and the established libraries",
    "",
    `Written by \`npm run bench\` (bench/run.mjs${meta.quick ? " --quick: fewer rounds, N up to 1e4" : ""}) on ${meta.date}; the run took ${Math.round(meta.durationMs / 1000)} s.`,
    "",
    `- Machine: ${meta.cpu} × ${meta.cores} cores, ${meta.memory} RAM, ${meta.os}; load average ${meta.loadBefore} at the start, ${meta.loadAfter} at the end.`,
    `- Runtimes: Node.js ${meta.versions.node}, Deno ${meta.versions.deno}, Bun ${meta.versions.bun}; esbuild ${meta.versions.esbuild}.`,
    `- Libraries: ${names.map((name) => `${name}@${meta.libraryVersions[name]}`).join(", ")}.`,
    "",
    "Every figure is followed by its ratio to the best library for that row (best = 1.00×; lower is better everywhere).",
    "Each measure runs its variants in one session, interleaved where the machine's state could drift,",
    "so the ratios compare like with like even when the absolute figures move with the machine's load.",
  ];
  return lines.join("\n");
}

function targetsSection(targets) {
  const mark = { met: "**met**", missed: "**missed**", unclear: "unclear" };
  const listed = (verdict) => targets.filter((t) => t.verdict === verdict).map((t) => t.target);
  const plainly = [
    `atexit meets ${listed("met").length} of these ${targets.length} targets.`,
    "",
    ...listed("met").map((target) => `- Met: ${target}.`),
    ...listed("missed").map((target) => `- Missed: ${target}.`),
    ...listed("unclear").map((target) => `- Not decided by these numbers: ${target}.`),
  ];
  return [
    "## atexit's targets",
    "",
    plainly.join("\n"),
    "",
    markdownTable(
      ["target", "measured", "verdict"],
      targets.map((t) => [t.target, t.measured, mark[t.verdict]]),
    ),
  ].join("\n");
}

function sizeSection(size, breakdowns) {
  const out = [
    "## 1. Bundle size",
    "",
    "A consumer that imports the entry and registers one callback (the library's documented usage),",
    "bundled by esbuild (`bundle`, `minify`, `format: \"esm\"`); gzip at level 9, brotli at maximum quality.",
    "Ratios are to the smallest library in that column (atexit counted by its root entry `atexit`;",
    "its other entries are compared with the same best). `atexit/beacon` is `register` plus `sendOnExit`.",
  ];
  for (const platform of platforms) {
    const figures = size[platform];
    const mains = sizeRows.filter((row) => row.main).map((row) => figures[row.entry]);
    const top = Object.fromEntries(["minified", "gzip", "brotli"].map((key) => [key, best(mains.map((f) => f[key]))]));
    const rows = sizeRows.map(({ entry }) => {
      const f = figures[entry];
      if (f.error) return [`\`${entry}\``, `cannot be bundled: ${f.error}`, "—", "—"];
      return [`\`${entry}\``, ...["minified", "gzip", "brotli"].map((key) => withRatio(bytes(f[key]), f[key], top[key]))];
    });
    out.push("", `### platform: "${platform}"`, "", markdownTable(["entry", "minified", "gzip", "brotli"], rows));
  }
  for (const breakdown of breakdowns) {
    const total = breakdown.files.reduce((sum, file) => sum + file.bytes, 0);
    out.push(
      "",
      `### Where atexit's ${breakdown.platform} bundle's bytes go`,
      "",
      `\`${breakdown.entry}\` bundled from the TypeScript sources the same way (the published dist/ is chunked, so it cannot name files):`,
      `${bytes(breakdown.total.minified)} minified, ${bytes(breakdown.total.gzip)} gzip, ${bytes(breakdown.total.brotli)} brotli`,
      `(the dist-based row above: ${bytes(size[breakdown.platform].atexit.gzip)} gzip). Bytes each source file puts in the minified output (esbuild metafile, bytesInOutput):`,
      "",
      markdownTable(
        ["source file", "minified bytes", "share"],
        breakdown.files.map((file) => [file.file, count(file.bytes), `${((100 * file.bytes) / total).toFixed(1)} %`]),
      ),
    );
  }
  return out.join("\n");
}

/** "1,027 / 322 B": a feature's minified and brotli bytes, "—" where it is not in that bundle. */
function featureCell(figures, estimate) {
  if (!figures || (figures.minified === 0 && figures.brotli === 0)) return "—";
  return `${estimate ? "≈ " : ""}${count(figures.minified)} / ${bytes(figures.brotli)}`;
}

export function featuresSection(features, size) {
  const { total, rows } = features;
  const featureRows = rows.map((row) => [row.feature, featureCell(row.node, row.estimate), featureCell(row.browser, row.estimate), row.where]);
  const entryCell = (platform, entry) => {
    const figures = size[platform][entry];
    if (figures.error) return "cannot be bundled";
    const extra = figures.brotli - size[platform].atexit.brotli;
    return entry === "atexit" ? bytes(figures.brotli) : `${bytes(figures.brotli)} (${extra >= 0 ? "+" : "−"}${count(Math.abs(extra))})`;
  };
  const entryRows = sizeRows.filter((row) => row.library === "atexit").map(({ entry }) => [`\`${entry}\``, entryCell("node", entry), entryCell("browser", entry)]);
  return [
    "### What each feature costs a program that only registers",
    "",
    "Per feature, the bytes it adds to the register-only bundle (`import { register } from \"atexit\"` and one",
    "registration), for Node (`adapters/node.ts`) and the browser (`adapters/browser.ts`), bundled from the TypeScript",
    `sources as the breakdown is (${count(total.node.minified)} / ${bytes(total.node.brotli)} for Node, ${count(total.browser.minified)} / ${bytes(total.browser.brotli)} for the browser,`,
    "minified / brotli). Each figure is that bundle minus a variant of it in which the feature's code is replaced by a stub",
    "(bench/features.mjs lists every stub; a stub that no longer applies fails the bench): minified bytes, then brotli",
    "bytes, both measured, none apportioned. The brotli figure is what leaving the feature out saves, compression context",
    "included. Features share code and context, so the rows overlap and do not add up to the total (the awaited run",
    "contains the limits, for one), and a brotli figure under about 20 B is within what any edit moves brotli by (it can",
    "even come out below zero). ≈: an estimate, the stub also leaves out, or keeps, a little code the feature shares",
    "with another. —: not in that bundle.",
    "",
    markdownTable(["feature", "node: minified / brotli", "browser: minified / brotli", "where its code is"], featureRows),
    "",
    "Per entry: the register-only consumer of each entry (section 1's rows), brotli, and in parentheses what it adds to",
    "(or saves on) the `atexit` row of the same platform.",
    "",
    markdownTable(["entry", "node", "browser"], entryRows),
  ].join("\n");
}

/**
 * Overheads of a few ms are near what process timing resolves here, so the
 * ratio's denominator is at least 1 ms: a 0.2 ms best would make 1 ms look 5×.
 */
const OVERHEAD_FLOOR_MS = 1;

function importSection(importCost) {
  const rows = Object.entries(importCost.result).map(([runtime, variants]) => {
    const empty = variants[EMPTY];
    const top = best(names.map((name) => variants[name].overhead?.median));
    return [
      runtime,
      empty.error ? empty.error : ms(empty.wall.median),
      ...names.map((name) => {
        const v = variants[name];
        if (v.error) return `fails: ${v.error}`;
        const o = v.overhead;
        const signed = `${o.median < 0 ? "−" : "+"}${ms(Math.abs(o.median))}`;
        return `${signed} [IQR ${o.iqr.toFixed(1)}] (${ratio(Math.max(o.median, OVERHEAD_FLOOR_MS), Math.max(top, OVERHEAD_FLOOR_MS))})`;
      }),
    ];
  });
  return [
    "## 2. Import cost",
    "",
    `Whole-process wall time of a program that only imports the library (registering nothing), minus that of an empty program,`,
    `over ${importCost.rounds} rounds; each round runs every (runtime, program) pair once, in a shuffled order, and the overhead is taken`,
    "within the round. Median [interquartile range] of the overhead. Node: `node file.mjs`; Deno: `deno run -A file.mjs`",
    `(bare names resolve through node_modules); Bun: \`bun file.mjs\`. Ratios treat overheads under ${OVERHEAD_FLOOR_MS} ms as ${OVERHEAD_FLOOR_MS} ms,`,
    "the resolution of process timing on a busy machine; a negative median means the import cost less than the noise.",
    "",
    markdownTable(["runtime", "empty program", ...names], rows),
  ].join("\n");
}

const perOpMetrics = [
  { key: "registerNs", label: "register, ns per call (the faster of two passes)", format: ns },
  { key: "unregisterRandomNs", label: "unregister in random order, ns per call", format: ns },
  { key: "unregisterReverseNs", label: "unregister newest first (reverse order), ns per call", format: ns },
  { key: "heapBytesPerRegistration", label: "heap per registration, bytes (after gc, the callbacks themselves excluded)", format: (n) => count(n) },
];

function scaleSection(scale) {
  const out = [
    "## 3. Scale (Node.js)",
    "",
    "One process per library, N and mode (`node --expose-gc`): N distinct callbacks registered, then unregistered in a",
    "random order; registered again, then unregistered newest first. N ≤ 1e4 is run three times and the fastest kept;",
    "at each N every library runs before N grows, so one row's figures come from the same stretch of time.",
    "Heap figures at small N are within the GC's granularity; where the best is at or below zero the row has no ratios.",
    "Unregistering uses each library's documented way: " +
      libraries.map(({ name, unregisterApi }) => `${name}: ${unregisterApi ?? "**none (no unregister API)**"}`).join("; ") + ".",
  ];
  const notes = [];
  for (const { key, label, format } of perOpMetrics) {
    const rows = counts.filter((N) => scale.atexit[N]).map((N) => {
      const values = names.map((name) => scale[name][N]?.[key]);
      const top = best(values);
      return [
        fmtCount(N),
        ...names.map((name, i) => {
          const figures = scale[name][N];
          if (values[i] !== undefined) return withRatio(format(values[i]), values[i], top);
          if (figures?.skipped || figures?.opsKilledAfterMs) return "not run ¹";
          if (key.startsWith("unregister") && !libraries[i].unregisterApi) return "no unregister";
          return "—";
        }),
      ];
    });
    out.push("", `### ${label}`, "", markdownTable(["N", ...names], rows));
  }
  for (const name of names) {
    for (const N of counts) {
      const figures = scale[name][N];
      if (figures?.skipped) notes.push(`- ${name}, N=${fmtCount(N)}: not run, ${figures.skipped}.`);
      if (figures?.opsKilledAfterMs) notes.push(`- ${name}, N=${fmtCount(N)}: stopped after ${figures.opsKilledAfterMs / 1000} s.`);
      if (figures?.opsError) notes.push(`- ${name}, N=${fmtCount(N)}: failed: ${figures.opsError}.`);
      const last = N === counts.at(-1) ? " (the largest N anyway)" : "";
      for (const [key, what] of [["opsWorkMs", "its register and unregister passes"], ["runWorkMs", "running the callbacks"]]) {
        if (figures?.[key] > STOP_AFTER_MS) notes.push(`- ${name}, N=${fmtCount(N)}: ${what} took ${(figures[key] / 1000).toFixed(1)} s${last}.`);
      }
    }
  }
  if (notes.length) out.push("", `¹ Where N stopped growing, and runs over ${STOP_AFTER_MS / 1000} s (one stops N growing):`, "", ...notes);

  const growthRows = perOpMetrics
    .filter(({ key }) => key !== "heapBytesPerRegistration")
    .map(({ key, label }) => [
      label.split(",")[0],
      ...names.map((name) => {
        const g = growth(scale[name], key);
        return g ? `N^${g.exponent.toFixed(2)}: ${g.verdict}` : "—";
      }),
    ]);
  out.push(
    "",
    "### Does the per-call cost grow with N?",
    "",
    "The exponent k in per-call cost ∝ N^k, from N=1e4 (past the JIT warm-up that dominates 1e3) to the largest N run:",
    "below 0.25 reads as O(1) per call, above 0.6 as O(n) per call (an indexOf/splice removal), between as unclear",
    "(noise, or the cache misses and GC work of a heap that grows with N, which slow even constant-time operations).",
    "",
    markdownTable(["operation", ...names], growthRows),
  );

  const runners = libraries.filter(({ runApi }) => runApi).map(({ name }) => name);
  const runCell = (figures) => {
    if (!figures) return "—";
    if (figures.runNs !== undefined) return ns(figures.runNs);
    return figures.runSkipped ? `not run: ${figures.runSkipped}` : figures.runKilledAfterMs ? `stopped after ${figures.runKilledAfterMs / 1000} s` : figures.runError ?? "—";
  };
  const runRows = counts.filter((N) => scale.atexit[N]).map((N) => [fmtCount(N), ...runners.map((name) => runCell(scale[name][N]))]);
  const runApi = libraries.find(({ name }) => name === "atexit").runApi;
  out.push(
    "",
    `### atexit: running the callbacks (\`${runApi}\`), per callback`,
    "",
    "N synchronous callbacks registered, then run and consumed by one awaited run (the path a natural end or a signal takes).",
    "The other libraries have no equivalent to time.",
    "",
    markdownTable(["N", ...runners.map((name) => `${name}, ns per callback`)], runRows),
  );
  return out.join("\n");
}

function latencySection(latency) {
  const variants = [BASELINE, ...names];
  const heading = ["path", "no library", ...names];
  const timeRows = scenarios.map((scenario) => {
    const row = latency.result[scenario.id];
    const top = latencyBest(row);
    return [
      scenario.label,
      ...variants.map((variant) => {
        const f = row[variant];
        const text = `${ms(f.latency.median)} [IQR ${f.latency.iqr.toFixed(1)}]`;
        if (variant === BASELINE) return text;
        if (!f.ranEvery) return `${text} (callbacks not run)`;
        return withRatio(text, f.latency.median, top?.median);
      }),
    ];
  });
  const endRows = scenarios.map((scenario) => {
    const row = latency.result[scenario.id];
    return [
      scenario.label,
      ...variants.map((variant) => {
        const f = row[variant];
        const ran = variant === BASELINE ? "" : f.ranEvery ? ", callbacks ran" : f.ranNone ? ", callbacks did NOT run" : ", callbacks ran in some runs";
        return `${f.ended}${ran}`;
      }),
    ];
  });
  return [
    "## 4. Exit latency (Node.js)",
    "",
    "From the parent sending SIGTERM (once the child printed \"ready\"; a timer keeps it alive) or from the child's last",
    "statement (it prints \"done\" and ends on its own) to the child being reaped. Synchronous callbacks; the last to run",
    `prints a line, which tells whether the library ran them. Median [IQR] of ${latency.rounds} interleaved rounds.`,
    "Ratios are to the fastest library that ran every callback on that path; \"no library\" is the same program",
    "registering nothing: what Node itself takes.",
    "",
    markdownTable(heading, timeRows),
    "",
    "How each process ended (the status its parent saw):",
    "",
    markdownTable(heading, endRows),
  ].join("\n");
}

function profileTable(profile) {
  const rows = profile.functions
    .filter((f) => f.share >= 0.01)
    .map((f) => [f.phase, `\`${f.name}\``, f.file, f.nsPerCallback.toFixed(1), `${(100 * f.share).toFixed(1)} %`]);
  return [
    `${count(profile.count)} callbacks, ${profile.rounds} round${profile.rounds === 1 ? "" : "s"}: atexit's own functions take ${profile.registerNs.toFixed(0)} ns per callback registering and`,
    `${profile.runNs.toFixed(0)} ns running; beside them the process spends ${profile.gcNs.toFixed(0)} ns per callback collecting garbage and`,
    `${profile.otherNs.toFixed(0)} ns in other code (the runtime's own, compiling, loading modules). atexit's functions at 1 % of their phase or more:`,
    "",
    markdownTable(["phase", "function", "file", "ns per callback", "share of phase"], rows),
  ].join("\n");
}

function profileSection({ warm, cold }) {
  return [
    "## 5. Where a run's time goes (Node.js CPU profile)",
    "",
    "`node --cpu-prof --cpu-prof-interval 50` on bench/profile-child.mjs: N synchronous callbacks registered, then run by",
    "`await runHandlers()` (the awaited run a signal or the natural end takes), for some rounds. Self time by function,",
    "per callback (sampling inflates every figure; the shares are what to read). Warm: the same code run ten times, as a",
    "long-lived program's JIT would have it. Cold: one run in a fresh process, as at a real exit, where the code runs",
    "interpreted and compiled for the first time and the collector moves the registrations made just before.",
    "",
    "### Warm",
    "",
    profileTable(warm),
    "",
    "### Cold",
    "",
    profileTable(cold),
  ].join("\n");
}

function drainSection(drain) {
  const { result, rounds } = drain;
  const answeredEvery = drainVariants.filter(({ name }) => result[name].lost === 0).map(({ name }) => result[name].exit.median);
  const top = best(answeredEvery);
  const rows = drainVariants.map(({ name, usage }) => {
    const f = result[name];
    const time = `${ms(f.exit.median)} [IQR ${f.exit.iqr.toFixed(0)}]`;
    return [
      `\`${name}\``,
      usage,
      f.lost === 0 ? withRatio(time, f.exit.median, top) : `${time} (lost requests)`,
      `${f.answered} of ${3 * rounds}`,
      f.ended,
    ];
  });
  return [
    "## 6. Draining a server on SIGTERM (Node.js)",
    "",
    "A `node:http` server (bench/drain-child.mjs) holds four idle keep-alive clients and three 1 s requests in flight",
    `when SIGTERM comes, 300 ms in; ${rounds} rounds per variant. Time from the signal to the process being reaped (median [IQR]),`,
    "the requests in flight that were answered, and how the process ended. Ratios are to the fastest that lost nothing.",
    "",
    markdownTable(["variant", "shut down with", "signal → reaped", "requests answered", "ended"], rows),
  ].join("\n");
}

function rollingSection(rolling) {
  const { result, rounds } = rolling;
  const top = best(rollingVariants.filter(({ name }) => result[name].failed === 0).map(({ name }) => result[name].exit.median));
  const rows = rollingVariants.map(({ name, usage }) => {
    const f = result[name];
    const time = `${ms(f.exit.median)} [IQR ${f.exit.iqr.toFixed(0)}]`;
    return [
      `\`${name}\``,
      usage,
      `${f.failed} of ${f.total}`,
      f.failed === 0 ? withRatio(time, f.exit.median, top) : `${time} (failed requests)`,
      f.ended,
    ];
  });
  return [
    "### Rolling restarts behind haproxy (Node.js)",
    "",
    "Two `node:http` replicas (bench/rolling-child.mjs) behind haproxy, which checks `/ready` every 100 ms (DOWN after",
    "2 failures, UP after 1 success), sends each request once (`retries 0`) and pools its connections to the replicas",
    "(`http-reuse always`). Four keep-alive clients send requests through it while each replica in turn gets SIGTERM and",
    `is replaced once it has ended (test/fixtures/rolling.mjs); one rolling restart per round, ${rounds} rounds per variant.`,
    "Failed: a status other than 200, or a socket error. Time from the signal to the process being reaped (median [IQR]);",
    "ratios are to the fastest that failed nothing.",
    "",
    markdownTable(["variant", "shut down with", "requests failed", "signal → reaped", "ended"], rows),
  ].join("\n");
}

// What the remaining costs pay for. Prose, not figures (the figures are in
// the tables above), so it stays true from run to run; revise it when the
// code changes.
function missesSection() {
  return [
    "## What the misses pay for",
    "",
    "- **Size.** The registry class is most of a register-only bundle, and a class cannot be tree-shaken: every",
    "  member any copy of atexit may call on the realm's shared registry must be there in whichever copy makes it, so",
    "  `unregister`'s `removeAll`, `clear` and the run's bookkeeping ride in every bundle. The table of what each",
    "  feature costs (section 1) names the rest: argument validation (a `TypeError`/`RangeError` naming the function,",
    "  the option and the value for every bad input, each option read once, hostile getters and Proxies included) is",
    "  the largest part of a page's bundle; on a server, the awaited run with its limits, naming a wrong host, draining",
    "  the output before a forced end and the signal path's policies come next. What only a runtime or an entry needs",
    "  stays there: Bun's corrections are in the Bun entry only, and the entries export free functions, so a program",
    "  that imports only `register` carries neither `configure`'s checks nor `exit`.",
    "- **Register and memory.** A registration is an entry of three fields (callback, checked options, sequence",
    "  number) pushed on one of two arrays (ordinary and `last`), and a bound function as its handle (`Symbol.dispose`",
    "  comes from the handle's shared prototype). Unregistering marks the entry retired and compacts the arrays once",
    "  retired entries outnumber the living; `unregister(fn)` scans them. A `signal` option's entry also holds what",
    "  removes its abort listener. Set-based libraries store the function alone and return a closure.",
    "- **Per callback in a run.** Each callback is unlinked from its stack, recorded for the loop guard (a",
    "  list push; a Set only once a callback registered during the run comes up), given its own `ExitEvent`",
    "  (its `deadline` signal made only when read), checked for a returned promise, and the clock is read",
    "  before it for the total deadline, which must hold even when synchronous callbacks block. The profile",
    "  above shows each of these parts' share.",
    "- **At a real exit the code is cold.** The exit path runs once: each function on it is compiled on its first",
    "  call and then runs interpreted, so what a warm run does in a few hundred nanoseconds per callback takes",
    "  microseconds at a process's end, and the collector moves the registrations made just before. This is why",
    "  the time added at exit is far above the warm per-callback figures, and why it grows with the amount of",
    "  code on the path (the established libraries run a loop of a few lines). The cold profile shows it.",
  ].join("\n");
}

export function renderReport(results) {
  return [
    header(results.meta),
    targetsSection(results.targets),
    sizeSection(results.size, results.breakdowns),
    featuresSection(results.features, results.size),
    importSection(results.importCost),
    scaleSection(results.scale),
    latencySection(results.latency),
    profileSection(results.profile),
    drainSection(results.drain),
    rollingSection(results.rolling),
    missesSection(),
  ].join("\n\n") + "\n";
}
