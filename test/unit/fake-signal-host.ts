// The fake host the signal-path tests drive adapters/_server-signal.ts with: every
// call it gets is recorded in `calls`, as one line, in order.
import type { SignalHost } from "../../adapters/_server-signal.ts";

export function fakeSignalHost(calls: string[], overrides: Partial<SignalHost> = {}): SignalHost {
  return {
    pid: 4242,
    windows: false,
    appOwns: () => false,
    kill: (pid, signal) => void calls.push(`kill ${pid} ${signal}`),
    exit: (code) => void calls.push(`exit ${code}`),
    flush: async () => void calls.push("flush"),
    end: async (code) => void calls.push(`end ${code}`),
    onRun: () => void calls.push("onRun"),
    ...overrides,
  };
}
