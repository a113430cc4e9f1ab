// The realm's LIFO registry (src/registry.ts), each test with a Registry of
// its own: the order a run takes callbacks in (`last` ones after), what
// unregister, clear and an aborted signal remove, when the adapter's listeners
// are installed and removed, what a run leaves registered (a callback
// registered during it, a page's kept ones), and that a register() which
// throws (a hostile signal-like, an install that fails) leaves no trace while
// one that returns is fully installed. The runs themselves are
// src/run.ts's (test/unit/src/run.test.ts); they are used here for what the
// registry hands them. A model of all this is checked against random
// sequences in registry.property.test.ts.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createApi } from "../../fixtures/api.ts";
import { defaultConfig } from "../../../src/config.ts";
import { getRegistry } from "../../../src/realm.ts";
import { Registry } from "../../../src/registry.ts";
import { runAwaited, runNow } from "../../../src/run.ts";
import type { ExitCallback } from "../../../src/types.ts";
import { fakeAdapter, hidden, logger, manual, setup, setupWithSpy, sleep } from "../fresh-registry.ts";

// Calls with values the types forbid: the runtime check is what is under test.
const loose = <T>(value: unknown): T => value as T;

// What the registry lets go of is seen through the garbage collector: V8's
// gc(), exposed to a context made after the flag is set.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** How many of `refs` a full collection has let go of. */
async function collected(refs: readonly WeakRef<object>[]): Promise<number> {
  // A WeakRef keeps its target alive until the end of the job that made or read it.
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  return refs.filter((ref) => ref.deref() === undefined).length;
}

// The tests of hostile input register through the API, on the realm's registry.
afterEach(() => {
  getRegistry().clear();
  getRegistry().config = defaultConfig;
  vi.restoreAllMocks();
});

describe("order", () => {
  test("callbacks run last in, first out", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "b"));
    add(logger(log, "c"));
    runNow(registry, manual);
    expect(log).toEqual(["c", "b", "a"]);
  });

  test("runAwaited runs them LIFO too", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(async () => void log.push("b"));
    add(logger(log, "c"));
    await runAwaited(registry, manual);
    expect(log).toEqual(["c", "b", "a"]);
  });

  test("`last: true` callbacks run after every ordinary one, LIFO among themselves", () => {
    const { registry, log, add } = setup();
    add(logger(log, "L1"), { last: true });
    add(logger(log, "a"));
    add(logger(log, "L2"), { last: true });
    add(logger(log, "b"));
    add(logger(log, "L3"), { last: true });
    runNow(registry, manual);
    expect(log).toEqual(["b", "a", "L3", "L2", "L1"]);
  });

  test("`first: true` callbacks run before every ordinary one, LIFO among themselves, whenever they were registered", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "F1"), { first: true });
    add(logger(log, "L"), { last: true });
    add(logger(log, "b"));
    add(logger(log, "F2"), { first: true });
    runNow(registry, manual);
    expect(log).toEqual(["F2", "F1", "b", "a", "L"]);
  });

  test("the three phases keep their order across runs that keep the callbacks (a page hidden twice)", () => {
    const { registry, log, add } = setup();
    add(logger(log, "F1"), { first: true });
    add(logger(log, "a"));
    add(logger(log, "F2"), { first: true });
    add(logger(log, "L"), { last: true });
    runNow(registry, manual, { keep: true });
    runNow(registry, manual, { keep: true });
    expect(log).toEqual(["F2", "F1", "a", "L", "F2", "F1", "a", "L"]);
  });

  test("`first` registrations are removed like the others (unregister, clear)", () => {
    const { registry, log, add } = setup();
    const fn = logger(log, "F");
    add(fn, { first: true });
    add(fn, { first: true });
    add(logger(log, "G"), { first: true });
    expect(registry.removeAll(fn)).toBe(2);
    expect(registry.size).toBe(1);
    registry.clear();
    expect(registry.size).toBe(0);
    runNow(registry, manual);
    expect(log).toEqual([]);
  });

  test("`last: false` is an ordinary registration", () => {
    const { registry, log, add } = setup();
    add(logger(log, "L"), { last: true });
    add(logger(log, "a"), { last: false });
    runNow(registry, manual);
    expect(log).toEqual(["a", "L"]);
  });
});

