// This module is browser compatible.

import { defaultConfig } from "./config.ts";
import type { Adapter, Entry, Run, RunOptions, SharedRegistry, Trigger } from "./protocol.ts";
import type { AtexitConfig, ExitCallback, RegisterOptions } from "./types.ts";
import { reasonOf } from "./validate.ts";

/** The `seq` of an entry that is not (or no longer) registered. */
const RETIRED = -1;

const isActive = (entry: Entry): boolean => entry.seq !== RETIRED;

function bySeq(a: Entry, b: Entry): number {
  return a.seq - b.seq;
}

/** A registration as the registry keeps it. */
interface Registered extends Entry {
  /** Removes the abort listener of its `signal` option (made when it has one). */
  unlisten?: () => void;
}

/** The registry's own record of a run, beyond what the protocol shares. */
interface RegistryRun extends Run {
  /**
   * Callbacks that already ran in this run: one registering itself again is
   * deferred (no loop). A list, made a Set only when an entry registered
   * during the run comes up: most runs have none, and a Set insert per
   * callback was the largest cost of a 10,000-callback run.
   */
  readonly ran: ExitCallback[];
  ranSet: Set<ExitCallback> | undefined;
  /** Taken out for the run and to be linked back at its end: kept ones (a page), and those registered again after they ran. */
  readonly back: Entry[];
}

/**
 * The realm's LIFO registry: the one implementation of the shared protocol's
 * operations (protocol.ts). It knows nothing about runtimes, and of runs only
 * their bookkeeping: run.ts drives them through `begin`, `take` and `close`.
 *
 * Registrations sit in three arrays in registration order (`first` ones,
 * ordinary ones and `last` ones), so a run takes the newest from the end.
 * Removing one marks it retired and leaves it in place until retired ones
 * outnumber the living, when the arrays are compacted: register and
 * unregister stay O(1) (amortized) however many registrations there are.
 */
export class Registry implements SharedRegistry {
  config: AtexitConfig = defaultConfig;
  // Read by every copy, written only here (the protocol declares them readonly).
  size = 0;
  current: RegistryRun | undefined;
  installed: Adapter | undefined;
  /** The `first` registrations, the ordinary ones and the `last` ones: a run takes from each in turn. */
  #stacks: Registered[][] = [[], [], []];
  /** Retired entries still in the arrays. */
  #retired = 0;
  #seq = 0;

  add(callback: ExitCallback, options: RegisterOptions, adapter: Adapter): Entry {
    const entry: Registered = { callback, options, seq: RETIRED };
    const { signal } = options;
    // The signal first: if it throws (a hostile signal-like object), nothing has changed yet.
    if (signal) {
      try {
        // Like addEventListener: an already aborted signal registers nothing.
        if (signal.aborted) return entry;
        const onAbort = (): void => void this.remove(entry);
        // No `once`: retiring the entry removes the listener, whatever removes it.
        signal.addEventListener("abort", onAbort);
        entry.unlisten = () => {
          try {
            signal.removeEventListener("abort", onAbort);
          } catch {
            // A signal-like whose removeEventListener throws must not stop a run; its abort now finds nothing.
          }
        };
      } catch (error) {
        throw new TypeError(`[atexit] register() option "signal" could not be listened to: ${reasonOf(error)}`, { cause: error });
      }
    }
    entry.seq = this.#seq++;
    this.#stackOf(entry).push(entry);
    this.size++;
    if (!this.installed && adapter.install) {
      this.installed = adapter;
      try {
        adapter.install(this);
      } catch (error) {
        // A registration that returns is fully installed; one that throws leaves no trace.
        this.installed = undefined;
        this.remove(entry);
        try {
          adapter.uninstall?.();
        } catch {
          // What install left half done, uninstall may fail on too; the install error is the one to see.
        }
        throw error;
      }
    }
    return entry;
  }

  remove(entry: Entry): boolean {
    if (!isActive(entry)) return false;
    this.#retire(entry);
    // Counted as a place left in the arrays (one a run took out leaves none:
    // the count is then high until the next compaction, which is harmless).
    if (++this.#retired > Math.max(32, this.size)) this.#compact();
    if (this.size === 0 && !this.current) this.detach();
    return true;
  }

  removeAll(callback: ExitCallback): number {
    const matching = this.#entries().filter((entry) => entry.callback === callback);
    for (const entry of matching) this.remove(entry);
    return matching.length;
  }

  clear(): void {
    for (const entry of this.#entries()) this.remove(entry);
  }

  begin(trigger: Trigger, options: RunOptions): Run {
    const run: RegistryRun = {
      startedAt: Date.now(),
      firstSeq: this.#seq,
      code: trigger.code,
      keep: options.keep === true,
      holdListeners: options.holdListeners === true,
      exitRequested: false,
      exitCode: undefined,
      failed: false,
      promise: undefined,
      ran: [],
      ranSet: undefined,
      back: [],
    };
    return (this.current = run);
  }

  take(run: Run): Entry | undefined {
    const own = this.current;
    // A run taken over and closed while its own call was still there: that
    // call takes nothing more (the callbacks are linked back for the next run).
    if (own !== run) return;
    const [first, ordinary, last] = this.#stacks;
    for (;;) {
      const entry = first!.pop() ?? ordinary!.pop() ?? last!.pop();
      if (!entry) return undefined;
      if (!isActive(entry)) {
        this.#retired--;
        continue;
      }
      if (entry.seq >= own.firstSeq && (own.ranSet ??= new Set(own.ran)).has(entry.callback)) {
        // Registered again during this run after it ran: it waits for the next run.
        own.back.push(entry);
        continue;
      }
      if (own.ranSet) own.ranSet.add(entry.callback);
      else own.ran.push(entry.callback);
      if (own.keep && !entry.options.once) own.back.push(entry);
      else this.#retire(entry);
      return entry;
    }
  }

  close(run: Run): void {
    const own = this.current;
    if (own !== run) return;
    this.current = undefined;
    // Back in registration order, among those the run left (a callback
    // registered during the run ran, and was taken, before older ones).
    for (const entry of own.back) if (isActive(entry)) this.#stackOf(entry).push(entry);
    for (const stack of this.#stacks) stack.sort(bySeq);
    if (this.size === 0 && !own.holdListeners) this.detach();
  }

  relisten(): void {
    const adapter = this.installed;
    if (!adapter || this.current) return;
    adapter.uninstall?.();
    adapter.install?.(this);
  }

  detach(): void {
    const adapter = this.installed;
    this.installed = undefined;
    adapter?.uninstall?.();
  }

  /** Every active registration, in no particular order: in the arrays, or taken out by the run under way. */
  #entries(): Entry[] {
    return [...this.#stacks.flat(), ...(this.current?.back ?? [])].filter(isActive);
  }

  #stackOf(entry: Entry): Entry[] {
    const { first, last } = entry.options;
    return this.#stacks[first ? 0 : last ? 2 : 1]!;
  }

  #compact(): void {
    this.#stacks = this.#stacks.map((stack) => stack.filter(isActive));
    this.#retired = 0;
  }

  /** A callback that runs, or is removed, is no longer registered. */
  #retire(entry: Registered): void {
    entry.seq = RETIRED;
    this.size--;
    entry.unlisten?.();
  }
}
