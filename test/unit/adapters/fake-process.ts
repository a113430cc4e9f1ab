// Fakes for the hosts made from a process (adapters/_node.ts, adapters/_bun.ts)
// and for Deno's (adapters/_deno.ts), shared by their unit tests: a process
// that is a real EventEmitter (so `newListener`, listener order and counts
// behave as Node's do) but ends and signals nothing, and exit paths that
// only record what a host's listeners asked of the engine; and a way to
// swap `globalThis.process` for the length of a synchronous call.
import { EventEmitter } from "node:events";
import type { ExitPaths } from "../../../adapters/_host.ts";
import type { Adapter } from "../../../src/protocol.ts";
import type { ProcessLike, WritableLike } from "../../../adapters/types/process.ts";

/** A process whose exit and kill are recorded in `calls`, never done. */
export type FakeProcess = EventEmitter & ProcessLike & { readonly calls: string[] };

/** A Linux process (pid 1234) on an EventEmitter; `fields` replace or add to its own. */
export function fakeProcess(fields: Partial<Record<keyof ProcessLike | "__signal_exit_emitter__", unknown>> = {}): FakeProcess {
  const calls: string[] = [];
  const own = {
    calls,
    pid: 1234,
    platform: "linux",
    exitCode: undefined,
    kill: (pid: number, signal: string) => (calls.push(`kill ${pid} ${signal}`), true),
    exit: (code?: number) => void calls.push(`exit ${code}`),
  };
  return Object.assign(new EventEmitter(), own, fields) as unknown as FakeProcess;
}

/** A stdout or stderr holding `pending` bytes, whose writes are recorded in `calls` and done at once unless `stuck`. */
export function fakeStream(calls: string[], name: string, pending: number | undefined, stuck = false): WritableLike {
  return {
    writableLength: pending,
    write: (chunk, done) => {
      calls.push(`write ${name} ${JSON.stringify(chunk)}`);
      if (!stuck) done();
      return true;
    },
  };
}

/** Exit paths that record each call in `calls`; `natural()` and `awaitCrash()` answer as `answers` says. */
export function fakePaths(
  calls: string[],
  answers: { live?: boolean; natural?: Promise<void> | undefined; awaitCrash?: boolean } = {},
): ExitPaths & { live: boolean } {
  const name = (error: unknown): string => (error instanceof Error ? error.message : String(error));
  return {
    live: answers.live ?? true,
    natural: () => {
      calls.push("natural");
      return "natural" in answers ? answers.natural : Promise.resolve();
    },
    last: (code) => void calls.push(`last ${code}`),
    crash: (reason, error) => void calls.push(`crash ${reason} ${name(error)}`),
    awaitCrash: (reason, error) => {
      calls.push(`awaitCrash ${reason} ${name(error)}`);
      return answers.awaitCrash ?? true;
    },
    message: (message) => void calls.push(`message ${String(message)}`),
    stop: () => void calls.push("stop"),
    signal: (signal) => void calls.push(`signal ${signal}`),
  };
}

/** The signals a fake Linux process was given listeners for by `adapter`'s install, with SIGSTKFLT and SIGQUIT as extras. */
export function listened(adapter: (proc: ProcessLike) => Adapter): string[] {
  const proc = fakeProcess();
  const installed = adapter(proc);
  installed.install?.({ config: { extraSignals: ["SIGSTKFLT", "SIGQUIT"] } } as never);
  return proc.eventNames().filter((event): event is string => typeof event === "string" && event.startsWith("SIG"));
}

/**
 * Runs `body` with `globalThis.process` replaced by `value`, synchronously, so
 * that nothing else (vitest itself) sees the replacement.
 */
export function withProcess<T>(value: unknown, body: () => T): T {
  const saved = globalThis.process;
  Object.defineProperty(globalThis, "process", { value, configurable: true, writable: true });
  try {
    return body();
  } finally {
    Object.defineProperty(globalThis, "process", { value: saved, configurable: true, writable: true });
  }
}