describe("duplicates and unregister", () => {
  test("the same function may be registered several times and is counted each time", () => {
    const { registry, add } = setup();
    const fn = (): void => {};
    add(fn);
    add(fn);
    add(fn, { last: true });
    expect(registry.size).toBe(3);
  });

  test("unregister(fn) removes every registration of fn and returns how many", () => {
    const { registry, log, add } = setup();
    const fn = logger(log, "fn");
    const other = logger(log, "other");
    add(fn);
    add(other);
    add(fn);
    add(fn, { last: true });
    expect(registry.removeAll(fn)).toBe(3);
    expect(registry.size).toBe(1);
    expect(registry.removeAll(fn)).toBe(0);
    runNow(registry, manual);
    expect(log).toEqual(["other"]);
  });

  test("unregister of a function never registered returns 0 and changes nothing", () => {
    const { registry, add } = setup();
    add(() => {});
    expect(registry.removeAll(() => {})).toBe(0);
    expect(registry.size).toBe(1);
  });

  test("every registration of a duplicated function runs in one run (CPython semantics)", () => {
    const { registry, log, add } = setup();
    const fn = logger(log, "fn");
    add(fn);
    add(logger(log, "x"));
    add(fn);
    runNow(registry, manual);
    expect(log).toEqual(["fn", "x", "fn"]);
    expect(registry.size).toBe(0);
  });

  test("a duplicated function registered as ordinary and as last runs in both places", async () => {
    const { registry, log, add } = setup();
    const fn = logger(log, "fn");
    add(fn, { last: true });
    add(logger(log, "x"));
    add(fn);
    await runAwaited(registry, manual);
    expect(log).toEqual(["fn", "x", "fn"]);
    expect(registry.size).toBe(0);
  });
});

describe("the signal option", () => {
  test("aborting the signal removes the registration", () => {
    const { registry, log, add } = setup();
    const controller = new AbortController();
    add(logger(log, "a"));
    const off = add(logger(log, "b"), { signal: controller.signal });
    expect(registry.size).toBe(2);
    controller.abort();
    expect(registry.size).toBe(1);
    expect(off()).toBe(false);
    runNow(registry, manual);
    expect(log).toEqual(["a"]);
  });

  test("one signal removes every registration it was given", () => {
    const { registry, add } = setup();
    const controller = new AbortController();
    add(() => {}, { signal: controller.signal });
    add(() => {}, { signal: controller.signal, last: true });
    add(() => {});
    controller.abort();
    expect(registry.size).toBe(1);
  });

  test("an already aborted signal registers nothing", () => {
    const { registry, adapter, log, add } = setup();
    const off = add(logger(log, "never"), { signal: AbortSignal.abort() });
    expect(registry.size).toBe(0);
    expect(off()).toBe(false);
    expect(adapter.install).not.toHaveBeenCalled();
    runNow(registry, manual);
    expect(log).toEqual([]);
  });

  test.each([
    ["the handle", (off: () => boolean, _registry: Registry, _fn: ExitCallback) => void off()],
    ["unregister(fn)", (_off: () => boolean, registry: Registry, fn: ExitCallback) => void registry.removeAll(fn)],
    ["clear()", (_off: () => boolean, registry: Registry) => registry.clear()],
    ["a run", (_off: () => boolean, registry: Registry) => void runNow(registry, manual)],
  ])("the abort listener is removed when %s removes the registration", (_name, remove) => {
    const { registry, add } = setup();
    const controller = new AbortController();
    const removeListener = vi.spyOn(controller.signal, "removeEventListener");
    const fn = vi.fn();
    const off = add(fn, { signal: controller.signal });
    const keep = add(() => {});
    remove(off, registry, fn);
    expect(removeListener).toHaveBeenCalledTimes(1);
    expect(removeListener.mock.calls[0]?.[0]).toBe("abort");
    // Aborting afterwards touches nothing.
    const before = registry.size;
    controller.abort();
    expect(registry.size).toBe(before);
    keep();
  });

  test("aborting during a run stops a callback that has not run yet", () => {
    const { registry, log, add } = setup();
    const controller = new AbortController();
    add(logger(log, "a"), { signal: controller.signal });
    add(() => {
      log.push("b");
      controller.abort();
    });
    runNow(registry, manual);
    expect(log).toEqual(["b"]);
    expect(registry.size).toBe(0);
  });
});

