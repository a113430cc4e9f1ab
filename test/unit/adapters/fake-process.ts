// A fake process for the hosts made from one (adapters/_node.ts,
// adapters/_bun.ts), shared by their unit tests.
import type { Adapter } from "../../../src/protocol.ts";
import type { ProcessLike } from "../../../adapters/types/process.ts";

/** The signals a fake Linux process was given listeners for by `adapter`'s install, with SIGSTKFLT and SIGQUIT as extras. */
export function listened(adapter: (proc: ProcessLike) => Adapter): string[] {
  const events: string[] = [];
  const proc = {
    pid: 1234,
    platform: "linux",
    on: (event: string) => (events.push(event), proc),
    off: () => proc,
    listenerCount: () => 0,
    kill: () => true,
    exit: () => undefined,
  } as unknown as ProcessLike;
  const installed = adapter(proc);
  installed.install?.({ config: { extraSignals: ["SIGSTKFLT", "SIGQUIT"] } } as never);
  return events.filter((event) => event.startsWith("SIG"));
}
