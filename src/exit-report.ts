// This module is browser compatible.
//
// The exit report: one record per run of the registry (an exit, a signal,
// `runHandlers()`, a page hide) for `onReport` and the `atexit:report`
// diagnostics channel. The run driver (run.ts) only calls the observer the
// shared state hands it; the record is built here, in a module that
// `configure()` and the server adapters bring in, so that a page or a
// program that only registers does not carry it.
//
// Decisions, told once here and in docs/1.guide/02.configure.md:
// - The report goes out when the run ends: after its last callback settled
//   (an awaited run, before the program ends), or synchronously at the end of
//   a run that cannot wait. An awaited run that a path which cannot wait
//   carries on (process.exit() during a signal's run) reports there, what it
//   still awaited `cut`.
// - An invocation's phase under `withExit` (invocation.ts) is not an exit
//   run: it reports nothing (one report per request would be a log of its own).
// - A drain's counts are found under its exit callback in the shared state's
//   `drainCounts`, where atexit/http puts them when the drain begins: the
//   report copies them onto that callback's entry as the run ends.
// - The channel is reached through `process.getBuiltinModule`, on Node.js,
//   Deno and Bun only, when a run begins: no `node:` import, nothing at
//   import, and `process` never read where it must not be (defer.ts).

import type { Entry, Outcome, Run, RunObserver, Trigger } from "./protocol.ts";
import { getRegistry, sharedState } from "./realm.ts";
import { nameOf } from "./report.ts";
import { finalStatus, resultOf, thenOf } from "./run.ts";
import type { CallbackReport, DeferredReport, ExitReport, ExitSignal, RuntimeName } from "./types.ts";

/** The part of a node:diagnostics_channel `Channel` the report uses. */
export interface ReportChannel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

type BuiltinModules = { process: { getBuiltinModule(id: string): { channel(name: string): ReportChannel } } };

/**
 * The `atexit:report` channel: node:diagnostics_channel through
 * `process.getBuiltinModule` (Node from 20.16, Deno, Bun), never imported.
 * Only on the process runtimes: edge hosts and pages never have `process` read.
 */
export function reportChannel(runtime: RuntimeName): ReportChannel | undefined {
  if (runtime !== "node" && runtime !== "deno" && runtime !== "bun") return undefined;
  try {
    return (globalThis as unknown as BuiltinModules).process.getBuiltinModule("node:diagnostics_channel").channel("atexit:report");
  } catch {
    // A host without the function (Node before 20.16) or the module, or that refuses it, has no channel to publish on.
  }
}

/** One callback as the record holds it until the run ends. */
interface Call {
  readonly entry: Pick<Entry, "callback" | "options">;
  readonly name: string;
  readonly at: number;
  outcome?: Outcome;
  duration: number;
}

/**
 * Hands `report` to `onReport` (a throw or a rejection is one `[atexit]`
 * line, never the program's end), then to the channel's subscribers.
 */
function deliver(report: ExitReport, channel: ReportChannel | undefined): void {
  const { onReport } = getRegistry().config;
  const complain = (error: unknown): void => console.error("[atexit] onReport failed:", error);
  if (onReport) {
    try {
      const result: unknown = onReport(report);
      thenOf(result)?.call(result, undefined, complain);
    } catch (error) {
      complain(error);
    }
  }
  // A subscriber that throws is the runtime's to report (node:diagnostics_channel's rule: an uncaught exception).
  if (channel?.hasSubscribers) channel.publish(report);
}

/** The record of one run: what the driver tells it, and the report it sends when the run ends. */
function record(trigger: Trigger, run: Run, channel: ReportChannel | undefined): RunObserver {
  const calls: Call[] = [];
  let deferred: DeferredReport | undefined;
  let ended = false;
  return {
    called(entry, at) {
      const call: Call = { entry, name: nameOf(entry), at, duration: 0 };
      calls.push(call);
      return (outcome) => {
        call.outcome = outcome;
        call.duration = Date.now() - at;
      };
    },
    waited(at, seen, work) {
      let pending = 0;
      for (const promise of seen) if (work.has(promise)) pending++;
      deferred = { awaited: seen.size - pending, abandoned: work.size, duration: Date.now() - at };
    },
    end() {
      if (ended) return;
      ended = true;
      const now = Date.now();
      const { drainCounts, deferred: held } = sharedState();
      const callbacks = calls.map((call): CallbackReport => {
        const drain = drainCounts?.get(call.entry.callback);
        return Object.freeze({
          name: call.name,
          // Still pending: the program ends before it could settle.
          outcome: call.outcome ?? "cut",
          duration: call.outcome ? call.duration : now - call.at,
          ...(drain && { drain: Object.freeze({ ...drain }) }),
        });
      });
      const result = resultOf(run);
      const report: ExitReport = Object.freeze({
        reason: trigger.reason,
        signal: trigger.signal as ExitSignal | undefined,
        // Without a status (runHandlers(), a page), what exit() asked for during the run, if anything.
        code: finalStatus(getRegistry().config, result, run.code as number),
        startedAt: run.startedAt,
        duration: now - run.startedAt,
        callbacks: Object.freeze(callbacks),
        // Not waited for (a path that cannot wait): what is held is abandoned.
        deferred: Object.freeze(deferred ?? { awaited: 0, abandoned: held?.size ?? 0, duration: 0 }),
      });
      deliver(report, channel);
    },
  };
}

// Made on first use: the observer of each run, or undefined for a run nobody wanted reported.
let observers: WeakMap<Run, RunObserver | undefined> | undefined;

/**
 * The observer of `run` (the one `SharedState.observeRun` holds): made when
 * the run begins if `onReport` is set or the channel has subscribers, the
 * same one for every later call with that run.
 */
export function observeRun(trigger: Trigger, run: Run): RunObserver | undefined {
  const made = (observers ??= new WeakMap());
  if (made.has(run)) return made.get(run);
  const channel = reportChannel(trigger.runtime);
  const observer = getRegistry().config.onReport || channel?.hasSubscribers ? record(trigger, run, channel) : undefined;
  made.set(run, observer);
  return observer;
}

// The channel kept on Bun (see reportRuns).
let kept: ReportChannel | undefined;

/**
 * Lets the runs of every copy of atexit in the realm be reported (the first
 * copy's record serves them all). A server adapter names its `runtime`: Bun
 * (1.4.5) holds its channels weakly, subscriptions made with
 * `subscribe(name, fn)` with them, so once collected a later lookup finds no
 * subscriber; kept from the install on, the channel keeps those made by name
 * before and after.
 */
export function reportRuns(runtime?: RuntimeName): void {
  sharedState().observeRun ??= observeRun;
  if (runtime === "bun") kept ??= reportChannel(runtime);
}
