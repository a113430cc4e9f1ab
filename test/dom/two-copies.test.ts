// @vitest-environment happy-dom
// Two copies of atexit in one page: the ESM and the CJS build, as a page gets
// when one dependency imports atexit and another requires it. What one copy
// installed, the other acts on: the realm's state is shared, not each copy's.
import { createRequire } from "node:module";
import { afterEach, expect, test, vi } from "vitest";
import * as esm from "../../dist/adapters/browser.js";
import * as esmBeacon from "../../dist/beacon.js";

const require = createRequire(import.meta.url);
const cjs = require("../../dist/adapters/browser.cjs") as typeof esm;
const cjsBeacon = require("../../dist/beacon.cjs") as typeof esmBeacon;

afterEach(() => {
  esm.clear();
  vi.unstubAllGlobals();
});

test("the two builds are two copies, which share one registry", () => {
  expect(cjs.register).not.toBe(esm.register);
  esm.register(() => {});
  expect(cjs.count()).toBe(1);
});

test("enableBeforeUnload() of the copy that did not install the listeners still runs the callbacks", () => {
  const seen: string[] = [];
  esm.register((event) => void seen.push(event.reason));
  const disable = cjs.enableBeforeUnload();
  try {
    dispatchEvent(new Event("beforeunload"));
  } finally {
    disable();
  }
  expect(seen).toEqual(["beforeunload"]);
});

test("sendOnExit of both copies spends the page's one keepalive budget", async () => {
  vi.stubGlobal("navigator", { sendBeacon: () => false });
  const held: Array<() => void> = [];
  const fetch = vi.fn(async () => {
    await new Promise<void>((resolve) => held.push(resolve));
    return { ok: true };
  });
  vi.stubGlobal("fetch", fetch);
  const first = esmBeacon.sendOnExit("/log", "a".repeat(60_000), { maxChunkBytes: Infinity });
  const second = cjsBeacon.sendOnExit("/log", "b".repeat(10_000), { maxChunkBytes: Infinity });
  // 60,000 + 10,000 bytes is over the 64 KiB a page may have in flight: the second waits.
  expect(fetch).toHaveBeenCalledTimes(1);
  await new Promise((resolve) => setTimeout(resolve, 30));
  expect(fetch).toHaveBeenCalledTimes(1);
  held.shift()!();
  await first;
  await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
  held.shift()!();
  expect(await second).toEqual({ chunks: 1, via: ["keepalive"], unsent: [] });
});
