// This module is browser compatible.

import type { Registry } from "./registry.ts";
import type { ExitReason, RuntimeName } from "./types.ts";

/**
 * Every field an `ExitEvent` may have, not narrowed by reason: what the core
 * builds events from. The adapters pair each reason with its fields (the
 * end-to-end suites hold them to it); the published `ExitEvent` states that pairing.
 */
export interface EventFields {
  readonly reason: ExitReason;
  readonly code?: number;
  readonly signal?: string;
  readonly error?: unknown;
  readonly runtime: RuntimeName;
  readonly awaited: boolean;
  readonly final: boolean;
  readonly deadline: AbortSignal;
  /** The request whose invocation is ending (reason `request`). */
  readonly request?: unknown;
}

/** What an adapter tells the registry about an exit: the event minus the per-callback parts. */
export type Trigger = Omit<EventFields, "awaited" | "deadline">;

/**
 * The run protocol the awaited run (awaited.ts) drives a registry with: begin
 * a run, take its callbacks one by one, make their events, report their
 * failures, settle what they return, end it.
 */
export type RunProtocol = Pick<
  Registry,
  "config" | "current" | "begin" | "next" | "end" | "result" | "event" | "report" | "settle" | "runsEpisodes" | "awaitedRun" | "runAwaited" | "beforeRun"
>;

/**
 * What an adapter's listeners may use of the realm's registry: run the
 * callbacks (synchronously with `runNow`, awaited with awaited.ts's
 * `runAwaited`), read the configuration, work out the final status, and
 * take its own listeners off before re-raising a signal (`detach`).
 * Registering, removing and configuring are the public API's, not an adapter's.
 */
export type AdapterRegistry = RunProtocol & Pick<Registry, "running" | "runNow" | "finalStatus" | "detach">;

/**
 * The contract between the runtime-neutral core and one runtime. An adapter
 * maps its host's "the program is ending" moments onto
 * `runAwaited` (src/awaited.ts: paths that may wait) and
 * {@linkcode Registry.runNow} (paths that may not), and knows how to end the
 * program. Every member but `runtime` is optional: a host with no exit events
 * (the fallback) provides none of them.
 *
 * This shape is shared across versions: a registry made by another copy of
 * atexit (0.1.0 included) calls `install` and `uninstall` of this copy's
 * adapters, and this copy's registry calls theirs. Adapters are written as
 * an install that returns its uninstall ({@linkcode listening} makes the pair).
 */
export interface Adapter {
  /** The host this adapter serves; reported to callbacks as `event.runtime`. */
  readonly runtime: RuntimeName;
  /** Adds the host listeners. Called with the first registration, once per realm. */
  install?(registry: AdapterRegistry): void;
  /** Removes them. Called when the last registration goes, or before the program is ended. */
  uninstall?(): void;
  /** The status the program would end with if it ended now. */
  currentCode?(): number | undefined;
  /**
   * Whether to report, on stderr, async work that an exit path had to cut
   * (`ATEXIT_DEBUG=1` on the server runtimes). Off by default: quiet unless asked.
   */
  readonly debug?: boolean;
  /** Ends the program with `code` after `exit()` ran the callbacks. */
  end?(code: number): Promise<void> | void;
}

/** An adapter's listeners: added with the first registration, returning what removes them. */
export type Listen = (registry: AdapterRegistry) => () => void;

/**
 * The `install` and `uninstall` pair every registry calls, from one `listen`
 * that returns its own removal: uninstall removes what the last install
 * added, once, and does nothing when nothing is installed.
 */
export function listening(listen: Listen): Required<Pick<Adapter, "install" | "uninstall">> {
  let remove: (() => void) | undefined;
  return {
    install: (registry) => void (remove = listen(registry)),
    uninstall: () => {
      const removing = remove;
      remove = undefined;
      removing?.();
    },
  };
}
