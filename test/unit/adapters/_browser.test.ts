// The browser adapter (adapters/_browser.ts) against a fake page: a document
// and a window made of plain listener lists, with events that say whether the
// browser made them (`isTrusted`) or a script did. The fake removes a listener
// only when type, function and capture flag all match, as the DOM does, so a
// listener added or removed on the wrong phase shows. Where there is no page
// (Node, server-side rendering) it must install nothing. The same adapter runs
// in the DOM environments (test/dom), in real browsers (test/browser), and,
// bundled, in test/unit/adapters/browser.test.ts, where the script of a
// listener is really ended as Firefox ends it.
import { afterEach, describe, expect, test, vi } from "vitest";
import { browserAdapter, listenBeforeUnload } from "../../../adapters/_browser.ts";
import type { Adapter, Trigger } from "../../../src/protocol.ts";
import { sharedState } from "../../../src/realm.ts";
import { Registry } from "../../../src/registry.ts";
import { runAwaited } from "../../../src/run.ts";
import type { ExitEvent } from "../../../src/types.ts";

type PageEvent = { type: string; isTrusted: boolean; persisted?: boolean };
type Added = { type: string; listener: (event: PageEvent) => void; capture: boolean };

function fakeTarget() {
  const added: Added[] = [];
  const matches = (a: Added, type: string, listener: unknown, capture: unknown): boolean =>
    a.type === type && a.listener === listener && a.capture === (capture === true);
  return {
    added,
    addEventListener(type: string, listener: Added["listener"], capture?: boolean): void {
      if (!added.some((a) => matches(a, type, listener, capture))) added.push({ type, listener, capture: capture === true });
    },
    removeEventListener(type: string, listener: Added["listener"], capture?: boolean): void {
      const at = added.findIndex((a) => matches(a, type, listener, capture));
      if (at >= 0) added.splice(at, 1);
    },
    /** Dispatches `type`, made by the browser unless `isTrusted` is false. */
    fire(type: string, fields: { persisted?: boolean } = {}, isTrusted = true): void {
      for (const { listener } of added.filter((a) => a.type === type)) listener({ type, isTrusted, ...fields });
    },
    listed: (): Array<[string, boolean]> => added.map((a) => [a.type, a.capture]),
  };
}

/** A page in this realm's globals, as a browser has it: `document`, and the window's own listener methods. */
function fakePage() {
  const window = fakeTarget();
  const document = Object.assign(fakeTarget(), { visibilityState: "visible" as "visible" | "hidden" });
  vi.stubGlobal("document", document);
  vi.stubGlobal("addEventListener", window.addEventListener);
  vi.stubGlobal("removeEventListener", window.removeEventListener);
  const visibility = (state: "visible" | "hidden", isTrusted = true): void => {
    document.visibilityState = state;
    document.fire("visibilitychange", {}, isTrusted);
  };
  return {
    window,
    document,
    hide: (isTrusted = true) => visibility("hidden", isTrusted),
    show: () => visibility("visible"),
    pagehide: (persisted: boolean, isTrusted = true) => window.fire("pagehide", { persisted }, isTrusted),
    pageshow: (persisted: boolean) => window.fire("pageshow", { persisted }),
  };
}

type Seen = string;
const seen = (label: string, event: ExitEvent): Seen =>
  `${label} ${event.reason} ${event.runtime} ${event.final ? "final" : "not final"} ${event.awaited ? "awaited" : "sync"}`;

const registries: Registry[] = [];

/** A registry whose callbacks A, B, C (registered in that order) log what they saw, through a browser adapter. */
function registered(adapter: Adapter = browserAdapter(), callbacks: Partial<Record<"A" | "B" | "C", (event: ExitEvent) => unknown>> = {}) {
  const registry = new Registry();
  registries.push(registry);
  const log: Seen[] = [];
  for (const label of ["A", "B", "C"] as const) {
    registry.add(
      (event) => {
        log.push(seen(label, event));
        return callbacks[label]?.(event);
      },
      {},
      adapter,
    );
  }
  return { registry, log };
}

