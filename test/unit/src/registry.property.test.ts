// Model-based test of the Registry (src/registry.ts): random sequences of
// register / unregister / dispose / abort / clear / run (src/run.ts's runs)
// against a reference model made of plain arrays. The examples it stands
// behind are registry.test.ts's.
import fc from "fast-check";
import { registrationOf } from "../../../src/api.ts";
import { describe, expect, test } from "vitest";
import { runAwaited, runNow } from "../../../src/run.ts";
import type { Adapter, Trigger } from "../../../src/protocol.ts";
import { Registry } from "../../../src/registry.ts";
import type { ExitCallback, Registration } from "../../../src/types.ts";

const FUNCTIONS = 4; // a small pool, so the same function is often registered several times
const SIGNALS = 3;

/** Which of the three stacks a registration goes to: `first`, ordinary or `last`. */
type Phase = "first" | "ordinary" | "last";
const PHASES: readonly Phase[] = ["first", "ordinary", "last"];

type Op =
  | { kind: "register"; fn: number; phase: Phase; signal: number | undefined; async: boolean }
  | { kind: "unregister"; fn: number }
  | { kind: "dispose"; handle: number; how: "call" | "dispose" }
  | { kind: "abort"; signal: number }
  | { kind: "renew"; signal: number }
  | { kind: "clear" }
  | { kind: "runNow" }
  | { kind: "runAwaited" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("register" as const),
      fn: fc.nat(FUNCTIONS - 1),
      phase: fc.constantFrom(...PHASES),
      signal: fc.option(fc.nat(SIGNALS - 1), { nil: undefined, freq: 2 }),
      async: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unregister" as const), fn: fc.nat(FUNCTIONS - 1) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("dispose" as const),
      handle: fc.nat(50),
      how: fc.constantFrom("call" as const, "dispose" as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("abort" as const), signal: fc.nat(SIGNALS - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("renew" as const), signal: fc.nat(SIGNALS - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "clear" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "runNow" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "runAwaited" as const }) },
);

// Up to 60 operations, lengths spread over the whole range (not biased to short ones).
const opsArb = fc.array(opArb, { maxLength: 60, size: "max" });

/** One registration in the reference model. */
interface ModelEntry {
  readonly fn: number;
  readonly phase: Phase;
  readonly controller: AbortController | undefined;
  active: boolean;
}

const trigger: Trigger = { reason: "manual", runtime: "unknown", final: false };

/**
 * Replays `ops` on a fresh Registry and on the model, checking after every step.
 * `shared`: register picks from a pool of FUNCTIONS functions (duplicates);
 * otherwise every registration gets a function of its own and `fn` in an
 * unregister names an earlier registration's function.
 */