describe("installing the adapter", () => {
  test("install is called once, with the registry, on the first registration", () => {
    const { registry, adapter, add } = setup();
    expect(adapter.install).not.toHaveBeenCalled();
    add(() => {});
    add(() => {});
    add(() => {}, { last: true });
    expect(adapter.install).toHaveBeenCalledTimes(1);
    expect(adapter.install).toHaveBeenCalledWith(registry);
    expect(registry.installed).toBe(adapter);
  });

  test("uninstall is called when the last registration goes, and install again on the next one", () => {
    const { registry, adapter, add } = setup();
    const a = add(() => {});
    const b = add(() => {});
    a();
    expect(adapter.uninstall).not.toHaveBeenCalled();
    b();
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
    expect(registry.installed).toBeUndefined();
    add(() => {});
    expect(adapter.install).toHaveBeenCalledTimes(2);
  });

  test.each([
    ["unregister(fn)", (registry: Registry, fn: ExitCallback, _c: AbortController) => void registry.removeAll(fn)],
    ["an abort", (_registry: Registry, _fn: ExitCallback, controller: AbortController) => controller.abort()],
    ["clear()", (registry: Registry) => registry.clear()],
    ["runNow", (registry: Registry) => void runNow(registry, manual)],
  ])("uninstall is called when %s removes the last registration", (_name, remove) => {
    const { registry, adapter, add } = setup();
    const controller = new AbortController();
    const fn = (): void => {};
    add(fn, { signal: controller.signal });
    remove(registry, fn, controller);
    expect(registry.size).toBe(0);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
  });

  test("uninstall is called after an awaited run that consumed everything, not during it", async () => {
    const { registry, adapter, add } = setup();
    const seen: number[] = [];
    add(() => void seen.push(adapter.uninstall.mock.calls.length));
    add(async () => {
      await sleep(1);
      seen.push(adapter.uninstall.mock.calls.length);
    });
    await runAwaited(registry, manual);
    expect(seen).toEqual([0, 0]);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
  });

  test("clear() during a run does not uninstall before the run is over", () => {
    const { registry, adapter, add } = setup();
    let during = -1;
    add(() => {});
    add(() => {
      registry.clear();
      during = adapter.uninstall.mock.calls.length;
    });
    runNow(registry, manual);
    expect(during).toBe(0);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
  });

  test("a run that leaves a deferred registration keeps the adapter installed", () => {
    const { registry, adapter, add } = setup();
    let runs = 0;
    const again: ExitCallback = () => void (++runs < 5 && add(again));
    add(again);
    runNow(registry, manual);
    expect(registry.size).toBe(1);
    expect(adapter.uninstall).not.toHaveBeenCalled();
  });

  test("detach() uninstalls at once, whatever is still registered", () => {
    const { registry, adapter, add } = setup();
    add(() => {});
    registry.detach();
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
    expect(registry.installed).toBeUndefined();
    expect(registry.size).toBe(1);
  });

  test("an adapter without install is never hooked", () => {
    const registry = new Registry();
    registry.add(() => {}, {}, { runtime: "unknown" });
    expect(registry.installed).toBeUndefined();
    expect(registry.size).toBe(1);
  });
});

