// `npm start`: drives a small program through every exit path on this
// machine's Node.js and prints what happened on each. The program
// (test/fixtures/node/paths.mjs) registers A, then an async B, then C; the
// end-to-end tests assert exactly what this table shows.
import { fileURLToPath } from "node:url";
import { runProgram } from "../test/fixtures/run.mjs";
import { scenarios } from "../test/fixtures/scenarios.mjs";

const program = fileURLToPath(new URL("../test/fixtures/node/paths.mjs", import.meta.url));

/** Which callbacks ran, in order (LIFO means C B A; some paths add one on top). */
const order = (lines) =>
  lines
    .map((line) => /^(A|B|slow|stuck) start$|^(A)$|^(C) /.exec(line))
    .filter(Boolean)
    .map((match) => match[1] ?? match[2] ?? match[3])
    .join(" ");

const status = ({ code, signal }) => (signal ? `killed by ${signal}` : `exit ${code}`);

console.log(`atexit tour: Node.js ${process.version}, ${process.platform}`);
console.log("A program registers A, then async B (100 ms), then C; each row ends it another way.\n");

const rows = [["exit path", "callbacks run", "async B finished", "ended with", "as expected"]];
let failures = 0;
for (const scenario of scenarios) {
  const outcome = await runProgram(process.execPath, [program, ...scenario.args], { signals: scenario.signals });
  const expected =
    JSON.stringify(outcome.lines) === JSON.stringify(scenario.stdout) &&
    outcome.code === scenario.code &&
    outcome.signal === (scenario.signal ?? null);
  if (!expected) failures++;
  rows.push([
    scenario.name,
    order(outcome.lines) || "(none yet)",
    outcome.lines.includes("B done") ? "yes" : "no",
    status(outcome),
    expected ? "yes" : "NO",
  ]);
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
- process.exit() and crashes cannot wait: callbacks run synchronously, so async B
  starts but cannot finish. Use atexit's exit() when callbacks must be awaited.
- When the application listens to a signal itself, it owns it: atexit runs the
  callbacks at the real exit instead.
- "second SIGINT": a second signal during the run ends the program at once.`);
if (failures) {
  console.log(`\n${failures} path(s) did not behave as expected.`);
  process.exitCode = 1;
}
