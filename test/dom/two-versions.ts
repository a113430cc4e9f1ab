// A page with two versions of atexit, as a bundle gets when two dependencies
// pin different ones: the packed 0.1.0 (installed as "atexit-0.1.0") and this
// one. The copy used first makes the realm's registry; the other uses it.
// Callbacks registered through both run once per hide, LIFO across the
// copies, whichever copy installed the page listeners.
import * as older from "atexit-0.1.0/adapters/browser";
import { afterEach, expect, test } from "vitest";
import * as newer from "../../dist/adapters/browser.js";

type Api = typeof newer;

const setVisibility = (state: "visible" | "hidden"): void => {
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
};

/** The suite for a page whose first copy is `first`. */
export function twoVersionsSuite(first: "older" | "newer"): void {
  const [one, two] = (first === "older" ? [older, newer] : [newer, older]) as [Api, Api];

  afterEach(() => {
    one.clear();
    delete (document as { visibilityState?: unknown }).visibilityState;
  });

  const page = (log: string[]): void => {
    one.register(() => void log.push("A"));
    two.register(() => void log.push("B"));
    one.register(() => void log.push("C"));
    two.register((event) => void log.push(`D ${event.reason}`));
  };

  test("both copies count the same registrations", () => {
    page([]);
    expect(one.count()).toBe(4);
    expect(two.count()).toBe(4);
  });

  test("a hide runs every callback once, LIFO across the copies, and pagehide in the same hide runs nothing more", () => {
    const log: string[] = [];
    page(log);
    setVisibility("hidden");
    dispatchEvent(new Event("pagehide"));
    expect(log).toEqual(["D hidden", "C", "B", "A"]);
  });

  test("shown again and hidden again: the callbacks run again, once", () => {
    const log: string[] = [];
    page(log);
    setVisibility("hidden");
    setVisibility("visible");
    dispatchEvent(new Event("pageshow"));
    dispatchEvent(new Event("pagehide"));
    expect(log).toEqual(["D hidden", "C", "B", "A", "D pagehide", "C", "B", "A"]);
  });

  test("visibilitychange nested in a callback of the pagehide run (Firefox closing a tab) runs nothing twice", () => {
    const log: string[] = [];
    one.register(() => void log.push("A"));
    two.register(() => {
      log.push("B");
      setVisibility("hidden");
    });
    one.register(() => void log.push("C"));
    dispatchEvent(new Event("pagehide"));
    expect(log).toEqual(["C", "B", "A"]);
  });

  test("unregister through the other copy removes the callback", () => {
    const log: string[] = [];
    const E = (): void => void log.push("E");
    one.register(E);
    expect(two.unregister(E)).toBe(1);
    setVisibility("hidden");
    expect(log).toEqual([]);
  });

  // 0.1.0 keeps its beforeunload trigger to itself (this version keeps it
  // with the realm): the copy whose listeners are installed is the one whose
  // enableBeforeUnload() acts.
  test("enableBeforeUnload() of the copy that installed the page listeners runs the callbacks of both, once", () => {
    const log: string[] = [];
    page(log);
    const disable = one.enableBeforeUnload();
    try {
      dispatchEvent(new Event("beforeunload"));
      dispatchEvent(new Event("pagehide"));
    } finally {
      disable();
    }
    expect(log).toEqual(["D beforeunload", "C", "B", "A"]);
  });
}