describe("reinstalling the listeners (configure() of a setting they depend on)", () => {
  test("an adapter without uninstall has its listeners installed again on top", () => {
    const install = vi.fn();
    const { registry, add } = setupWithSpy({}, { runtime: "unknown", install });
    add(() => {});
    registry.relisten();
    expect(install).toHaveBeenCalledTimes(2);
    expect(install).toHaveBeenLastCalledWith(registry);
  });
});

describe("runs consume callbacks", () => {
  test("a second run runs nothing; count is 0 after a run", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "b"), { last: true });
    runNow(registry, manual);
    expect(registry.size).toBe(0);
    runNow(registry, manual);
    await runAwaited(registry, manual);
    expect(log).toEqual(["a", "b"]);
  });

  test("after an awaited run, count is 0 and the next run runs only new registrations", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    await runAwaited(registry, manual);
    expect(registry.size).toBe(0);
    add(logger(log, "b"));
    await runAwaited(registry, manual);
    expect(log).toEqual(["a", "b"]);
  });

  test("running reports whether a run is under way", async () => {
    const { registry, add } = setup();
    const seen: boolean[] = [];
    add(async () => void seen.push((registry.current !== undefined)));
    expect((registry.current !== undefined)).toBe(false);
    const promise = runAwaited(registry, manual);
    expect((registry.current !== undefined)).toBe(true);
    await promise;
    expect((registry.current !== undefined)).toBe(false);
    expect(seen).toEqual([true]);
  });
});

describe("changes during a run", () => {
  test("a callback registered by a running callback runs next, in the same run", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(() => {
      log.push("b");
      add(logger(log, "new"));
    });
    add(logger(log, "c"));
    runNow(registry, manual);
    expect(log).toEqual(["c", "b", "new", "a"]);
    expect(registry.size).toBe(0);
  });

  test("the same in an awaited run", async () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(async () => {
      log.push("b");
      await sleep(1);
      add(async () => void log.push("new"));
    });
    await runAwaited(registry, manual);
    expect(log).toEqual(["b", "new", "a"]);
  });

  test("a `last` callback registered during the run runs after the remaining ordinary ones, before older last ones", () => {
    const { registry, log, add } = setup();
    add(logger(log, "L1"), { last: true });
    add(logger(log, "a"));
    add(() => {
      log.push("b");
      add(logger(log, "L2"), { last: true });
    });
    runNow(registry, manual);
    expect(log).toEqual(["b", "a", "L2", "L1"]);
  });

  test("a callback that registers itself again does not loop: deferred, counted, and run in the next run", () => {
    const { registry, log, add } = setup();
    let runs = 0;
    const again: ExitCallback = () => {
      log.push("again");
      // Bounded so that a missing loop guard fails the test instead of hanging it.
      if (++runs < 5) add(again);
    };
    add(logger(log, "a"));
    add(again);
    runNow(registry, manual);
    expect(log).toEqual(["again", "a"]);
    expect(registry.size).toBe(1);
    expect((registry.current !== undefined)).toBe(false);
    runNow(registry, manual);
    expect(log).toEqual(["again", "a", "again"]);
    expect(registry.size).toBe(1);
  });

  test("self re-registration in an awaited run is deferred to the next run too", async () => {
    const { registry, log, add } = setup();
    let runs = 0;
    const again: ExitCallback = async () => {
      log.push("again");
      if (++runs < 5) add(again);
    };
    add(again);
    await runAwaited(registry, manual);
    expect(log).toEqual(["again"]);
    expect(registry.size).toBe(1);
    await runAwaited(registry, manual);
    expect(log).toEqual(["again", "again"]);
  });

  test("a deferred re-registration can still be removed before the next run", () => {
    const { registry, adapter, log, add } = setup();
    let off: (() => boolean) | undefined;
    let runs = 0;
    const again: ExitCallback = () => {
      log.push("again");
      if (++runs < 5) off = add(again); // bounded: a missing loop guard fails, not hangs
    };
    add(again);
    runNow(registry, manual);
    expect(off?.()).toBe(true);
    expect(registry.size).toBe(0);
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
    runNow(registry, manual);
    expect(log).toEqual(["again"]);
  });

  test("callbacks that already ran and are registered again keep LIFO order in the next run", () => {
    const { registry, log, add } = setup();
    const a = logger(log, "a");
    const b = logger(log, "b");
    add(() => {
      log.push("c");
      add(a);
      add(b); // registered after a: runs before a
    });
    add(b);
    add(a);
    runNow(registry, manual);
    expect(log).toEqual(["a", "b", "c"]);
    log.length = 0;
    runNow(registry, manual);
    expect(log).toEqual(["b", "a"]);
  });

  test("unregistering a callback that has not run yet stops it from running", () => {
    const { registry, log, add } = setup();
    const a = logger(log, "a");
    const controller = new AbortController();
    add(a);
    const offB = add(logger(log, "b"));
    add(logger(log, "c"), { signal: controller.signal });
    add(() => {
      log.push("d");
      expect(registry.removeAll(a)).toBe(1);
      expect(offB()).toBe(true);
      controller.abort();
    });
    runNow(registry, manual);
    expect(log).toEqual(["d"]);
    expect(registry.size).toBe(0);
  });

  test("unregistering a callback that already ran returns 0 / false", () => {
    const { registry, log, add } = setup();
    const a = logger(log, "a");
    let results: unknown[] = [];
    add(() => {
      results = [registry.removeAll(a), offA()];
    });
    const offA = add(a);
    runNow(registry, manual);
    expect(log).toEqual(["a"]);
    expect(results).toEqual([0, false]);
  });
});

