// The fake runtime the signal-path tests drive adapters/_signal.ts with: every
// call it gets is recorded in `calls`, as one line, in order.
import type { SignalContext } from "../../adapters/_signal.ts";

export function fakeSignalContext(calls: string[], overrides: Partial<SignalContext> = {}): SignalContext {
  return {
    pid: 4242,
    windows: false,
    appOwns: () => false,
    kill: (pid, signal) => void calls.push(`kill ${pid} ${signal}`),
    exit: (code) => void calls.push(`exit ${code}`),
    flush: async () => void calls.push("flush"),
    exitProcess: async (code) => void calls.push(`end ${code}`),
    onRun: () => void calls.push("onRun"),
    ...overrides,
  };
}