const ran = (reason: string, final = false): Seen[] => ["C", "B", "A"].map((label) => `${label} ${reason} browser ${final ? "final" : "not final"} sync`);

afterEach(() => {
  // Clearing a registry uninstalls its adapter: no listener of a test outlives it.
  for (const registry of registries.splice(0)) registry.clear();
  vi.unstubAllGlobals();
});

describe("browserAdapter without a page", () => {
  test("under Node (server-side rendering) it names Node and installs nothing", () => {
    expect(browserAdapter()).toEqual({ runtime: "node" });
    vi.stubGlobal("document", {});
    expect(browserAdapter()).toEqual({ runtime: "node" });
  });
});

describe("browserAdapter on a page", () => {
  test("it names the browser, touches the page only at the first registration, and listens on the capture phase", () => {
    const page = fakePage();
    const adapter = browserAdapter();
    expect(adapter.runtime).toBe("browser");
    expect(page.document.added).toEqual([]);
    expect(page.window.added).toEqual([]);
    registered(adapter);
    // Never unload, and beforeunload only through enableBeforeUnload.
    expect(page.document.listed()).toEqual([
      ["visibilitychange", true],
      ["freeze", true],
      ["resume", true],
    ]);
    expect(page.window.listed()).toEqual([
      ["pagehide", true],
      ["pageshow", true],
    ]);
  });

  test("visibilitychange to hidden runs the callbacks synchronously, last in first out, not final; they stay registered", () => {
    const page = fakePage();
    const { registry, log } = registered();
    page.hide();
    expect(log).toEqual(ran("hidden"));
    expect(registry.size).toBe(3);
    expect(registry.current).toBeUndefined();
  });

  test("pagehide is final when the page is left for good, not when it goes into the back/forward cache", () => {
    const page = fakePage();
    const { log } = registered();
    page.pagehide(false);
    page.show();
    page.pagehide(true);
    expect(log).toEqual([...ran("pagehide", true), ...ran("pagehide", false)]);
  });

  test("freeze runs the episode as hidden, not final", () => {
    const page = fakePage();
    const { log } = registered();
    page.document.fire("freeze");
    expect(log).toEqual(ran("hidden"));
  });

  test("one run per hide episode: the first of pagehide, visibilitychange and freeze runs it, the others nothing", () => {
    const page = fakePage();
    const { registry, log } = registered();
    page.pagehide(false);
    page.hide();
    page.document.fire("freeze");
    page.pagehide(false);
    expect(log).toEqual(ran("pagehide", true));
    expect(registry.size).toBe(3);
  });

  test("visibilitychange to visible ends the episode: the next hide runs the callbacks again", () => {
    const page = fakePage();
    const { log } = registered();
    page.hide();
    page.show();
    expect(log).toEqual(ran("hidden"));
    page.document.fire("freeze");
    expect(log).toEqual([...ran("hidden"), ...ran("hidden")]);
  });

  test("a pageshow from the back/forward cache ends the episode; one that is not (a first load) does not", () => {
    const page = fakePage();
    const { log } = registered();
    page.pagehide(true);
    page.pageshow(false);
    page.pagehide(true);
    expect(log).toEqual(ran("pagehide"));
    page.pageshow(true);
    page.pagehide(true);
    expect(log).toEqual([...ran("pagehide"), ...ran("pagehide")]);
  });

  test("resume (a frozen page thawed) ends the episode", () => {
    const page = fakePage();
    const { log } = registered();
    page.document.fire("freeze");
    page.document.fire("resume");
    page.document.fire("freeze");
    expect(log).toEqual([...ran("hidden"), ...ran("hidden")]);
  });

  test("an event a callback dispatches itself only carries the run on: the run's own call ends it", () => {
    const page = fakePage();
    let during: unknown;
    const { registry, log } = registered(browserAdapter(), {
      C: () => {
        page.hide(false);
        during = registry.current;
        log.push("C after");
      },
    });
    page.pagehide(false);
    expect(log).toEqual([...ran("pagehide", true), "C after"]);
    expect(during).toBeDefined();
    expect(registry.current).toBeUndefined();
  });

  test("the browser's own event during a run takes it over: the rest run under that episode, and the run is ended", () => {
    // A trusted event finds a synchronous run under way only when the
    // browser ended that run's script (Firefox closing a tab): nobody else
    // would end the run.
    const page = fakePage();
    let during: unknown = "not seen";
    const { registry, log } = registered(browserAdapter(), {
      C: () => {
        page.hide();
        during = registry.current;
      },
    });
    page.pagehide(true);
    expect(log).toEqual(ran("pagehide"));
    expect(during).toBeUndefined();
    // Ended, not left open: the callbacks are back for the next episode.
    page.show();
    page.hide();
    expect(log).toEqual([...ran("pagehide"), ...ran("hidden")]);
  });

  test("a run the browser ended before it began: the next event runs that episode itself, and keeps the callbacks", () => {
    const page = fakePage();
    const { registry, log } = registered();
    // The browser ends the pagehide listener's script at the call that begins the run.
    const begin = registry.begin.bind(registry);
    let cut = true;
    registry.begin = (trigger, options) => {
      if (!cut) return begin(trigger, options);
      cut = false;
      throw new Error("script ended");
    };
    expect(() => page.pagehide(false)).toThrow("script ended");
    expect(log).toEqual([]);
    page.hide();
    expect(log).toEqual(ran("pagehide", true));
    expect(registry.size).toBe(3);
    page.show();
    page.hide();
    expect(log).toEqual([...ran("pagehide", true), ...ran("hidden")]);
  });

  test("a hide during an awaited run (runHandlers) carries that run on at once, as a hide, and leaves its end to it", async () => {
    const page = fakePage();
    let release = (): void => {};
    let started = (): void => {};
    const awaiting = new Promise<void>((resolve) => (started = resolve));
    const { registry, log } = registered(browserAdapter(), {
      C: () => {
        started();
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    const manual: Trigger = { reason: "manual", runtime: "browser", final: false };
    const running = runAwaited(registry, manual);
    await awaiting;
    page.hide();
    expect(log).toEqual(["C manual browser not final awaited", "B hidden browser not final sync", "A hidden browser not final sync"]);
    expect(registry.current).toBeDefined();
    release();
    await running;
    expect(registry.current).toBeUndefined();
  });

  test("uninstalling removes every listener it added, and the realm's page trigger", () => {
    const page = fakePage();
    const { registry, log } = registered();
    expect(sharedState().pageTrigger).toBeTypeOf("function");
    registry.clear();
    expect(page.document.added).toEqual([]);
    expect(page.window.added).toEqual([]);
    expect(sharedState().pageTrigger).toBeUndefined();
    page.hide();
    page.pagehide(false);
    expect(log).toEqual([]);
  });

  test("uninstalling an older install leaves the page trigger of a newer one", () => {
    const page = fakePage();
    const older = registered();
    const newer = registered();
    older.registry.clear();
    const disable = listenBeforeUnload();
    page.window.fire("beforeunload");
    disable();
    expect(newer.log).toEqual(ran("beforeunload"));
    expect(older.log).toEqual([]);
  });
});

describe("listenBeforeUnload (enableBeforeUnload)", () => {
  test("while it is on, beforeunload runs the episode (not final), on the capture phase; its return turns it off", () => {
    const page = fakePage();
    const { log } = registered();
    page.window.fire("beforeunload");
    expect(log).toEqual([]);
    const disable = listenBeforeUnload();
    expect(page.window.listed()).toContainEqual(["beforeunload", true]);
    page.window.fire("beforeunload");
    expect(log).toEqual(ran("beforeunload"));
    disable();
    expect(page.window.listed()).not.toContainEqual(["beforeunload", true]);
    page.show();
    page.window.fire("beforeunload");
    expect(log).toEqual(ran("beforeunload"));
  });

  test("with nothing registered (no page trigger yet), beforeunload does nothing", () => {
    const page = fakePage();
    const disable = listenBeforeUnload();
    expect(() => page.window.fire("beforeunload")).not.toThrow();
    disable();
  });
});
