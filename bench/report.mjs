// Turns one run's results into the report: the same Markdown goes to stdout
// and to bench/RESULTS.md. Everything said here is computed from the numbers.
import { libraries } from "./libraries.mjs";
import { EMPTY } from "./import-cost.mjs";
import { BASELINE, scenarios } from "./latency.mjs";
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
    "## atexit's targets (DESIGN.md §5)",
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

  const runRows = counts.filter((N) => scale.atexit[N]).map((N) => {
    const figures = scale.atexit[N];
    if (figures.runNs !== undefined) return [fmtCount(N), ns(figures.runNs)];
    return [fmtCount(N), figures.runSkipped ? `not run: ${figures.runSkipped}` : figures.runKilledAfterMs ? `stopped after ${figures.runKilledAfterMs / 1000} s` : figures.runError ?? "—"];
  });
  const runApi = libraries.find(({ name }) => name === "atexit").runApi;
  out.push(
    "",
    `### atexit: running the callbacks (\`${runApi}\`), per callback`,
    "",
    "N synchronous callbacks registered, then run and consumed by one awaited run (the path a natural end or a signal takes).",
    "The other libraries have no equivalent to time.",
    "",
    markdownTable(["N", "ns per callback"], runRows),
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

// Why atexit misses the targets it misses: what each part of the cost pays
// for. Prose, not figures (the figures are in the tables above and below), so
// it stays true from run to run; revise it when the code changes.
function missesSection() {
  return [
    "## What the misses pay for",
    "",
    "- **Size.** `src/registry.ts` is the largest part of every bundle: LIFO stacks with O(1) removal,",
    "  awaited runs with a per-callback timeout and a total deadline (timers, `AbortController`, `TimeoutError`),",
    "  error isolation and reporting, `last` and `once`, runs that keep callbacks (browsers), the loop guard for",
    "  callbacks that register themselves, and `exit()` requested during a run. `src/validate.ts` is next: a clear",
    "  `TypeError`/`RangeError` naming the function and the value for every option of every function. Because",
    "  `createApi` binds all seven functions in one object, a program that imports only `register` still bundles",
    "  `exit`, `runHandlers` and `configure` with their checks, and the browser bundle carries the awaited-run",
    "  machinery that pages never use; the Node bundle carries Bun's corrections (`nodeLikeAdapter` serves both).",
    "  The established libraries have none of these features (see DESIGN.md §5), which is most of the gap.",
    "- **Register and memory.** Each registration allocates an entry (callback, options, stack links, sequence",
    "  number, run marker), a handle closure that is also its dispose method, a `Map` slot for `unregister(fn)`,",
    "  and, with `signal`, an abort listener. The Set-based libraries store the function alone.",
    "- **Exit latency with many callbacks.** Every callback is consumed from the stack, checked against the loop",
    "  guard, given its own `ExitEvent`, and checked for a returned promise; the run reads the clock per callback",
    "  for the total deadline. The `deadline` signal is only created when read. With one callback the",
    "  difference is a few milliseconds of setting up the awaited run and draining stdout before the re-raise.",
  ].join("\n");
}

export function renderReport(results) {
  return [
    header(results.meta),
    targetsSection(results.targets),
    sizeSection(results.size, results.breakdowns),
    importSection(results.importCost),
    scaleSection(results.scale),
    latencySection(results.latency),
    missesSection(),
  ].join("\n\n") + "\n";
}
