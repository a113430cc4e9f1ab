// One process of measure 4: `node bench/latency-child.mjs <library|none> <callbacks> <signal|natural>`.
// Registers that many synchronous callbacks, then either waits for a signal
// (printing "ready") or ends at once (printing "done" as its last statement).
// Each callback counts; the last to run prints "ran <count>", so the parent
// learns whether the library ran them on that path. fs.writeSync, not
// console.log: output must not be left queued when the process dies.
import { writeSync } from "node:fs";
import { byName } from "./libraries.mjs";

const [name, countArg, mode] = process.argv.slice(2);
const count = Number(countArg);
const library = name === "none" ? undefined : await byName(name).load();

let ran = 0;
const callback = () => {
  if (++ran === count) writeSync(1, `ran ${count}\n`);
};
// Distinct functions: libraries that keep a Set would collapse one function registered many times.
for (let i = 0; i < count; i++) library?.add(() => callback());

if (mode === "signal") {
  // Something to keep the process alive until the signal: a server would.
  setInterval(() => {}, 60_000);
  writeSync(1, "ready\n");
} else {
  writeSync(1, "done\n");
}
