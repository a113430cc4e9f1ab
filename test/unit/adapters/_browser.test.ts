// The browser adapter (adapters/_browser.ts) where there is no page: under
// Node (server-side rendering) it must install nothing. With a page it runs
// in the DOM environments (test/dom), in real browsers (test/browser), and,
// bundled, in test/unit/adapters/browser.test.ts.
import { afterEach, describe, expect, test, vi } from "vitest";
import { browserAdapter } from "../../../adapters/_browser.ts";

describe("browserAdapter without a page", () => {
  afterEach(() => void vi.unstubAllGlobals());

  test("under Node (server-side rendering) it names Node and installs nothing", () => {
    expect(browserAdapter()).toEqual({ runtime: "node" });
    vi.stubGlobal("document", {});
    expect(browserAdapter()).toEqual({ runtime: "node" });
  });
});
