// `npm run soak` (never part of `npm test`): many processes per runtime,
// signalled at once while both cores are kept busy. For each runtime and each
// signal (and a mix, and a throwing callback) it reports how many processes
// ran every callback exactly once and in order, died by the signal they were
// sent, delivered every byte, and how many hung. Writes its table into
// bench/RESULTS.md, between the soak markers.
//
//   node bench/soak.mjs [processes per case for Node, default 200] [for Deno and Bun, default 100]
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { childEnv, root, runtimes } from "./libraries.mjs";

const nodeCount = Number(process.argv[2] ?? 200);
const otherCount = Number(process.argv[3] ?? 100);
const child = `${root}bench/soak-child.mjs`;
const HANG_MS = 20_000;
const expected = `C ${"x".repeat(65_536)}\nB\nA\n`;
const log = (line) => process.stderr.write(`${line}\n`);

/** Busy loops on every core, so the signals land on a loaded machine. */
function loadCpus() {
  const burners = os.cpus().map(() => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  return () => burners.forEach((burner) => burner.kill("SIGKILL"));
}

function start(runtime, mode) {
  const { command, args } = runtimes[runtime];
  const proc = spawn(command, [...args, child, mode], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  const state = { proc, stdout: "", ready: undefined, ended: undefined };
  proc.stdout.setEncoding("utf8");
  state.ready = new Promise((resolve) => {
    proc.stdout.on("data", (chunk) => {
      state.stdout += chunk;
      if (state.stdout.startsWith("ready\n")) resolve();
    });
  });
  state.ended = new Promise((resolve) => proc.on("close", (code, signal) => resolve({ code, signal })));
  return state;
}

async function soakCase(runtime, count, signals, mode) {
  const procs = Array.from({ length: count }, () => start(runtime, mode));
  await Promise.all(procs.map((state) => state.ready));
  const sent = procs.map((state, index) => {
    const signal = signals[index % signals.length];
    state.proc.kill(signal);
    return signal;
  });
  const hangTimer = setTimeout(() => procs.forEach((state) => state.proc.kill("SIGKILL")), HANG_MS);
  const outcomes = await Promise.all(procs.map((state) => state.ended));
  clearTimeout(hangTimer);
  const row = { runtime, count, signals: signals.join("+"), mode, once: 0, rightSignal: 0, bytesLost: 0, hangs: 0 };
  outcomes.forEach((outcome, index) => {
    const out = procs[index].stdout.slice("ready\n".length).replace(/reported\n/g, "");
    if (outcome.signal === "SIGKILL") row.hangs++;
    if (out === expected) row.once++;
    if (outcome.signal === sent[index]) row.rightSignal++;
    row.bytesLost += Math.max(0, expected.length - out.length);
  });
  return row;
}

const cases = [
  [["SIGTERM"], "plain"],
  [["SIGINT"], "plain"],
  [["SIGHUP"], "plain"],
  [["SIGTERM", "SIGINT", "SIGHUP"], "plain"],
  [["SIGTERM"], "throwing"],
];

const started = Date.now();
const stopLoad = loadCpus();
const rows = [];
try {
  for (const runtime of ["node", "deno", "bun"]) {
    const count = runtime === "node" ? nodeCount : otherCount;
    for (const [signals, mode] of cases) {
      const row = await soakCase(runtime, count, signals, mode);
      log(`soak: ${runtime} ${row.signals} ${mode}: ${row.once}/${count} once and in order, ${row.rightSignal} right signal, ${row.bytesLost} B lost, ${row.hangs} hung`);
      rows.push(row);
    }
  }
} finally {
  stopLoad();
}

const table = [
  `Soak (\`npm run soak\`), ${new Date().toISOString().slice(0, 10)}: every case starts its processes, waits until all are ready, signals them all at once with both cores kept busy by busy loops. Took ${Math.round((Date.now() - started) / 1000)} s. Node ${process.versions.node}.`,
  "",
  "| runtime | processes | signal | callbacks | every callback once, in order | died by the signal sent | bytes lost | hung |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map((row) =>
    `| ${row.runtime} | ${row.count} | ${row.signals} | ${row.mode === "throwing" ? "one throws" : "plain"} | ${row.once} | ${row.rightSignal} | ${row.bytesLost} | ${row.hangs} |`,
  ),
].join("\n");
console.log(table);

const results = `${root}bench/RESULTS.md`;
const text = readFileSync(results, "utf8");
const section = `<!-- soak -->\n${table}\n<!-- /soak -->`;
writeFileSync(results, text.includes("<!-- soak -->") ? text.replace(/<!-- soak -->[\s\S]*<!-- \/soak -->/, section) : `${text.trimEnd()}\n\n## 7. Soak\n\n${section}\n`);