async function check(ops: readonly Op[], shared: boolean): Promise<void> {
  const registry = new Registry();
  const log: number[] = [];
  let installed = false;
  const adapter: Adapter = {
    runtime: "unknown",
    install(received) {
      expect(installed).toBe(false);
      expect(received).toBe(registry);
      installed = true;
    },
    uninstall() {
      expect(installed).toBe(true);
      installed = false;
    },
  };

  // Callbacks log the model id of their function; async ones return a promise.
  const callbacks: ExitCallback[] = [];
  const makeCallback = (id: number, isAsync: boolean): ExitCallback =>
    isAsync
      ? async () => {
          log.push(id);
        }
      : () => {
          log.push(id);
        };
  if (shared) for (let id = 0; id < FUNCTIONS; id++) callbacks.push(makeCallback(id, id % 2 === 1));

  const controllers = Array.from({ length: SIGNALS }, () => new AbortController());
  const model: ModelEntry[] = [];
  const handles: { readonly off: Registration; readonly entry: ModelEntry }[] = [];
  const active = (): ModelEntry[] => model.filter((entry) => entry.active);

  for (const op of ops) {
    switch (op.kind) {
      case "register": {
        let id = op.fn;
        if (!shared) {
          id = callbacks.length;
          callbacks.push(makeCallback(id, op.async));
        }
        const controller = op.signal === undefined ? undefined : controllers[op.signal];
        const entry: ModelEntry = { fn: id, phase: op.phase, controller, active: !controller?.signal.aborted };
        model.push(entry);
        const off = registrationOf(registry, registry.add(callbacks[id] as ExitCallback, { first: op.phase === "first", last: op.phase === "last", signal: controller?.signal }, adapter));
        handles.push({ off, entry });
        break;
      }
      case "unregister": {
        if (callbacks.length === 0) break;
        const id = op.fn % callbacks.length;
        const removed = active().filter((entry) => entry.fn === id);
        for (const entry of removed) entry.active = false;
        expect(registry.removeAll(callbacks[id] as ExitCallback)).toBe(removed.length);
        break;
      }
      case "dispose": {
        if (handles.length === 0) break;
        const { off, entry } = handles[op.handle % handles.length] as (typeof handles)[number];
        const wasActive = entry.active;
        entry.active = false;
        if (op.how === "call") expect(off()).toBe(wasActive);
        else off[Symbol.dispose]();
        expect(off()).toBe(false); // whichever way, it is gone now
        break;
      }
      case "abort": {
        const controller = controllers[op.signal] as AbortController;
        for (const entry of active()) if (entry.controller === controller) entry.active = false;
        controller.abort();
        break;
      }
      case "renew":
        controllers[op.signal] = new AbortController();
        break;
      case "clear":
        for (const entry of model) entry.active = false;
        registry.clear();
        break;
      case "runNow":
      case "runAwaited": {
        const entries = active();
        // Each phase LIFO, the phases in order.
        const expected = PHASES.flatMap((phase) => entries.filter((entry) => entry.phase === phase).reverse()).map((entry) => entry.fn);
        for (const entry of entries) entry.active = false;
        log.length = 0;
        const result = op.kind === "runNow" ? runNow(registry, trigger) : await runAwaited(registry, trigger);
        expect(log).toEqual(expected);
        expect(result).toEqual({ failed: false, exitRequested: false, exitCode: undefined });
        expect((registry.current !== undefined)).toBe(false);
        expect(registry.size).toBe(0);
        break;
      }
    }
    expect(registry.size).toBe(active().length);
    expect(installed).toBe(registry.size > 0);
  }
}

// 1,000 sequences per property in `npm test`; the mutation run asks for
// fewer (vitest.mutation.config.ts), since it runs this file once per mutant
// the example tests leave alive.
const RUNS = Number(process.env.REGISTRY_PROPERTY_RUNS ?? 1000);

describe("Registry against a reference model", () => {
  test("random operations, a pool of shared functions (duplicates)", async () => {
    await fc.assert(
      fc.asyncProperty(opsArb, (ops) => check(ops, true)),
      { numRuns: RUNS },
    );
  });

  test("random operations, one function per registration", async () => {
    await fc.assert(
      fc.asyncProperty(opsArb, (ops) => check(ops, false)),
      { numRuns: RUNS },
    );
  });

  test("the generator reaches the interesting cases", () => {
    // Guards the properties above against a generator that never produces a
    // run with several callbacks, duplicates, `first` or `last` ones or removals before it.
    const isRun = (op: Op): boolean => op.kind === "runNow" || op.kind === "runAwaited";
    const samples = fc.sample(opsArb, { numRuns: 400, seed: 42 });
    const interesting = samples.filter((ops) =>
      ops.some((op, at) => {
        if (!isRun(op)) return false;
        let start = at;
        while (start > 0 && !isRun(ops[start - 1] as Op)) start--;
        const segment = ops.slice(start, at);
        const registers = segment.filter((other) => other.kind === "register");
        const fns = new Set(registers.map((other) => other.fn));
        return (
          registers.length >= 3 &&
          fns.size < registers.length &&
          registers.some((other) => other.phase !== "ordinary") &&
          segment.some((other) => other.kind === "unregister" || other.kind === "dispose" || other.kind === "abort")
        );
      }),
    );
    expect(interesting.length).toBeGreaterThan(150);
  });
});
