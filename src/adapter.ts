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
}

/** What an adapter tells the registry about an exit: the event minus the per-callback parts. */
export type Trigger = Omit<EventFields, "awaited" | "deadline">;

/**
 * The contract between the runtime-neutral core and one runtime. An adapter
 * maps its host's "the program is ending" moments onto
 * `runAwaited` (src/awaited.ts: paths that may wait) and
 * {@linkcode Registry.runNow} (paths that may not), and knows how to end the
 * program. Every member but `runtime` is optional: a host with no exit events
 * (the fallback) provides none of them.
 */
export interface Adapter {
  /** The host this adapter serves; reported to callbacks as `event.runtime`. */
  readonly runtime: RuntimeName;
  /** Adds the host listeners. Called with the first registration, once per realm. */
  install?(registry: Registry): void;
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
