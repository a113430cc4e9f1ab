// `npm start`: drives a small program through every exit path on Node.js,
// Deno and Bun and prints what happened on each. The program
// (test/fixtures/programs/paths.mjs) registers A, then an async B, then C; the
// end-to-end tests assert exactly what this table shows.
import { fileURLToPath } from "node:url";
import { runProgram } from "../test/fixtures/run.mjs";
import { scenarios } from "../test/fixtures/scenarios.mjs";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const program = here("../test/fixtures/programs/paths.mjs");
const runtimes = [
  { name: "node", command: process.execPath, args: [] },
  { name: "deno", command: here("../node_modules/.bin/deno"), args: ["run"] },
  { name: "bun", command: here("../node_modules/.bin/bun"), args: [] },
];

/** Which callbacks ran, in order (LIFO means C B A; some paths add one on top). */
const order = (lines) =>
  lines
    .map((line) => /^(A|B|slow|stuck) start$|^(A)$|^(C) /.exec(line))
    .filter(Boolean)
    .map((match) => match[1] ?? match[2] ?? match[3])
    .join(" ");

const ending = ({ code, signal }) => (signal ? `killed by ${signal}` : `exit ${code}`);

console.log(`atexit tour on ${process.platform}: Node.js ${process.version}, and Deno and Bun from node_modules`);
console.log("A program registers A, then async B (100 ms), then C; each row ends it another way.");
console.log("Each cell: the callbacks that ran, in order; whether async B finished; how the process ended.\n");

const rows = [["exit path", ...runtimes.map((runtime) => runtime.name)]];
let failures = 0;
for (const scenario of scenarios) {
  const row = [scenario.name];
  for (const { name, command, args } of runtimes) {
    if (scenario.only && !scenario.only.includes(name)) {
      row.push("-");
      continue;
    }
    const outcome = await runProgram(command, [...args, program, ...scenario.args], { signals: scenario.signals });
    const expected =
      JSON.stringify(outcome.lines) === JSON.stringify(scenario.stdout) &&
      outcome.code === scenario.code &&
      outcome.signal === (scenario.signal ?? null);
    if (!expected) failures++;
    const finished = outcome.lines.includes("B done") ? "B done" : outcome.lines.includes("B start") ? "B cut" : "B not run";
    row.push(`${order(outcome.lines) || "none"}, ${finished}, ${ending(outcome)}${expected ? "" : "  (UNEXPECTED)"}`);
  }
  rows.push(row);
}

const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
const format = (row) => row.map((cell, column) => cell.padEnd(widths[column])).join("  ");
console.log(format(rows[0]));
console.log(widths.map((width) => "-".repeat(width)).join("  "));
for (const row of rows.slice(1)) console.log(format(row));

console.log(`
Notes:
- Signals: callbacks are awaited, then the same signal is re-raised, so the parent
  sees the true cause of death (a shell shows 128+n: 130, 143, 129).
- process.exit(), Deno.exit() and crashes cannot wait: callbacks run synchronously,
  so async B starts but is cut. Use atexit's exit() when callbacks must be awaited.
- When the application listens to a signal itself, it owns it: atexit runs the
  callbacks at the real exit instead.
- "second SIGINT": a second request during the run ends the program at once. The
  same signal again within 100 ms (duplicateSignalWindow) is a watcher's duplicate
  delivery (nodemon, tsx watch, node --watch send two) and is ignored.`);
if (failures) {
  console.log(`\n${failures} run(s) did not behave as the tests expect.`);
  process.exitCode = 1;
} else {
  console.log("\nEvery run behaved as the end-to-end tests expect.");
}
