// One process of measure 3: `node --expose-gc bench/scale-child.mjs <library> <N> <ops|run>`.
// ops: registers N distinct callbacks and unregisters them in a random order,
// then again in reverse order. run: registers N and times the library running
// them (atexit's runHandlers()). Prints the per-operation costs as JSON lines.
// A fresh process per (library, N) keeps one library's heap and JIT state
// from leaking into another's figures.
import { performance } from "node:perf_hooks";
import { byName } from "./libraries.mjs";
import { seededRandom, shuffle } from "./stats.mjs";

const [name, countArg, mode = "ops"] = process.argv.slice(2);
const N = Number(countArg);
if (typeof gc !== "function") throw new Error("run with --expose-gc");

const library = await byName(name).load();

// Everything the measurement itself needs exists before the first timing and
// heap reading: N distinct callbacks (a library keyed on the function would
// collapse repeats of one), the slots for the handles, and the random order.
let sink = 0;
const callbacks = Array.from({ length: N }, (_, i) => () => void (sink += i));
const handles = new Array(N).fill(undefined);
const order = shuffle(new Uint32Array(N).map((_, i) => i), seededRandom(N));

const settle = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

function registerAll() {
  const started = performance.now();
  for (let i = 0; i < N; i++) handles[i] = library.add(callbacks[i]);
  return performance.now() - started;
}

function unregisterIn(indices) {
  const started = performance.now();
  for (let k = 0; k < N; k++) {
    const i = indices[k];
    library.remove(handles[i]);
    handles[i] = undefined;
  }
  return performance.now() - started;
}

const ns = (ms) => (ms * 1e6) / N;
// Each figure is printed as soon as it is known, so a run stopped at the
// time limit still reports the phases it finished.
const report = (figures) => process.stdout.write(`${JSON.stringify(figures)}\n`);

if (mode === "ops") {
  // Pass 1: register (with the heap it takes), then unregister in random order.
  const before = settle();
  const register1 = registerAll();
  report({ heapBytesPerRegistration: (settle() - before) / N, registerNs: ns(register1) });

  if (library.remove) {
    report({ unregisterRandomNs: ns(unregisterIn(order)) });
    // Pass 2: register again, then unregister newest first (the order LIFO
    // cleanup takes). The faster register pass is reported, since the first
    // also pays for compiling the library's code.
    report({ registerNs: ns(Math.min(register1, registerAll())) });
    report({ unregisterReverseNs: ns(unregisterIn(new Uint32Array(N).map((_, k) => N - 1 - k))) });
  }
} else {
  // Running consumes the callbacks; a process of its own keeps it from
  // lengthening (or being cut by the time limit of) the register/unregister one.
  registerAll();
  const started = performance.now();
  await library.runAll();
  report({ runNs: ns(performance.now() - started) });
  if (sink === 0 && N > 1) throw new Error("the callbacks did not run");
}
