// A copy of atexit written from src/protocol.ts alone: what a future release
// (or an older one, once this one is published) brings into a realm. It
// knows the slot, the registry's thirteen operations and the shared data, and
// nothing of this version's code. protocol-1-first.test.ts and
// protocol-1-second.test.ts put it beside
// this version, each making the slot in turn.
import type { Adapter, Entry, Run, RunOptions, SharedRegistry, SharedState, Slot, Trigger } from "../../src/protocol.ts";
import type { AtexitConfig, ExitCallback, RegisterOptions } from "../../src/types.ts";

const KEY = Symbol.for("atexit");

/** Its own defaults: the same values, made by its own code. */
const config: AtexitConfig = Object.freeze({
  timeout: 5000,
  totalTimeout: 9000,
  onError: (error: unknown) => console.error("[atexit]", error),
  errorExitCode: undefined,
  duplicateSignalWindow: 100,
  extraSignals: Object.freeze([]),
  awaitCrash: false,
  shutdownMessage: undefined,
  onReport: undefined,
});

type StubRun = Run & { ran: Set<ExitCallback>; back: Entry[] };

/** A registry that implements each operation as protocol.ts describes it, as simply as it can (arrays, linear scans). */
export class StubRegistry implements SharedRegistry {
  config: AtexitConfig = config;
  readonly log: string[] = [];
  #entries: Entry[] = [];
  #seq = 0;
  #run: StubRun | undefined;
  #installed: Adapter | undefined;

  get size(): number {
    return this.#entries.filter((entry) => entry.seq >= 0).length + (this.#run?.back.filter((entry) => entry.seq >= 0).length ?? 0);
  }
  get current(): Run | undefined {
    return this.#run;
  }
  get installed(): Adapter | undefined {
    return this.#installed;
  }
  add(callback: ExitCallback, options: RegisterOptions, adapter: Adapter): Entry {
    this.log.push("add");
    const entry: Entry = { callback, options, seq: this.#seq++ };
    if (options.signal?.aborted) return { ...entry, seq: -1 };
    options.signal?.addEventListener("abort", () => this.remove(entry), { once: true });
    this.#entries.push(entry);
    if (!this.#installed && adapter.install) {
      this.#installed = adapter;
      adapter.install(this);
    }
    return entry;
  }
  remove(entry: Entry): boolean {
    this.log.push("remove");
    if (entry.seq < 0) return false;
    entry.seq = -1;
    if (this.size === 0 && !this.#run) this.detach();
    return true;
  }
  removeAll(callback: ExitCallback): number {
    this.log.push("removeAll");
    const all = [...this.#entries, ...(this.#run?.back ?? [])].filter((entry) => entry.seq >= 0 && entry.callback === callback);
    for (const entry of all) this.remove(entry);
    return all.length;
  }
  clear(): void {
    this.log.push("clear");
    for (const entry of [...this.#entries, ...(this.#run?.back ?? [])]) if (entry.seq >= 0) this.remove(entry);
  }
  begin(trigger: Trigger, options: RunOptions): Run {
    this.log.push("begin");
    const run: StubRun = {
      startedAt: Date.now(),
      firstSeq: this.#seq,
      code: trigger.code,
      keep: options.keep === true,
      holdListeners: options.holdListeners === true,
      exitRequested: false,
      exitCode: undefined,
      failed: false,
      promise: undefined,
      ran: new Set(),
      back: [],
    };
    return (this.#run = run);
  }
  take(run: Run): Entry | undefined {
    this.log.push("take");
    const own = this.#run;
    if (own !== run) return undefined;
    // `first` ones LIFO, then ordinary ones LIFO, then `last` ones LIFO.
    const phaseOf = (entry: Entry): number => (entry.options.first ? 0 : entry.options.last ? 2 : 1);
    for (const phase of [0, 1, 2]) {
      for (let i = this.#entries.length - 1; i >= 0; i--) {
        const entry = this.#entries[i]!;
        if (entry.seq < 0 || phaseOf(entry) !== phase) continue;
        this.#entries.splice(i, 1);
        if (entry.seq >= own.firstSeq && own.ran.has(entry.callback)) {
          own.back.push(entry);
          return this.take(run);
        }
        own.ran.add(entry.callback);
        if (own.keep && !entry.options.once) own.back.push(entry);
        else entry.seq = -1;
        return entry;
      }
    }
    return undefined;
  }
  close(run: Run): void {
    this.log.push("close");
    const own = this.#run;
    if (own !== run) return;
    this.#run = undefined;
    this.#entries = [...this.#entries, ...own.back.filter((entry) => entry.seq >= 0)].sort((a, b) => a.seq - b.seq);
    if (this.size === 0 && !own.holdListeners) this.detach();
  }
  relisten(): void {
    this.log.push("relisten");
    if (!this.#installed || this.#run) return;
    this.#installed.uninstall?.();
    this.#installed.install?.(this);
  }
  detach(): void {
    this.log.push("detach");
    const adapter = this.#installed;
    this.#installed = undefined;
    adapter?.uninstall?.();
  }
}

/** Puts the stub's slot on globalThis, as a copy of it loaded first would (protocol 1). */
export function makeStubSlot(): { registry: StubRegistry; state: SharedState } {
  const registry = new StubRegistry();
  const slot: Slot = { protocol: 1, registry, state: {} };
  Object.defineProperty(globalThis, KEY, { value: slot });
  return { registry, state: slot.state };
}

/** The stub's own register and run, acting on whatever slot is there, through the protocol's members only. */
export function stubApi(adapter: Adapter = { runtime: "unknown" }) {
  const registry = (): SharedRegistry => (globalThis as Record<symbol, Slot>)[KEY]!.registry;
  return {
    register(callback: ExitCallback, options: RegisterOptions = {}): () => boolean {
      const entry = registry().add(callback, options, adapter);
      return () => registry().remove(entry);
    },
    /** Its own synchronous run: every callback, LIFO, each failure reported to the shared config's onError. */
    runNow(trigger: Trigger): Run {
      const shared = registry();
      const run = shared.begin(trigger, {});
      try {
        for (let entry = shared.take(run); entry; entry = shared.take(run)) {
          try {
            entry.callback({ ...trigger, awaited: false, deadline: new AbortController().signal } as never);
          } catch (error) {
            run.failed = true;
            shared.config.onError(error, { ...trigger } as never, entry.options.name ?? "anonymous");
          }
        }
      } finally {
        shared.close(run);
      }
      return run;
    },
  };
}