describe("the loop guard (a callback registered during the run)", () => {
  test("a new callback registered during the run runs in it; one that already ran, registered again, waits for the next run", () => {
    const { registry, add } = setupWithSpy();
    const log: string[] = [];
    const A = (): void => {
      log.push("A");
      add(A);
    };
    const C = (): void => void log.push("C");
    const B = (): void => {
      log.push("B");
      add(C);
      // B ran before the guard needed to know: registered again, it still waits.
      add(B);
    };
    add(A);
    add(B);
    runNow(registry, manual);
    expect(log).toEqual(["B", "C", "A"]);
    // B and A, registered again after they ran, are left for the next run: LIFO there, A (registered last) first.
    expect(registry.size).toBe(2);
    runNow(registry, manual);
    expect(log).toEqual(["B", "C", "A", "A", "B", "C"]);
  });
});

describe("runs that keep callbacks (browsers: a page may be hidden again)", () => {
  test("callbacks run LIFO, stay registered in their order, and run again next time", () => {
    const { registry, log, add } = setup();
    add(logger(log, "L"), { last: true });
    add(logger(log, "a"));
    add(logger(log, "b"));
    runNow(registry, hidden, { keep: true });
    expect(registry.size).toBe(3);
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["b", "a", "L", "b", "a", "L"]);
  });

  test("`last` callbacks too keep their order from one run to the next", () => {
    const { registry, log, add } = setup();
    add(logger(log, "L1"), { last: true });
    add(logger(log, "a"));
    add(logger(log, "L2"), { last: true });
    add(logger(log, "b"));
    runNow(registry, hidden, { keep: true });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["b", "a", "L2", "L1", "b", "a", "L2", "L1"]);
  });

  test("`once` callbacks run in the first run only", () => {
    const { registry, log, add } = setup();
    add(logger(log, "a"));
    add(logger(log, "once"), { once: true });
    runNow(registry, hidden, { keep: true });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["once", "a", "a"]);
    expect(registry.size).toBe(1);
  });

  test("a callback registered during the run runs and is kept, in registration order", () => {
    const { registry, log, add } = setup();
    const late = logger(log, "late");
    add(logger(log, "a"));
    add(() => {
      log.push("b");
      if (registry.size === 2) add(late);
    });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["b", "late", "a"]);
    log.length = 0;
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["late", "b", "a"]);
  });

  test("a callback unregistered during the run does not run and is not linked back", () => {
    const { registry, log, add } = setup();
    const off = add(logger(log, "a"));
    add(() => {
      log.push("b");
      off();
    });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["b"]);
    const offB = add(logger(log, "c"));
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["b", "c", "b"]);
    expect(offB()).toBe(true);
    expect(registry.size).toBe(1);
  });

  test("a callback that unregisters itself while it runs is not linked back, and does not run next time", () => {
    const { registry, log, add } = setupWithSpy();
    add(() => void log.push("stays"));
    const off = add(() => {
      log.push("leaves");
      expect(off()).toBe(true);
    });
    runNow(registry, hidden, { keep: true });
    expect(registry.size).toBe(1);
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["leaves", "stays", "stays"]);
  });

  test("a callback unregistered after it ran, by a later one, is let go of: the registry holds nothing of it", async () => {
    const { registry, add } = setupWithSpy();
    let held: object | undefined = {};
    const ref = new WeakRef(held);
    let off: (() => boolean) | undefined;
    add(() => {
      off?.();
      off = undefined;
    });
    off = add(((kept) => () => void kept)(held));
    held = undefined;
    runNow(registry, hidden, { keep: true });
    expect(registry.size).toBe(1);
    expect(await collected([ref])).toBe(1);
  });

  test("a callback unregistered after it ran, by a later one, is not linked back", () => {
    const { registry, log, add } = setupWithSpy();
    const first = (): void => void log.push("first");
    add(() => {
      log.push("removes first");
      expect(registry.removeAll(first)).toBe(1);
    });
    add(first);
    runNow(registry, hidden, { keep: true });
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["first", "removes first", "removes first"]);
    expect(registry.size).toBe(1);
  });

  test("a re-registration deferred by the run, then removed during it, is not linked back", () => {
    const { registry, log, add } = setupWithSpy();
    const again = (): void => {
      log.push("again");
      add(again);
    };
    add(() => {
      log.push("removes again");
      expect(registry.removeAll(again)).toBe(1);
    });
    add(again);
    runNow(registry, manual);
    expect(registry.size).toBe(0);
    runNow(registry, manual);
    expect(log).toEqual(["again", "removes again"]);
  });
});

