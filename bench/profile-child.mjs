// One process of measure 5: `node --cpu-prof … bench/profile-child.mjs <N> <rounds>`.
// Registers N synchronous callbacks and runs them with `await runHandlers()`
// (the awaited run a signal or the natural end takes), `rounds` times, so the
// CPU profile written at exit is mostly that run's per-callback work.
import { register, runHandlers } from "atexit";

const [countArg, roundsArg] = process.argv.slice(2);
const count = Number(countArg);
let sink = 0;
const callbacks = Array.from({ length: count }, (_, i) => () => void (sink += i));
for (let round = 0; round < Number(roundsArg); round++) {
  for (const callback of callbacks) register(callback);
  await runHandlers();
}
if (sink < 0) throw new Error("unreachable");
