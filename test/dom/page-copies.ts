// Two copies of atexit in one page (the ES module and CommonJS builds of the
// browser entry), either one used first: they share the page's slot, so one
// hide runs every callback once, last in first out across both copies, with
// the listeners of whichever copy registered first, and the next hide again.
import { createRequire } from "node:module";
import { expect, test } from "vitest";
import * as esm from "../../dist/adapters/browser.js";

const cjs = createRequire(import.meta.url)("../../dist/adapters/browser.cjs") as typeof esm;

export function pageCopiesSuite(firstCopy: "esm" | "cjs"): void {
  const [first, second] = firstCopy === "esm" ? [esm, cjs] : [cjs, esm];
  test(`${firstCopy} used first: a hide runs both copies' callbacks once, LIFO across them, and so does the next`, () => {
    expect(first.register).not.toBe(second.register);
    const seen: string[] = [];
    first.register(() => void seen.push("1"));
    second.register(() => void seen.push("2"));
    first.register(() => void seen.push("3"));
    second.register((event) => void seen.push(`4 ${event.reason} ${event.final}`));
    expect([first.count(), second.count()]).toEqual([4, 4]);
    dispatchEvent(Object.assign(new Event("pagehide"), { persisted: true }));
    // The same hide again (visibilitychange after pagehide) runs nothing more.
    document.dispatchEvent(new Event("freeze"));
    expect(seen).toEqual(["4 pagehide false", "3", "2", "1"]);
    dispatchEvent(Object.assign(new Event("pageshow"), { persisted: true }));
    dispatchEvent(Object.assign(new Event("pagehide"), { persisted: false }));
    expect(seen.slice(4)).toEqual(["4 pagehide true", "3", "2", "1"]);
    second.clear();
    expect(first.count()).toBe(0);
  });
}