describe("unregister(callback) finds every registration of it, wherever a run has put it", () => {
  test("during a keep-mode run, it finds a registration that already ran in it, which is then not linked back", () => {
    const { registry, log, add } = setupWithSpy();
    const first = (): void => void log.push("first");
    add(() => {
      log.push("second");
      // `first` ran before this (LIFO): it is out of the stack, waiting to be linked back.
      log.push(`unregistered ${registry.removeAll(first)}`);
    });
    add(first);
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["first", "second", "unregistered 1"]);
    expect(registry.size).toBe(1);
    runNow(registry, hidden, { keep: true });
    expect(log.slice(3)).toEqual(["second", "unregistered 0"]);
  });

  test("after registrations of the same callback, it counts each, and later ones too", () => {
    const { registry, add } = setupWithSpy();
    const flush = (): void => {};
    add(flush);
    add(flush, { last: true });
    expect(registry.removeAll(() => {})).toBe(0);
    add(flush);
    expect(registry.removeAll(flush)).toBe(3);
    expect(registry.size).toBe(0);
    add(flush);
    expect(registry.removeAll(flush)).toBe(1);
  });

  test("clear() during a keep-mode run also removes what ran and what waits for the next run", () => {
    const { registry, log, add } = setupWithSpy();
    let again = true;
    const repeat = (): void => {
      log.push("repeat");
      // Registered again after it ran: deferred to the next run.
      if (again) add(repeat);
      again = false;
    };
    add(() => {
      log.push("clear");
      registry.clear();
    });
    add(repeat);
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["repeat", "clear"]);
    expect(registry.size).toBe(0);
    runNow(registry, hidden, { keep: true });
    expect(log).toEqual(["repeat", "clear"]);
  });
});

