// The page-event suite every DOM test environment runs (happy-dom, jsdom): the
// same events a browser fires, dispatched on the environment's own document
// and window, through both routes an application takes to the browser adapter.
import type { ExitEvent } from "atexit";
import * as root from "atexit";
import * as browser from "atexit/adapters/browser";
// What `atexit` is under no export condition: the run-time detecting entry.
import * as detecting from "../../dist/adapters/auto.js";
import { afterEach, describe, expect, test } from "vitest";

type Api = typeof browser;
type Seen = { label: string; reason: string; runtime: string; final: boolean; awaited: boolean };

export interface DomEnvironment {
  /** Makes `document.visibilityState` read `state`, by whatever means the environment allows. */
  setVisibility(state: "visible" | "hidden"): void;
  /** Puts `document.visibilityState` back as the environment had it. */
  resetVisibility(): void;
}

/** A `pagehide` with `persisted`: a real PageTransitionEvent where the environment has one that carries it. */
function pageHide(persisted: boolean): Event {
  const event = typeof PageTransitionEvent === "function"
    ? new PageTransitionEvent("pagehide", { persisted })
    : new Event("pagehide");
  // happy-dom's PageTransitionEvent is its plain Event, which drops `persisted`.
  if (!("persisted" in event)) Object.defineProperty(event, "persisted", { value: persisted });
  return event;
}

export function pageEventSuite(env: DomEnvironment): void {
  describe("the module each route loads", () => {
    test("atexit under the browser condition is the browser adapter, the same module as atexit/adapters/browser", () => {
      // Only the browser entry exports enableBeforeUnload.
      expect(typeof (root as Partial<Api>).enableBeforeUnload).toBe("function");
      expect(root.register).toBe(browser.register);
    });

    test("without the browser condition, the detecting root stays on Node: the process is real here", async () => {
      const runtimes: string[] = [];
      detecting.register((event) => void runtimes.push(event.runtime));
      await detecting.runHandlers();
      expect(runtimes).toEqual(["node"]);
      expect(detecting.count()).toBe(0);
    });
  });

  const routes: Array<[string, Api]> = [
    ["atexit/adapters/browser", browser],
    ["atexit (browser condition)", root as Api],
  ];
  for (const [route, api] of routes) {
    describe(route, () => {
      const seen: Seen[] = [];
      const record = (label: string) => (event: ExitEvent) =>
        void seen.push({ label, reason: event.reason, runtime: event.runtime, final: event.final, awaited: event.awaited });

      afterEach(() => {
        api.clear();
        expect(api.count()).toBe(0);
        env.resetVisibility();
        seen.length = 0;
      });

      test("hidden runs C B A, not final; visible re-arms; pagehide runs them again, final", () => {
        for (const label of ["A", "B", "C"]) api.register(record(label));
        expect(api.count()).toBe(3);
        const expected = (reason: string, final: boolean) =>
          ["C", "B", "A"].map((label) => ({ label, reason, runtime: "browser", final, awaited: false }));

        env.setVisibility("hidden");
        document.dispatchEvent(new Event("visibilitychange"));
        expect(seen).toEqual(expected("hidden", false));
        // Still registered: the page may come back.
        expect(api.count()).toBe(3);

        // The same hide episode: nothing runs twice.
        document.dispatchEvent(new Event("visibilitychange"));
        expect(seen).toHaveLength(3);

        env.setVisibility("visible");
        document.dispatchEvent(new Event("visibilitychange"));
        expect(seen).toHaveLength(3);

        seen.length = 0;
        dispatchEvent(pageHide(false));
        expect(seen).toEqual(expected("pagehide", true));
      });

      test("a pagehide into the back/forward cache is not final", () => {
        api.register(record("A"));
        dispatchEvent(pageHide(true));
        expect(seen).toEqual([{ label: "A", reason: "pagehide", runtime: "browser", final: false, awaited: false }]);
      });

      test("beforeunload runs them only once enabled", () => {
        api.register(record("A"));
        dispatchEvent(new Event("beforeunload"));
        expect(seen).toEqual([]);
        const disable = browser.enableBeforeUnload();
        try {
          dispatchEvent(new Event("beforeunload"));
        } finally {
          disable();
        }
        expect(seen).toEqual([{ label: "A", reason: "beforeunload", runtime: "browser", final: false, awaited: false }]);
      });

      test("runHandlers() names the host a browser", async () => {
        api.register(record("A"));
        await api.runHandlers();
        expect(seen).toEqual([{ label: "A", reason: "manual", runtime: "browser", final: false, awaited: true }]);
      });

      test("the last registration to go removes the page listeners", () => {
        const off = api.register(record("A"));
        off();
        env.setVisibility("hidden");
        document.dispatchEvent(new Event("visibilitychange"));
        dispatchEvent(pageHide(false));
        expect(seen).toEqual([]);
      });
    });
  }
}
