// Holds every mutated file to the break threshold. Stryker's own `break`
// applies to the total only, and a large well-tested file (registry.ts) can
// hide a small untested one (stack.ts) in it. Reads the JSON report written by
// `stryker run` (mutation-testing-report-schema), prints one line per file and
// exits 1 if any file is below the threshold.
//
//   node scripts/mutation-check.mjs [report.json] [--survivors]
//
// --survivors also lists each undetected mutant (file:line, mutator, replacement).
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const showSurvivors = args.includes("--survivors");
const reportPath = args.find((arg) => !arg.startsWith("--")) ?? "reports/mutation/mutation.json";

let report;
try {
  report = JSON.parse(readFileSync(reportPath, "utf8"));
} catch (error) {
  console.error(`mutation-check: cannot read ${reportPath} (run \`npx stryker run\` first): ${error.message}`);
  process.exit(1);
}

// The threshold Stryker was given (stryker.config.mjs), else the project's 90 %.
const threshold = report.thresholds?.break ?? 90;

const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);
// Not counted either way (CompileError, RuntimeError, Ignored, Pending), as in Stryker.

/**
 * Stryker's mutation score (mutation-testing-metrics, `mutationScore`):
 *   (killed + timeout) / (killed + timeout + survived + noCoverage) × 100,
 * that is detected / valid, where a mutant no test reaches counts as survived
 * and compile errors, runtime errors and ignored mutants are left out.
 * A file with no valid mutant (all ignored) has no score, and passes.
 */
function score(mutants) {
  const detected = mutants.filter((mutant) => DETECTED.has(mutant.status)).length;
  const undetected = mutants.filter((mutant) => UNDETECTED.has(mutant.status)).length;
  const valid = detected + undetected;
  return { detected, undetected, valid, score: valid === 0 ? NaN : (detected / valid) * 100 };
}

const files = Object.entries(report.files ?? {}).sort(([a], [b]) => a.localeCompare(b));
if (files.length === 0) {
  console.error(`mutation-check: ${reportPath} has no mutated files`);
  process.exit(1);
}

const width = Math.max(...files.map(([name]) => name.length));
const failing = [];
for (const [name, file] of files) {
  const result = score(file.mutants);
  const below = result.score < threshold;
  if (below) failing.push(name);
  const shown = Number.isNaN(result.score) ? "   n/a" : `${result.score.toFixed(2).padStart(6)} %`;
  console.log(`${below ? "FAIL" : "ok  "} ${name.padEnd(width)} ${shown}  (${result.detected}/${result.valid} detected)`);
  if (showSurvivors) {
    for (const mutant of file.mutants.filter((m) => UNDETECTED.has(m.status))) {
      const { line, column } = mutant.location.start;
      const replacement = JSON.stringify(mutant.replacement ?? "").slice(0, 80);
      console.log(`       ${name}:${line}:${column} ${mutant.status} ${mutant.mutatorName} → ${replacement}`);
    }
  }
}

if (failing.length > 0) {
  console.error(`mutation-check: ${failing.length} file(s) below ${threshold} %: ${failing.join(", ")}`);
  process.exit(1);
}
console.log(`mutation-check: every file at ${threshold} % or more`);