describe("what is unregistered is let go of", () => {
  test("a program that registers and unregisters as it goes holds on to few of them, ordinary or `last`", async () => {
    const { registry, adapter } = setup();
    const refs: WeakRef<object>[] = [];
    let entries: ReturnType<Registry["add"]>[] = [];
    for (let i = 0; i < 200; i++) {
      const held = {};
      refs.push(new WeakRef(held));
      entries.push(registry.add(() => void held, { last: i % 2 === 0 }, adapter));
    }
    for (const entry of entries) registry.remove(entry);
    entries = [];
    expect(registry.size).toBe(0);
    // Removed ones are let go of in batches, so a few may still be held.
    expect(await collected(refs)).toBeGreaterThanOrEqual(150);
  });

  test("after the arrays are compacted, what is left runs in its order, and new registrations join it", () => {
    const { registry, log, add } = setup();
    const phases = [{ first: true }, {}, { last: true }] as const;
    const offs = Array.from({ length: 90 }, (_, i) => add(logger(log, `x${i}`), phases[i % 3]));
    // 60 removed: more retired than the 32 a compaction waits for, and than those left.
    for (const [i, off] of offs.entries()) if (i % 3 !== 0 || i >= 30) off();
    add(logger(log, "ordinary"));
    add(logger(log, "first"), { first: true });
    add(logger(log, "last"), { last: true });
    runNow(registry, manual);
    const kept = Array.from({ length: 10 }, (_, i) => `x${27 - i * 3}`);
    expect(log).toEqual(["first", ...kept, "ordinary", "last"]);
  });
});

describe("hostile input: a register() that throws leaves no trace", () => {
  const throwingSignals: Array<[string, object]> = [
    ["addEventListener throws", { aborted: false, addEventListener: () => { throw new Error("nope"); }, removeEventListener() {} }],
    ["aborted is a getter that throws", { get aborted(): boolean { throw new Error("nope"); }, addEventListener() {}, removeEventListener() {} }],
  ];
  for (const [name, signal] of throwingSignals) {
    test(`a signal-like whose ${name}: an [atexit] TypeError, nothing registered, nothing installed`, () => {
      const adapter = fakeAdapter();
      const api = createApi(() => adapter);
      let thrown: unknown;
      try {
        api.register(() => {}, { signal: loose(signal) });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toMatch(/^\[atexit\] register\(\) option "signal"/);
      expect((thrown as Error).cause).toEqual(new Error("nope"));
      expect(api.count()).toBe(0);
      expect(adapter.install).not.toHaveBeenCalled();
      api.register(() => {});
      expect(adapter.install).toHaveBeenCalledTimes(1);
    });
  }

  test("an adapter whose install throws: the error surfaces, the registration is undone, the next one installs", () => {
    let fail = true;
    const adapter = {
      runtime: "unknown" as const,
      install: vi.fn(() => {
        if (fail) throw new Error("install failed");
      }),
      uninstall: vi.fn(),
    };
    const api = createApi(() => adapter);
    expect(() => api.register(() => {})).toThrow("install failed");
    expect(api.count()).toBe(0);
    expect(getRegistry().installed).toBeUndefined();
    // What install did before it threw is undone.
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
    fail = false;
    api.register(() => {});
    expect(api.count()).toBe(1);
    expect(getRegistry().installed).toBe(adapter);
  });

  test("a signal-like whose removeEventListener throws does not stop a run", async () => {
    const { registry, log } = setupWithSpy({ timeout: 50 });
    const signal = loose<AbortSignal>({ aborted: false, addEventListener() {}, removeEventListener: () => { throw new Error("x"); } });
    registry.add(() => void log.push("A"), { signal }, { runtime: "unknown" });
    registry.add(() => void log.push("B"), {}, { runtime: "unknown" });
    await runAwaited(registry, manual);
    expect(log).toEqual(["B", "A"]);
  });
});
